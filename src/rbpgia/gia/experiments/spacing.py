"""Do two sites cooperate at some distance? The pair against its two single sites."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd

from rbpgia.encode.onehot import decode as decode_onehot
from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.embed import as_onehot, embed_per_sequence, pattern_codes, real_regions
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT
from rbpgia.sequence import ALPHABET

NAME = "spacing"
INTERACTION = "pair - first - second"
# Gaps where more nulls than this spell extra copies are not read as cooperativity.
MAX_EXTRA_COPIES = 0.05
# Cooperativity the headline names: an interaction whose CI lies above 0 and which adds at
# least this share of a single site's effect at that gap (a trained model's tiny, real
# curvature is no spacing rule).
MIN_INTERACTION_SHARE = 0.1


def feasible_spacings(motif: str, max_length: int) -> list[int]:
    """Gaps between two copies of ``motif`` that are self-consistent and fit ``max_length``.

    A gap is the number of nucleotides between the end of the first copy and the start
    of the second. Negative gaps overlap the copies by ``-gap`` nt and are kept only
    where the overlap agrees (the motif's suffix equals its prefix, e.g. ``-1`` for
    ``GCAUG`` would need ``G == G``); 0 is adjacent; positive gaps run up to
    ``max_length - 2 len(motif)``.
    """
    m = len(motif)
    overlaps = [-o for o in range(m - 1, 0, -1) if motif[m - o :] == motif[:o]]
    return overlaps + list(range(0, max_length - 2 * m + 1))


def spacing(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    spacings: Sequence[int] | None = None,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Two copies of ``motif`` at each gap, and their cooperativity (Koo et al. 2021).

    For each gap the pair (first copy, gap, second copy) is centred in each null; the
    gap's nucleotides stay the null's. The pair moves with the gap, so its importance
    mixes distance with position. Each gap therefore also scores the first and the
    second copy alone at the same columns, and reports the paired interaction
    ``pair - first - second``: what the two copies do together beyond what each does
    alone there. A model without cooperativity gives an interaction of 0 at every gap,
    whatever its position preference; a cooperative one peaks at its gap.

    Short gaps let the two copies and the letters between them spell another copy of
    the motif (UGCAUG + CA + UGCAUG holds a third UGCAUG), which a model that merely
    counts copies would show as cooperativity. Where the null's letters in the gap would
    do that, they are redrawn at random until the copies add up (:func:`gap_fillers`),
    and all three of pair, first and second write the same gap letters, so they still
    differ only in the copies; each is measured against the null with those gap letters
    (its own, or the redrawn ones), so what redrawn letters do by themselves does not
    enter the interaction (measured against the untouched null, it would, once, with a
    minus sign: an additive model that likes U would show "cooperativity" at short gaps).
    Where no letters can be redrawn (gaps of 0 or less, for
    motifs that overlap themselves), ``extra_copies`` gives the fraction of nulls in
    which the pair spells copies its single sites do not: read the interaction there as
    "more copies", not as cooperativity (the headline and the recovery check skip gaps
    where it is above :data:`MAX_EXTRA_COPIES`).

    Parameters
    ----------
    spacings : sequence of int, optional
        Gaps to test; default :func:`feasible_spacings` for the shortest null.

    Returns
    -------
    pd.DataFrame
        Four rows per gap: ``condition`` ``pair`` (kind condition), ``first`` and
        ``second`` (controls) and ``pair - first - second`` (contrast); ``spacing`` (the
        gap in nt; negative = overlapping copies), the statistics and ``extra_copies``.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    rng = np.random.default_rng(0 if rng is None else rng)
    m = len(motif)
    starts, lengths = real_regions(nulls)
    if spacings is None:
        spacings = feasible_spacings(motif, int(lengths.min()))
    spacings = design.distinct_whole_numbers(spacings, "spacings")
    interventions, extra, redrawn = {}, {}, {}
    for gap in spacings:
        if gap < 0 and (-gap >= m or motif[m + gap :] != motif[:-gap]):
            raise InputError(f"copies of {motif!r} cannot overlap by {-gap} nt consistently")
        total = 2 * m + gap
        if total > lengths.min():
            raise InputError(f"two copies {gap} nt apart need {total} nt; shortest null is shorter")
        first = starts + (lengths - total) // 2
        second = first + m + gap
        fill, extra[gap] = gap_fillers(nulls, motif, first, gap, rng)
        place = partial(_copies_and_gap, motif=motif, gap_at=first + m, fill=fill)
        interventions[("pair", gap)] = partial(place, copies=(first, second))
        interventions[("first", gap)] = partial(place, copies=(first,))
        interventions[("second", gap)] = partial(place, copies=(second,))
        redrawn[gap] = _redrawn(nulls, first + m, fill)
        if redrawn[gap].any():
            interventions[("gap letters", gap)] = partial(place, copies=())
    effects = design.measure(predict, nulls, interventions, baseline=baseline)
    rows, gaps = [], []
    for gap in spacings:
        # Against the null with this gap's letters: the redrawn letters' own effect out.
        letters = effects.get(("gap letters", gap))
        letters = 0.0 if letters is None else np.where(redrawn[gap], letters, 0.0)
        pair, first, second = (
            effects[(part, gap)] - letters for part in ("pair", "first", "second")
        )
        rows += [
            ("pair", "condition", pair),
            ("first", "control", first),
            ("second", "control", second),
            (INTERACTION, "contrast", pair - first - second),
        ]
        gaps += [gap] * 4
    result = design.table(
        NAME,
        motif,
        rows,
        predict,
        rng,
        labels={"spacing": gaps},
        n_boot=n_boot,
        confidence=confidence,
    )
    return result.assign(extra_copies=[float(np.mean(extra[gap] != 0)) for gap in gaps])


def extra_copies(null: str, motif: str, first: int, gap: int, fill: str) -> int:
    """Exact copies of ``motif`` the pair spells beyond its two single sites, in one null.

    ``occ(pair) - occ(first) - occ(second) + occ(null)`` over the stretch the copies can
    reach (``null`` is the probe's real letters, ``first`` the first copy's start in it,
    ``fill`` the gap letters every intervention writes): 0 when copies add up, so that a
    model that only counts exact copies sees no interaction.
    """
    m = len(motif)
    second = first + m + gap
    lo, hi = max(0, first - m + 1), min(len(null), second + 2 * m - 1)
    filled = null[: first + m] + fill + null[second:] if gap > 0 else null

    def occurrences(*copies: int) -> int:
        return design.count_occurrences(design.spelled(filled, motif, copies)[lo:hi], motif)

    return (
        occurrences(first, second)
        - occurrences(first)
        - occurrences(second)
        + design.count_occurrences(null[lo:hi], motif)
    )


def gap_fillers(
    nulls: np.ndarray, motif: str, first: np.ndarray, gap: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gap letters (channel codes, (N, gap)) and the extra copies left, (N,), per null.

    Each null keeps its own letters between the copies unless, with them, the pair spells
    copies of the motif that its single sites do not (:func:`extra_copies`: UGCAUG + CA +
    UGCAUG holds a third UGCAUG; repetitive motifs such as UUUUUU join with the null's
    letters). There the gap letters are redrawn uniformly until the copies add up. Gaps
    of 0 or less have no letters to redraw: for motifs that overlap themselves the pair
    itself then spells extra copies, which the second array reports.
    """
    m = len(motif)
    rows = np.arange(len(nulls))[:, None]
    codes = nulls[rows, first[:, None] + m + np.arange(max(gap, 0))].argmax(axis=-1)
    extra = np.zeros(len(nulls), dtype=np.int64)
    if gap > m - 2:
        # No window of m letters reaches both copies, so the copies always add up.
        return codes, extra
    starts, _ = real_regions(nulls)
    for i, sequence in enumerate(decode_onehot(nulls)):
        at = int(first[i] - starts[i])
        for _ in range(design.MAX_REDRAWS):
            fill = "".join(ALPHABET[c] for c in codes[i])
            extra[i] = extra_copies(sequence, motif, at, gap, fill)
            if extra[i] == 0 or gap <= 0:
                break
            codes[i] = rng.integers(0, 4, size=gap)
    return codes, extra


