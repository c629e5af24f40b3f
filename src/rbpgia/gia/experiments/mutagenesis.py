"""Which letters of a motif matter: every single-nucleotide variant at the same columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rbpgia.gia import support
from rbpgia.gia.embed import pattern_codes
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT
from rbpgia.sequence import ALPHABET

NAME = "kmer_mutagenesis"


def kmer_mutagenesis(
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
    """Importance of every single-nucleotide variant of ``motif`` (Koo et al. 2021).

    Each variant is written at ``position`` (a position spec, default each null's
    centre), so every variant occupies the same columns and differs from the motif in
    one letter only. The result is the full grid of motif position x nucleotide: the
    rows whose nucleotide is the motif's own carry the wild type (``wild_type=True``, the
    same numbers on each such row).

    Returns
    -------
    pd.DataFrame
        ``condition`` (the variant), ``kind`` (condition), ``position`` (0-based index
        within the motif), ``nucleotide``, ``kmer``, ``wild_type`` and the statistics;
        4 x len(motif) rows. ``q_value`` is BH over the rows.
    """
    predict = as_predictor(predict)
    pattern_codes(motif)
    grid = [
        (i, letter, motif[:i] + letter + motif[i + 1 :], letter == wild)
        for i, wild in enumerate(motif)
        for letter in ALPHABET
    ]
    variants = list(dict.fromkeys(kmer for _, _, kmer, _ in grid))
    effects = design.measure(
        predict, nulls, {v: [(v, position)] for v in variants}, baseline=baseline
    )
    # Statistics of the distinct variants (the wild type once), then laid out as the grid.
    distinct = design.table(
        NAME,
        motif,
        [(v, "condition", effects[v]) for v in variants],
        predict,
        rng,
        n_boot=n_boot,
        confidence=confidence,
    ).set_index("condition", drop=False)
    result = distinct.loc[[kmer for _, _, kmer, _ in grid]].reset_index(drop=True)
    position_, nucleotide, kmer, wild_type = zip(*grid, strict=True)
    labels = {"position": position_, "nucleotide": nucleotide, "kmer": kmer, "wild_type": wild_type}
    for offset, (column, values) in enumerate(labels.items()):
        result.insert(4 + offset, column, list(values))
    return result


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of a variant: training probes holding it (anywhere)."""
    counts = {kmer: support.counted(training, kmer) for kmer in table["kmer"].unique()}
    return support.rows_support(table, counts)


def headline(result: pd.DataFrame) -> design.Headline:
    """The wild type's importance; detail: the most damaging substitution."""
    mutants = result[~result["wild_type"].astype(bool)]
    worst = mutants.loc[mutants["importance"].idxmin()]
    wild = result[result["wild_type"].astype(bool)].iloc[0]
    # Positions counted from 1 for the reader, as the figures do (the table's from 0).
    detail = f"most damaging: {worst['nucleotide']} at motif position {int(worst['position']) + 1}"
    line = design.Headline.of_row("wild-type importance", wild, detail)
    return line.reading(pd.DataFrame([wild, worst]))
