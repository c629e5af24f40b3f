"""Which neighbours of a motif matter: every pair of flanking nucleotides."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rbpgia.gia import support
from rbpgia.gia.embed import pattern_codes
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT
from rbpgia.sequence import ALPHABET

NAME = "flanks"


def flanks(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    position="centre",
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Importance of ``motif`` with each pair of flanking nucleotides.

    ``x + motif + y`` is written at ``position`` for every 5' letter ``x`` and 3' letter
    ``y``. With the default centre spec the motif lands on the same columns in every row
    (and as it does alone), so the rows differ in their flanks only.

    Returns
    -------
    pd.DataFrame
        16 rows: ``condition`` (``"A_U"`` = 5' A, 3' U), ``kind``, ``flank`` (the same),
        ``five_prime``, ``three_prime`` and the statistics.
    """
    predict = as_predictor(predict)
    pattern_codes(motif)
    pairs = [(x, y) for x in ALPHABET for y in ALPHABET]
    names = [f"{x}_{y}" for x, y in pairs]
    interventions = {
        name: [(x + motif + y, position)] for name, (x, y) in zip(names, pairs, strict=True)
    }
    effects = design.measure(predict, nulls, interventions, baseline=baseline)
    labels = {
        "flank": names,
        "five_prime": [x for x, _ in pairs],
        "three_prime": [y for _, y in pairs],
    }
    rows = [(name, "condition", effects[name]) for name in names]
    return design.table(
        NAME, motif, rows, predict, rng, labels=labels, n_boot=n_boot, confidence=confidence
    )


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of a flanking pair: training probes holding the extended site ``x+motif+y``."""
    motif = str(table["motif"].iloc[0])
    counts = {
        str(row["condition"]): support.counted(
            training, row["five_prime"] + motif + row["three_prime"]
        )
        for _, row in table.iterrows()
    }
    return support.rows_support(table, counts)


def headline(result: pd.DataFrame) -> design.Headline:
    """The best flanking pair's importance; detail: the pair."""
    best = result.loc[result["importance"].idxmax()]
    return design.Headline.of_row("best flanks importance", best, str(best["flank"]))
