"""Do two sites cooperate at some distance? The pair against its two single sites."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia.embed import as_onehot, embed_per_sequence, pattern_codes, real_regions
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT
from rbpgia.sequence import ALPHABET

NAME = "spacing"
INTERACTION = "pair - first - second"
MAX_REDRAWS = 1000


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
    the motif (UGCAUG + CA + UGCAUG holds a third UGCAUG), which an additive model would
    score as cooperativity. Where the null's letters in the gap would do that, they are
    redrawn at random until they do not (:func:`gap_fillers`), and all three of pair,
    first and second write the same gap letters, so they still differ only in the copies.

    Parameters
    ----------
    spacings : sequence of int, optional
        Gaps to test; default :func:`feasible_spacings` for the shortest null.

    Returns
    -------
    pd.DataFrame
        Four rows per gap: ``condition`` ``pair`` (kind condition), ``first`` and
        ``second`` (controls) and ``pair - first - second`` (contrast); ``spacing`` (the
        gap in nt; negative = overlapping copies) and the statistics.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    rng = np.random.default_rng(0 if rng is None else rng)
    m = len(motif)
    starts, lengths = real_regions(nulls)
    if spacings is None:
        spacings = feasible_spacings(motif, int(lengths.min()))
    spacings = [int(g) for g in spacings]
    if not spacings:
        raise InputError("no spacings to test")
    interventions = {}
    for gap in spacings:
        if gap < 0 and (-gap >= m or motif[m + gap :] != motif[:-gap]):
            raise InputError(f"copies of {motif!r} cannot overlap by {-gap} nt consistently")
        total = 2 * m + gap
        if total > lengths.min():
            raise InputError(f"two copies {gap} nt apart need {total} nt; shortest null is shorter")
        first = starts + (lengths - total) // 2
        second = first + m + gap
        fill = gap_fillers(nulls, motif, first, gap, rng)
        place = partial(_copies_and_gap, motif=motif, gap_at=first + m, fill=fill)
        interventions[("pair", gap)] = partial(place, copies=(first, second))
        interventions[("first", gap)] = partial(place, copies=(first,))
        interventions[("second", gap)] = partial(place, copies=(second,))
    effects = design.measure(predict, nulls, interventions, baseline=baseline)
    rows, gaps = [], []
    for gap in spacings:
        pair, first, second = (effects[(part, gap)] for part in ("pair", "first", "second"))
        rows += [
            ("pair", "condition", pair),
            ("first", "control", first),
            ("second", "control", second),
            (INTERACTION, "contrast", pair - first - second),
        ]
        gaps += [gap] * 4
    return design.table(
        NAME,
        motif,
        rows,
        predict,
        rng,
        labels={"spacing": gaps},
        n_boot=n_boot,
        confidence=confidence,
    )


def count_occurrences(text: str, motif: str) -> int:
    """Occurrences of ``motif`` in ``text``, overlapping ones included."""
    return sum(text.startswith(motif, i) for i in range(len(text) - len(motif) + 1))


def gap_fillers(
    nulls: np.ndarray, motif: str, first: np.ndarray, gap: int, rng: np.random.Generator
) -> np.ndarray:
    """Letters (channel codes, shape (N, gap)) between two copies of ``motif``.

    Each null's own letters, except where ``motif + letters + motif`` would hold more
    than the two copies: there the letters are redrawn uniformly until it does not.
    Only gaps shorter than ``len(motif) - 1`` can join the copies this way.
    """
    m = len(motif)
    rows = np.arange(len(nulls))[:, None]
    codes = nulls[rows, first[:, None] + m + np.arange(gap)].argmax(axis=-1)
    if gap <= 0 or gap > m - 2:
        return codes
    for i in range(len(codes)):
        for _ in range(MAX_REDRAWS):
            between = "".join(ALPHABET[c] for c in codes[i])
            if count_occurrences(motif + between + motif, motif) == 2:
                break
            codes[i] = rng.integers(0, 4, size=gap)
        else:
            raise InputError(f"no {gap}-nt gap keeps two copies of {motif!r} from forming a third")
    return codes


def _copies_and_gap(nulls, motif, copies, gap_at, fill):
    """Copies of ``motif`` at per-null starts, with ``fill`` written into the gap."""
    out = embed_per_sequence(nulls, [motif] * len(copies), list(copies))
    if fill.shape[1]:
        rows = np.arange(len(out))[:, None]
        out[rows, gap_at[:, None] + np.arange(fill.shape[1])] = np.eye(4, dtype=np.float32)[fill]
    return out


def interactions(result: pd.DataFrame) -> pd.DataFrame:
    """The interaction rows, one per gap."""
    return result[result["condition"] == INTERACTION]


def headline(result: pd.DataFrame) -> design.Headline:
    """The gap of the strongest interaction; detail: that interaction with its CI."""
    part = interactions(result)
    best = part.loc[part["importance"].idxmax()]
    detail = f"interaction {best['importance']:.3g} [{best['ci_low']:.3g}, {best['ci_high']:.3g}]"
    return design.Headline("gap of strongest cooperativity (nt)", float(best["spacing"]), detail)
