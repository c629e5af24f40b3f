"""Does binding add up over sites? One to n copies of a motif, placed alike for every count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rbpgia.encode.onehot import decode as decode_onehot
from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.embed import as_onehot, pattern_codes, real_regions
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, CONTRAST_SEPARATOR, N_BOOT, contrast_name

NAME = "motif_count"
PLACEMENTS = ("random", "paper")
# The original code's layout (Koo et al. 2021, Figure 2): sites at 4, 12, 20, ... nt.
PAPER_FIRST, PAPER_STEP = 4, 8


def random_site_starts(
    nulls: np.ndarray, width: int, n_sites: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_sites`` non-overlapping starts per null, uniform over all such placements.

    Placements are drawn uniformly among every way of fitting ``n_sites`` disjoint
    ``width``-nt copies into the null's real region (stars and bars: the starts minus
    ``j (width - 1)`` are a uniform sorted subset of ``length - n_sites (width - 1)``
    slots), then put in random order per null. The copies used for a count of ``n`` are
    the first ``n`` of that order, so every site, whatever the count, is a uniform draw
    from the same placement: each added site has the same positional distribution.

    Returns
    -------
    np.ndarray of int64, shape (N, n_sites)
        Absolute start columns, in the random order.
    """
    starts, lengths = real_regions(nulls)
    step = width - 1
    slots = lengths - n_sites * step
    if np.any(slots < n_sites):
        raise InputError(
            f"{n_sites} non-overlapping copies of a {width}-nt motif do not fit in "
            f"probes of {int(lengths.min())} nt"
        )
    keys = rng.random((len(nulls), int(slots.max())))
    keys[np.arange(keys.shape[1])[None, :] >= slots[:, None]] = np.inf
    chosen = np.sort(np.argsort(keys, axis=1)[:, :n_sites], axis=1)
    placed = starts[:, None] + chosen + np.arange(n_sites)[None, :] * step
    order = np.argsort(rng.random(placed.shape), axis=1)
    return np.take_along_axis(placed, order, axis=1).astype(np.int64)


def joined_copies(null: str, motif: str, starts: np.ndarray) -> int:
    """Copies the nested sites spell beyond their single sites, summed over the counts.

    For each count n, ``occ(first n copies) - occ(null) - sum_j (occ(copy j alone) -
    occ(null))`` in the null's letters (``starts`` relative to its first real letter):
    0 when the copies add up, so that a model that only counts exact copies gives equal
    increments.
    """

    def occurrences(*copies: int) -> int:
        return design.count_occurrences(design.spelled(null, motif, copies), motif)

    background = occurrences()
    alone = [occurrences(at) - background for at in starts]
    return sum(
        abs(occurrences(*starts[:n]) - background - sum(alone[:n]))
        for n in range(2, len(starts) + 1)
    )


def close_placements(sites: np.ndarray, width: int) -> np.ndarray:
    """(N,) bool: placements with two copies close enough to share a window of ``width``.

    Copies ``width - 1`` nt apart or more share no window of ``width`` letters, so they
    always add up; only the others need :func:`joined_copies`.
    """
    return (np.diff(np.sort(sites, axis=1), axis=1) < 2 * width - 1).any(axis=1)