def _redrawn(nulls: np.ndarray, gap_at: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """(N,) bool: the nulls whose gap letters ``fill`` are not their own."""
    if not fill.shape[1]:
        return np.zeros(len(nulls), dtype=bool)
    rows = np.arange(len(nulls))[:, None]
    own = nulls[rows, gap_at[:, None] + np.arange(fill.shape[1])].argmax(axis=-1)
    return (own != fill).any(axis=1)


def _copies_and_gap(nulls, motif, copies, gap_at, fill):
    """Copies of ``motif`` at per-null starts, with ``fill`` written into the gap."""
    out = embed_per_sequence(nulls, [motif] * len(copies), list(copies))
    if fill.shape[1]:
        rows = np.arange(len(out))[:, None]
        out[rows, gap_at[:, None] + np.arange(fill.shape[1])] = np.eye(4, dtype=np.float32)[fill]
    return out


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of a pair at a gap: training probes with two copies that gap apart.

    The one-mismatch count lets each copy differ in one letter. The single-site controls
    get none; the interaction has the pair's.
    """
    motif = str(table["motif"].iloc[0])
    m = len(motif)
    found = support.mismatches(training, motif)
    counts = {
        ("pair", gap): tuple(
            support.count(support.pair_at_gap(found <= mm, m, gap)) for mm in (0, 1)
        )
        for gap in table["spacing"].astype(int).unique()
    }
    return support.rows_support(table, counts, key=lambda row, term: (term, int(row["spacing"])))


def interactions(result: pd.DataFrame) -> pd.DataFrame:
    """The interaction rows, one per gap whose pairs spell no extra copies."""
    rows = result[result["condition"] == INTERACTION]
    if "extra_copies" in rows:
        rows = rows[rows["extra_copies"] <= MAX_EXTRA_COPIES]
    return rows


def _strongest(result: pd.DataFrame) -> tuple[pd.Series, bool]:
    """The headline's interaction row, and whether it stands out (CI above 0, at least
    :data:`MIN_INTERACTION_SHARE` of a single site's effect)."""
    part = interactions(result)
    singles = result[result["condition"].isin(["first", "second"])]
    single = singles.groupby("spacing")["importance"].mean().abs()
    floor = MIN_INTERACTION_SHARE * part["spacing"].map(single).to_numpy()
    above = part[(part["ci_low"] > 0) & (part["importance"].to_numpy() >= floor)]
    candidates = above if len(above) else part
    return candidates.loc[candidates["importance"].idxmax()], len(above) > 0


def strongest_interaction(result: pd.DataFrame) -> pd.Series:
    """The interaction row whose gap the headline names (the largest where none stands out)."""
    return _strongest(result)[0]


def headline(result: pd.DataFrame) -> design.Headline:
    """The gap of the strongest interaction whose CI lies above 0 and which adds at least
    :data:`MIN_INTERACTION_SHARE` of a single site's effect; detail: that interaction with
    its CI. NaN ("none") where no gap's does: the largest interaction of a model without
    cooperativity is noise, or (saturating sites) the least negative."""
    best, stands_out = _strongest(result)
    detail = f"interaction {design.with_ci(best)}"
    line = design.Headline("gap of strongest cooperativity (nt)", float(best["spacing"]), detail)
    weak = (
        f"no gap's interaction CI above 0 and {MIN_INTERACTION_SHARE:.0%} of a site's effect; "
        f"the largest at {best['spacing']} nt"
    )
    return line.unless(stands_out, weak).reading(best.to_frame().T)


def load_design(options: Mapping) -> dict:
    """The design options checked before any prediction (the gaps: whole, none twice; which
    overlaps a motif allows is known only once it is)."""
    if options.get("spacings") is not None:
        design.distinct_whole_numbers(options["spacings"], "spacings")
    return dict(options)
