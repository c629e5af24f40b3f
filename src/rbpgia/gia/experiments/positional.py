"""Where in the probe a motif matters: the motif at every start, from both ends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.embed import (
    as_onehot,
    check_position_spec,
    pattern_codes,
    real_regions,
    resolve_starts,
)
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT

NAME = "positional"
ANCHORS = ("5p", "3p")
# A position preference the headline names: the best start above the lowest by CIs apart
# and by this share of its own importance. With some 50 starts, the extremes' 95% CIs part
# for differences of 2% (an exact count rule's edge effects), which no reader would call a
# preference.
MIN_RANGE_SHARE = 0.1


def positional(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    anchors: Sequence[str] = ANCHORS,
    positions: Sequence[int] | None = None,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Importance of ``motif`` at each start across the probe (Koo et al. 2021).

    Probes differ in length, so a start is counted from one end of each probe: row
    ``5p+k`` writes the motif ``k`` nt after each null's first real nucleotide, row
    ``3p+k`` ends it ``k`` nt before the last, for ``k = 0 .. shortest - len(motif)``.
    Every row uses every null, and the two anchors together reach every start of every
    probe up to ``2 * shortest - len(motif) + 1`` nt long (RNAcompete's 30-41 nt: all).

    ``positions`` (absolute columns of the padded frame, the same for every null) scans
    those columns instead, as the workflow did before; each must fit every null.

    Returns
    -------
    pd.DataFrame
        ``condition`` (the position spec), ``kind``, ``anchor`` (``5p``, ``3p`` or
        ``frame``), ``offset`` (nt from that end; the column for ``frame``),
        ``position`` (mean start column of the padded frame over the nulls) and the
        statistics.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    width = len(motif)
    if positions is not None:
        positions = _frame_columns(positions)
        specs = [(p, "frame", p) for p in positions]
    else:
        unknown = set(anchors) - set(ANCHORS)
        if unknown or not anchors:
            raise InputError(f"anchors must be among {ANCHORS}, got {list(anchors)}")
        shortest = int(real_regions(nulls)[1].min())
        if shortest < width:
            raise InputError(f"motif {motif!r} is longer than the shortest null ({shortest} nt)")
        specs = [
            (f"{anchor}+{k}", anchor, k) for anchor in anchors for k in range(shortest - width + 1)
        ]
    if not specs:
        raise InputError("no positions to scan")
    effects = design.measure(
        predict, nulls, {str(spec): [(motif, spec)] for spec, _, _ in specs}, baseline=baseline
    )
    columns = [float(resolve_starts(nulls, width, spec).mean()) for spec, _, _ in specs]
    return design.table(
        NAME,
        motif,
        [(str(spec), "condition", effects[str(spec)]) for spec, _, _ in specs],
        predict,
        rng,
        labels={
            "anchor": [anchor for _, anchor, _ in specs],
            "offset": [k for _, _, k in specs],
            "position": columns,
        },
        n_boot=n_boot,
        confidence=confidence,
    )


def _frame_columns(positions: Sequence[int]) -> list[int]:
    """Frame columns to scan: whole numbers, none negative, none twice."""
    columns = design.distinct_whole_numbers(positions, "positions")
    for column in columns:
        check_position_spec(column)
    return columns


def load_design(options: Mapping) -> dict:
    """The design options checked before any prediction (the anchors named, the frame
    columns)."""
    anchors = options.get("anchors", ANCHORS)
    if not anchors or set(anchors) - set(ANCHORS):
        raise InputError(f"anchors must be among {ANCHORS}, got {list(anchors)}")
    if options.get("positions") is not None:
        _frame_columns(options["positions"])
    return dict(options)


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of a start: training probes with the motif starting there.

    ``5p+k`` starts ``k`` nt after a probe's first letter, ``3p+k`` ends ``k`` nt before
    its last, ``frame`` rows at that column of the frame (the training probes are centred
    in the model's frame as the nulls are).
    """
    motif = str(table["motif"].iloc[0])
    m = len(motif)
    found = support.mismatches(training, motif)
    ends = training.starts + training.lengths
    counts = {}
    for _, row in table[table["kind"] == "condition"].iterrows():
        k = int(row["offset"])
        columns = {
            "5p": training.starts + k,
            "3p": ends - m - k,
            "frame": np.full(len(training), k),
        }[row["anchor"]]
        counts[str(row["condition"])] = tuple(
            support.count(support.at_column(found <= mm, columns)) for mm in (0, 1)
        )
    return support.rows_support(table, counts)


def best_row(result: pd.DataFrame) -> pd.Series:
    """The row of highest importance."""
    return result.loc[result["importance"].idxmax()]


def headline(result: pd.DataFrame) -> design.Headline:
    """Mean frame column of the best start; detail: the start from its end, and the lowest.

    NaN ("none") unless the best start beats the lowest (CIs apart, by at least
    :data:`MIN_RANGE_SHARE` of its importance): a model without a position preference has
    a flat profile, whose argmax is noise.
    """
    best = best_row(result)
    lowest = result.loc[result["importance"].idxmin()]
    where = {"5p": "nt from the 5' end", "3p": "nt from the 3' end", "frame": "column"}
    detail = (
        f"best at {int(best['offset'])} {where[best['anchor']]} ({design.with_ci(best)}; "
        f"lowest {lowest['condition']} {design.with_ci(lowest)})"
    )
    apart = best["ci_low"] > lowest["ci_high"]
    large = best["importance"] - lowest["importance"] >= MIN_RANGE_SHARE * abs(best["importance"])
    line = design.Headline("best motif start (mean column)", float(best["position"]), detail)
    flat = f"the profile is flat within {MIN_RANGE_SHARE:.0%} or its CIs"
    return line.unless(apart and large, flat).reading(best.to_frame().T)