def separate_copies(
    nulls: np.ndarray, motif: str, sites: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Redraw, in ``sites`` itself, each null's placement while its copies spell extra copies.

    Copies close together can spell another copy with the letters between them
    (UGCAUG + CA + UGCAUG; UUUUUU beside UUUUUU): such placements are drawn again, from
    the same distribution, until the copies add up (:func:`joined_copies`), at most
    ``design.MAX_REDRAWS`` times. Returns 1 for each null whose copies still join, else
    0 (a motif made of one letter repeated may never separate in a short probe).
    """
    starts, _ = real_regions(nulls)
    joined = np.zeros(len(nulls), dtype=np.int64)
    close = close_placements(sites, len(motif))
    sequences = decode_onehot(nulls[close]) if close.any() else []
    for i, null in zip(np.flatnonzero(close), sequences, strict=True):
        for _ in range(design.MAX_REDRAWS):
            if joined_copies(null, motif, sites[i] - starts[i]) == 0:
                break
            sites[i] = random_site_starts(nulls[i : i + 1], len(motif), sites.shape[1], rng)[0]
        else:
            joined[i] = 1
    return joined


def joined_fraction(nulls: np.ndarray, motif: str, sites: np.ndarray) -> float:
    """Fraction of nulls whose ``sites`` copies of ``motif`` spell extra copies (no redraw).

    For a compared motif, written at the placements drawn for the main one.
    """
    starts, _ = real_regions(nulls)
    close = close_placements(sites, len(motif))
    if not close.any():
        return 0.0
    sequences = decode_onehot(nulls[close])
    joined = [
        joined_copies(null, motif, sites[i] - starts[i]) > 0
        for i, null in zip(np.flatnonzero(close), sequences, strict=True)
    ]
    return float(np.sum(joined)) / len(nulls)


def paper_site_starts(nulls: np.ndarray, width: int, n_sites: int) -> np.ndarray:
    """Starts 4, 12, 20, ... nt after each null's 5' end (the paper's nested layout)."""
    starts, lengths = real_regions(nulls)
    offsets = PAPER_FIRST + PAPER_STEP * np.arange(n_sites)
    if width > PAPER_STEP or np.any(offsets[-1] + width > lengths):
        raise InputError(
            f"the paper's layout puts {n_sites} sites at {offsets.tolist()} nt: a "
            f"{width}-nt motif does not fit probes of {int(lengths.min())} nt that way"
        )
    return starts[:, None] + offsets[None, :]


def motif_count(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    max_sites: int = 3,
    placement: str = "random",
    compare: Sequence[str] = (),
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Importance of 1..``max_sites`` copies of ``motif``, and of each added copy.

    Count must not change together with position, or a model that prefers some columns
    draws a curve from position alone. With ``placement="random"`` (default) each null
    gets one random non-overlapping placement of ``max_sites`` copies and a random order
    of them (:func:`random_site_starts`); ``n`` sites are the first ``n``, so the sites
    are nested (each count adds one copy to the previous count's) and every added copy
    has the same positional distribution. An additive model, whatever its position
    preference, then gives equal increments in expectation: a straight line.
    A placement whose copies spell copies that no single site has (the letters between
    two close copies completing a third, as UGCAUG + CA + UGCAUG does, or repeats such as
    UUUUUU beside UUUUUU) is drawn again (:func:`separate_copies`), or a model that merely
    counts copies would look super-additive; ``joined_copies`` gives the fraction of
    nulls where that could not be avoided. ``placement="paper"`` uses the original
    code's nested layout, sites at 4, 12, 20 nt from the 5' end
    (:func:`paper_site_starts`), to reproduce Figure 2; its copies, 2 nt apart, are not
    redrawn, and ``joined_copies`` says how often they spell extra copies (UGCAUG: about
    one null in eleven).

    Contrasts ``n - (n-1)`` (n >= 2) give each added site's effect, paired per null, and
    ``n - (n-1) - 1`` for the last count (``3 - 2 - 1`` by default: the last added
    site's effect minus the first site's) tells additive binding (0) from saturation
    (< 0) and cooperation (> 0) with its own CI: the headline. A line fitted by least
    squares to the counts' importance (``slope``, ``intercept``, ``r2``, repeated on
    every row) is kept for the figures; its slope alone cannot tell the two apart (a
    free intercept takes up a first site worth more than the rest: ``tanh(sites)``
    gives slope 0.12, as do additive sites worth 0.12 each).

    ``compare`` lists other motifs of the same length (e.g. a sub-optimal site, AGAAUG
    beside RBFOX1's UGCAUG in the paper's Figure 2), counted 1..``max_sites`` times at
    the very same placements (conditions ``"AGAAUG:1"``..), each with the contrast
    ``"AGAAUG:n - 1"``: ``max_sites`` weak sites against one site of the motif, paired per
    null (the paper's "three weak sites are worth about one optimal site").

    Returns
    -------
    pd.DataFrame
        ``condition`` (``"1"``.., ``"2 - 1"``.. and ``"3 - 2 - 1"``, then the compared
        motifs' rows),
        ``kind``, ``pattern`` (the motif copied), ``n_sites`` (the count, or for a
        contrast the count it reaches), the statistics and the fit (of ``motif``'s
        counts).
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    if max_sites < 1:
        raise InputError(f"max_sites must be at least 1, got {max_sites}")
    if placement not in PLACEMENTS:
        raise InputError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    rng = np.random.default_rng(0 if rng is None else rng)
    if placement == "random":
        sites = random_site_starts(nulls, len(motif), max_sites, rng)
        joined = float(separate_copies(nulls, motif, sites, rng).mean())
    else:
        # Fixed columns, nothing to redraw: how often the copies join is only reported.
        sites = paper_site_starts(nulls, len(motif), max_sites)
        joined = joined_fraction(nulls, motif, sites)
    others = compared_motifs(compare, motif)
    counts = list(range(1, max_sites + 1))
    interventions = {
        count_name(pattern, motif, n): design.at_starts(
            [pattern] * n, [sites[:, j] for j in range(n)]
        )
        for pattern in [motif, *others]
        for n in counts
    }
    effects = design.measure(predict, nulls, interventions, baseline=baseline)
    rows = [(str(n), "condition", effects[str(n)]) for n in counts]
    rows += [design.contrast(effects, str(n), str(n - 1)) for n in counts[1:]]
    n_sites = counts + counts[1:]
    if max_sites >= 2:
        last = effects[str(max_sites)] - effects[str(max_sites - 1)]
        rows.append((additivity_name(max_sites), "contrast", last - effects["1"]))
        n_sites.append(max_sites)
    patterns = [motif] * len(rows)
    for other in others:
        rows += [
            (count_name(other, motif, n), "condition", effects[count_name(other, motif, n)])
            for n in counts
        ]
        rows.append(design.contrast(effects, count_name(other, motif, max_sites), "1"))
        patterns += [other] * (max_sites + 1)
        n_sites += [*counts, max_sites]
    result = design.table(
        NAME,
        motif,
        rows,
        predict,
        rng,
        labels={"pattern": patterns, "n_sites": n_sites},
        n_boot=n_boot,
        confidence=confidence,
    )
    conditions = own_rows(result, "condition")
    slope, intercept, r2 = line_fit(conditions["n_sites"], conditions["importance"])
    # Per motif: a compared motif may spell extra copies of itself at these placements.
    joined_by_pattern = {motif: joined}
    joined_by_pattern.update({other: joined_fraction(nulls, other, sites) for other in others})
    return result.assign(
        placement=placement,
        joined_copies=result["pattern"].map(joined_by_pattern),
        slope=slope,
        intercept=intercept,
        r2=r2,
    )


def compared_motifs(compare: Sequence[str], motif: str) -> list[str]:
    """The ``compare`` motifs, checked: RNA letters, the motif's length, each once."""
    if isinstance(compare, str):
        compare = [compare]
    others = [str(other).strip().upper().replace("T", "U") for other in compare]
    for other in others:
        pattern_codes(other)
        if len(other) != len(motif):
            raise InputError(
                f"compare: {other} has {len(other)} nt; compared motifs share the placements "
                f"of {motif}, so they need its length ({len(motif)} nt)"
            )
    if motif in others or len(set(others)) < len(others):
        raise InputError(f"compare: {', '.join(others)} repeats a motif (the motif is {motif})")
    return others


def count_name(pattern: str, motif: str, n: int) -> str:
    """Condition of ``n`` copies: ``"2"`` for the motif itself, ``"AGAAUG:2"`` for another."""
    return str(n) if pattern == motif else f"{pattern}:{n}"


def own_rows(result: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Rows of ``kind`` about the motif itself (not a compared motif), in order of n."""
    rows = result[result["kind"] == kind]
    if "pattern" in rows:  # tables written before `compare` have the motif's rows only
        rows = rows[rows["pattern"] == rows["motif"]]
    return rows.sort_values("n_sites")


def own_counts(result: pd.DataFrame) -> pd.DataFrame:
    """The motif's own conditions and increments: what its fit, headline and check read."""
    return pd.concat([own_rows(result, "condition"), own_rows(result, "contrast")])


def load_design(options: Mapping) -> dict:
    """The design options checked as far as they do not depend on the motif, so that a
    bad value stops a run before the k-mer search (which picks the motif)."""
    if options.get("placement", "random") not in PLACEMENTS:
        raise InputError(f"placement must be one of {PLACEMENTS}, got {options['placement']!r}")
    if options.get("max_sites", 1) < 1:
        raise InputError(f"max_sites must be at least 1, got {options['max_sites']}")
    for pattern in options.get("compare", ()):
        pattern_codes(pattern)
    return dict(options)


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of ``n`` sites: training probes with at least ``n`` non-overlapping copies."""
    motif = str(table["motif"].iloc[0])
    conditions = table[table["kind"] == "condition"]
    patterns = (
        conditions["pattern"] if "pattern" in conditions else pd.Series(motif, conditions.index)
    )
    counts = {}
    for pattern in patterns.unique():
        found = support.mismatches(training, pattern)
        copies = [support.non_overlapping(found <= mm, len(pattern)) for mm in (0, 1)]
        for n in conditions.loc[patterns == pattern, "n_sites"].astype(int):
            counts[count_name(pattern, motif, n)] = (
                support.count(copies[0] >= n),
                support.count(copies[1] >= n),
            )
    return support.rows_support(table, counts)


def line_fit(x, y) -> tuple[float, float, float]:
    """Least-squares slope, intercept and R^2 of y on x (NaN with fewer than two points)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return np.nan, np.nan, np.nan
    slope, intercept = np.polyfit(x, y, 1)
    total = np.sum((y - y.mean()) ** 2)
    residual = np.sum((y - (slope * x + intercept)) ** 2)
    r_squared = 1.0 - residual / total if total > 0 else np.nan
    return float(slope), float(intercept), float(r_squared)


def additivity_name(max_sites: int) -> str:
    """The row of the last added site minus the first: ``"3 - 2 - 1"`` for 3 sites."""
    return contrast_name(contrast_name(str(max_sites), str(max_sites - 1)), "1")


def increments(result: pd.DataFrame) -> pd.DataFrame:
    """The motif's ``n - (n-1)`` contrast rows, in order of n."""
    rows = own_rows(result, "contrast")
    return rows[rows["condition"].astype(str).str.count(CONTRAST_SEPARATOR) == 1]


def headline(result: pd.DataFrame) -> design.Headline:
    """Last added site minus the first, with its CI; detail: each site's effect, the fit.

    Tables written before that row existed give the fitted slope, as they did.
    """
    one = design.row_named(result, "1")
    added = [one["importance"], *increments(result)["importance"]]
    r2 = float(result["r2"].iloc[0])
    detail = "per added site " + ", ".join(f"{v:.3g}" for v in added) + f"; R^2 {r2:.3f}"
    n = int(own_rows(result, "condition")["n_sites"].max())
    name = additivity_name(n) if n >= 2 else None
    if name is None or name not in set(result["condition"].astype(str)):
        line = design.Headline("slope per extra site", float(result["slope"].iloc[0]), detail)
        return line.reading(own_counts(result))
    detail += f"; slope {float(result['slope'].iloc[0]):.3g}"
    return design.Headline.of_row(
        "last added site minus first (0: additive, < 0: saturating)",
        design.row_named(result, name),
        detail,
    ).reading(own_counts(result))
