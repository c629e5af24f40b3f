"""The GIA experiments of Koo et al. (2021), one function per question about a motif.

Every function takes ``(predict, nulls, motif, rng, input_type="seq", ...)`` and returns
a :class:`pandas.DataFrame` with the experiment's own columns followed by the statistics
of :mod:`rbpgia.gia.importance`: ``importance`` (mean paired difference of predictions,
intervention minus null), ``ci_low``, ``ci_high`` (bootstrap, seeded by ``rng``), ``n``,
``p_value`` (one-sample t-test), ``q_value`` (BH over the table's distinct
interventions) and ``structure_recomputed`` (True when ``pu``/``struct`` channels were
refolded after the intervention).

Placement is relative to each null's real region (see :mod:`rbpgia.gia.embed`), so
probes of different lengths all get the intended layout and nothing is ever written
into padding. Functions are pure: nulls are never modified, and nothing is kept
between calls.

Common keyword arguments: ``baseline`` (null predictions of these nulls, to reuse),
``n_boot``, ``confidence``, and ``threads``, ``window``, ``span`` (ViennaRNA folding of
structure inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pandas as pd
import RNA

from rbpgia.encode.onehot import ALPHABET
from rbpgia.encode.onehot import decode as decode_onehot
from rbpgia.encode.structure import SPAN, WINDOW
from rbpgia.errors import InputError
from rbpgia.gia.embed import (
    as_onehot,
    common_starts,
    embed_per_sequence,
    pattern_codes,
    real_regions,
    resolve_starts,
    reverse_complement,
)
from rbpgia.gia.importance import (
    CONFIDENCE,
    N_BOOT,
    intervention_differences,
    stats_frame,
)

GC_MOTIF = "GCGCGC"
GC_OFFSET = 2
HAIRPIN_CONTEXTS = ("random", "loop", "stem")
# Layout key of the motif's first column in each hairpin context.
MOTIF_AT = {"random": "loop_motif", "loop": "loop_motif", "stem": "stem_motif"}
LOOP_MARGIN = 2
LOOP_FILLER = "A"
GC_BIAS_CONDITIONS = ("motif", "gc_5p", "gc_3p", "motif+gc_5p", "motif+gc_3p")

Predict = Callable[[np.ndarray], np.ndarray]


def _table(
    predict,
    nulls,
    interventions,
    rng,
    input_type,
    *,
    baseline=None,
    n_boot=N_BOOT,
    confidence=CONFIDENCE,
    threads=1,
    window=WINDOW,
    span=SPAN,
) -> pd.DataFrame:
    """Statistics of each intervention on ``nulls``, one row per intervention."""
    differences, recomputed = intervention_differences(
        predict,
        nulls,
        interventions,
        input_type,
        baseline=baseline,
        threads=threads,
        window=window,
        span=span,
    )
    return stats_frame(differences, recomputed, n_boot, rng, confidence)


def _with_labels(labels: dict, stats: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(labels), stats.reset_index(drop=True)], axis=1)


def _per_sequence(patterns, starts):
    """Intervention writing ``patterns`` at fixed per-null ``starts`` (no state kept)."""
    return partial(_embed_at, patterns=tuple(patterns), starts=tuple(starts))


def _embed_at(nulls, patterns, starts):
    return embed_per_sequence(nulls, patterns, starts)


def kmer_mutagenesis(
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    position="centre",
    **options,
) -> pd.DataFrame:
    """Importance of every single-nucleotide variant of ``motif`` (Koo et al. 2021).

    Each variant is embedded at ``position`` (a position spec, default each null's
    centre) and scored against the nulls alone. The result is the full grid of motif
    position x nucleotide: the rows whose nucleotide is the motif's own carry the wild
    type (``wild_type=True``, the same numbers on each such row).

    Returns
    -------
    pd.DataFrame
        ``position`` (0-based index within the motif), ``nucleotide``, ``kmer`` (the
        variant), ``wild_type`` and the statistics; 4 x len(motif) rows. ``q_value`` is
        BH over the 3 x len(motif) + 1 distinct variants.
    """
    pattern_codes(motif)
    variants = [motif]
    grid = []
    for i, wild in enumerate(motif):
        for letter in ALPHABET:
            variant = motif[:i] + letter + motif[i + 1 :]
            if letter != wild:
                variants.append(variant)
            grid.append((i, letter, variant, letter == wild, variants.index(variant)))
    stats = _table(predict, nulls, [[(v, position)] for v in variants], rng, input_type, **options)
    position_, nucleotide, kmer, wild_type, index = zip(*grid, strict=True)
    labels = {"position": position_, "nucleotide": nucleotide, "kmer": kmer, "wild_type": wild_type}
    return _with_labels(labels, stats.iloc[list(index)])


def positional(
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    positions: Sequence[int] | None = None,
    **options,
) -> pd.DataFrame:
    """Importance of ``motif`` at each position across the probe (Koo et al. 2021).

    Positions are absolute 0-based columns of the padded frame, so each row puts the
    motif at the same column of every null. By default every column at which the motif
    lies inside all nulls' real regions (:func:`rbpgia.gia.embed.common_starts`); with
    30-41 nt probes in a 41-nt frame that is columns 5 to 35 - len(motif).

    Returns
    -------
    pd.DataFrame
        ``position`` and the statistics, one row per position.
    """
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    if positions is None:
        positions = common_starts(nulls, len(motif)).tolist()
        if not positions:
            raise InputError(f"motif {motif!r} fits at no column of every null")
    positions = [int(p) for p in positions]
    stats = _table(predict, nulls, [[(motif, p)] for p in positions], rng, input_type, **options)
    return _with_labels({"position": positions}, stats)


def site_starts(nulls: np.ndarray, width: int, n_sites: int) -> list[np.ndarray]:
    """Starts of ``n_sites`` evenly spread copies of a ``width``-nt pattern in each null.

    A null's real region (start ``s``, length ``L``) is cut into ``n_sites`` equal
    segments ``[s + j L // n, s + (j + 1) L // n)`` and one copy is centred in each, so
    one site sits at the centre and copies never overlap.

    Raises
    ------
    InputError
        When a segment of some null is shorter than ``width``.
    """
    starts, lengths = real_regions(nulls)
    copies = []
    for j in range(n_sites):
        lo = starts + j * lengths // n_sites
        hi = starts + (j + 1) * lengths // n_sites
        if np.any(hi - lo < width):
            raise InputError(
                f"{n_sites} non-overlapping copies of a {width}-nt motif do not fit in "
                f"probes of {int(lengths.min())} nt"
            )
        copies.append(lo + (hi - lo - width) // 2)
    return copies


def motif_count(
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    max_sites: int = 3,
    **options,
) -> pd.DataFrame:
    """Importance of 1..``max_sites`` copies of ``motif`` (Koo et al. 2021).

    Copies are spread evenly over each null (:func:`site_starts`). A line fitted by
    least squares to importance against ``n_sites`` (rows 1..max_sites, with intercept)
    tells additive binding (slope = the one-site importance, R^2 near 1) from
    saturation (R^2 lower, slope below the one-site importance).

    Returns
    -------
    pd.DataFrame
        ``n_sites``, the statistics, and the fit repeated on every row: ``slope``,
        ``intercept``, ``r2`` (R^2; NaN with fewer than two rows, or no spread).
    """
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    counts = list(range(1, max_sites + 1))
    interventions = []
    for n_sites in counts:
        starts = site_starts(nulls, len(motif), n_sites)
        interventions.append(_per_sequence([motif] * n_sites, starts))
    table = _with_labels(
        {"n_sites": counts}, _table(predict, nulls, interventions, rng, input_type, **options)
    )
    slope, intercept, r2 = _line_fit(table["n_sites"], table["importance"])
    return table.assign(slope=slope, intercept=intercept, r2=r2)


def _line_fit(x, y) -> tuple[float, float, float]:
    """Least-squares slope, intercept and R^2 of y on x."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return np.nan, np.nan, np.nan
    slope, intercept = np.polyfit(x, y, 1)
    total = np.sum((y - y.mean()) ** 2)
    residual = np.sum((y - (slope * x + intercept)) ** 2)
    r_squared = 1.0 - residual / total if total > 0 else np.nan
    return float(slope), float(intercept), float(r_squared)


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
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    spacings: Sequence[int] | None = None,
    **options,
) -> pd.DataFrame:
    """Importance of two copies of ``motif`` at each distance (Koo et al. 2021).

    The pair (first copy, gap, second copy) is centred in each null; the gap's
    nucleotides stay those of the null. Importance is against the nulls alone, so a
    spacing with cooperative binding stands out above twice the one-site importance.

    Parameters
    ----------
    spacings : sequence of int, optional
        Gaps to test; default :func:`feasible_spacings` for the shortest null.

    Returns
    -------
    pd.DataFrame
        ``spacing`` (gap in nt; negative = overlapping copies) and the statistics.
    """
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    m = len(motif)
    starts, lengths = real_regions(nulls)
    if spacings is None:
        spacings = feasible_spacings(motif, int(lengths.min()))
    spacings = [int(g) for g in spacings]
    interventions = []
    for gap in spacings:
        if gap < 0 and (-gap >= m or motif[m + gap :] != motif[:-gap]):
            raise InputError(f"copies of {motif!r} cannot overlap by {-gap} nt consistently")
        total = 2 * m + gap
        if total > lengths.min():
            raise InputError(f"two copies {gap} nt apart need {total} nt; shortest null is shorter")
        first = starts + (lengths - total) // 2
        interventions.append(_per_sequence([motif, motif], [first, first + m + gap]))
    stats = _table(predict, nulls, interventions, rng, input_type, **options)
    return _with_labels({"spacing": spacings}, stats)


def gc_bias(
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    gc_motif: str = GC_MOTIF,
    gc_offset: int = GC_OFFSET,
    position="centre",
    **options,
) -> pd.DataFrame:
    """Does GC-rich sequence at either end change the prediction? (Koo et al. 2021).

    Five interventions, each against the nulls alone: ``motif`` at ``position``;
    ``gc_5p``: ``gc_motif`` starting ``gc_offset`` nt after the 5' end; ``gc_3p``: it
    ending ``gc_offset`` nt before the 3' end; and ``motif+gc_5p``, ``motif+gc_3p``. A
    model with a GC bias at one end shows it as a positive ``gc_*`` importance at that
    end and a larger ``motif+gc_*`` than ``motif``.

    Raises
    ------
    InputError
        When the GC pattern would overlap the motif in some null.

    Returns
    -------
    pd.DataFrame
        ``condition`` (:data:`GC_BIAS_CONDITIONS`) and the statistics.
    """
    nulls = as_onehot(nulls)
    placed = {
        "motif": (motif, position),
        "gc_5p": (gc_motif, f"5p+{int(gc_offset)}"),
        "gc_3p": (gc_motif, f"3p+{int(gc_offset)}"),
    }
    motif_at = resolve_starts(nulls, len(motif), position)
    for end in ("gc_5p", "gc_3p"):
        gc_at = resolve_starts(nulls, len(gc_motif), placed[end][1])
        clash = (gc_at < motif_at + len(motif)) & (motif_at < gc_at + len(gc_motif))
        if clash.any():
            raise InputError(
                f"{gc_motif!r} at the {end[-2:]} end overlaps the motif in {int(clash.sum())} "
                "nulls; use a shorter gc_motif or smaller gc_offset"
            )
    patterns = {name: [placed[part] for part in name.split("+")] for name in GC_BIAS_CONDITIONS}
    stats = _table(predict, nulls, list(patterns.values()), rng, input_type, **options)
    return _with_labels({"condition": list(patterns)}, stats)


def flanks(
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    position="centre",
    **options,
) -> pd.DataFrame:
    """Importance of ``motif`` with each pair of flanking nucleotides.

    ``x + motif + y`` is embedded at ``position`` for every 5' letter ``x`` and 3' letter
    ``y``. With the default centre spec the motif lands on the same columns as it does
    alone.

    Returns
    -------
    pd.DataFrame
        16 rows: ``flank`` (``"A_U"`` = 5' A, 3' U), ``five_prime``, ``three_prime`` and
        the statistics.
    """
    pattern_codes(motif)
    pairs = [(x, y) for x in ALPHABET for y in ALPHABET]
    interventions = [[(x + motif + y, position)] for x, y in pairs]
    stats = _table(predict, nulls, interventions, rng, input_type, **options)
    labels = {
        "flank": [f"{x}_{y}" for x, y in pairs],
        "five_prime": [x for x, _ in pairs],
        "three_prime": [y for _, y in pairs],
    }
    return _with_labels(labels, stats)


def hairpin_layout(
    nulls: np.ndarray, motif_width: int, stem: int, loop_margin: int = LOOP_MARGIN
) -> dict[str, np.ndarray]:
    """Columns of a stem-loop centred in each null's real region.

    The hairpin reads ``5' arm (stem nt) | loop (motif_width + 2 loop_margin nt) |
    3' arm (stem nt)``; column ``arm5 + j`` of the 5' arm pairs with ``end - 1 - j``.

    Returns
    -------
    dict of np.ndarray of int64, each shape (N,)
        ``arm5`` (first column of the hairpin), ``end`` (one past its last column),
        ``loop_motif`` (a motif start ``loop_margin`` nt into the loop), ``stem_motif``
        (a motif start centred in the 5' arm) and ``stem_partner`` (start of the 3'-arm
        stretch that pairs with a motif at ``stem_motif``).

    Raises
    ------
    InputError
        When the stem is shorter than the motif or the hairpin longer than a null.
    """
    starts, lengths = real_regions(nulls)
    total = 2 * stem + motif_width + 2 * loop_margin
    if stem < motif_width or loop_margin < 0:
        raise InputError(
            f"stem ({stem} nt) must be at least the motif length ({motif_width}) and "
            f"loop_margin ({loop_margin}) at least 0"
        )
    if total > lengths.min():
        raise InputError(
            f"a hairpin of {total} nt (2 x {stem}-nt stem + {total - 2 * stem}-nt loop) does "
            f"not fit in probes of {int(lengths.min())} nt; use a shorter stem or loop_margin"
        )
    arm5 = starts + (lengths - total) // 2
    end = arm5 + total
    stem_motif = arm5 + (stem - motif_width) // 2
    return {
        "arm5": arm5,
        "end": end,
        "loop_motif": arm5 + stem + loop_margin,
        "stem_motif": stem_motif,
        "stem_partner": end - (stem_motif - arm5) - motif_width,
    }


def design_hairpins(nulls: np.ndarray, layout: dict, stem: int, loop_margin: int) -> np.ndarray:
    """Copy of ``nulls`` turned into the stem-loops of ``layout`` (:func:`hairpin_layout`).

    The 5' arm keeps the null's letters; column ``end - 1 - j`` of the 3' arm gets the
    Watson-Crick complement of column ``arm5 + j`` (channels are A, C, G, U = 0..3, so
    the complement of code c is 3 - c). The ``loop_margin`` nt at both ends of the loop
    are set to A, which cannot pair with A, so the stem cannot zip on into the loop;
    the middle of the loop keeps the null's letters. Only Watson-Crick pairs are
    designed (G-U pairs would weaken the stem), though the fold check accepts whatever
    pair the MFE structure forms between designed partners.
    """
    out = as_onehot(nulls).copy()
    rows = np.arange(len(out))[:, None]
    codes = out[rows, layout["arm5"][:, None] + np.arange(stem)].argmax(axis=-1)
    out[rows, layout["end"][:, None] - 1 - np.arange(stem)] = np.eye(4, dtype=np.float32)[3 - codes]
    margin = np.arange(loop_margin)
    loop_end = layout["end"] - stem
    for first in (layout["arm5"] + stem, loop_end - loop_margin):
        out[rows, first[:, None] + margin] = np.eye(4, dtype=np.float32)[
            ALPHABET.index(LOOP_FILLER)
        ]
    return out


def mfe_partners(onehot: np.ndarray) -> np.ndarray:
    """Partner column of every column under each probe's MFE structure, -1 if unpaired.

    Each probe's real nucleotides are folded as a whole by ``RNA.fold`` (ViennaRNA
    default energy parameters, 37 C); padding columns are -1.

    Returns
    -------
    np.ndarray of int64, shape (N, L)
    """
    starts, lengths = real_regions(onehot)
    partners = np.full(onehot.shape[:2], -1, dtype=np.int64)
    for i, sequence in enumerate(decode_onehot(onehot)):
        structure, _ = RNA.fold(sequence)
        table = np.asarray(RNA.ptable(structure)[1:], dtype=np.int64)  # 1-based, 0 = none
        s = starts[i]
        partners[i, s : s + lengths[i]] = np.where(table > 0, table - 1 + s, -1)
    return partners


def hairpin(
    predict: Predict,
    nulls: np.ndarray,
    motif: str,
    rng: np.random.Generator,
    input_type: str = "seq",
    *,
    stem: int | None = None,
    loop_margin: int = LOOP_MARGIN,
    check_folds: bool = True,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
    threads: int = 1,
    window: int = WINDOW,
    span: int = SPAN,
) -> pd.DataFrame:
    """Importance of ``motif`` in a hairpin loop, in a stem, or in plain nulls.

    From every null a stem-loop is designed (:func:`hairpin_layout`,
    :func:`design_hairpins`), centred in the probe: a stem of ``stem`` bp whose 3' arm
    is the complement of the 5' arm, around a loop of ``len(motif) + 2 * loop_margin``
    nt with A at both margins; the rest of the probe is the null's. The default stem is
    ``len(motif) + 3`` bp, shortened to what fits the shortest null (but never below
    the motif length). Three contexts, each scored against its own motif-free
    background:

    ``random``
        the motif at the loop's motif columns of the plain nulls, vs the plain nulls;
    ``loop``
        the motif ``loop_margin`` nt into the loop, vs the designed stem-loops;
    ``stem``
        the motif centred in the 5' arm and its reverse complement at the partner
        columns of the 3' arm (so it stays paired), vs the designed stem-loops.

    A model that reads structure (``pu``/``struct``, refolded after every change) and
    prefers unpaired sites gives loop > random > stem. Whether the designs fold as
    intended is checked on the motif-bearing sequences with ViennaRNA's MFE structure
    (:func:`mfe_partners`): ``fold_fraction`` is the fraction in which every designed
    stem pair forms and, for ``loop``, every motif nucleotide is unpaired (NaN for
    ``random``, which has no design); ``motif_unpaired_fraction`` is the fraction with
    all motif nucleotides unpaired, in every context. The check folds 3 x n probes
    (about 0.3 ms each); ``check_folds=False`` skips it and leaves both columns NaN.

    Returns
    -------
    pd.DataFrame
        ``context`` (:data:`HAIRPIN_CONTEXTS`), the statistics, ``fold_fraction`` and
        ``motif_unpaired_fraction``; 3 rows.
    """
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    m = len(motif)
    if stem is None:
        shortest = int(real_regions(nulls)[1].min())
        stem = max(m, min(m + 3, (shortest - m - 2 * loop_margin) // 2))
    layout = hairpin_layout(nulls, m, stem, loop_margin)
    designed = design_hairpins(nulls, layout, stem, loop_margin)
    in_loop = _per_sequence([motif], [layout["loop_motif"]])
    in_stem = _per_sequence(
        [motif, reverse_complement(motif)], [layout["stem_motif"], layout["stem_partner"]]
    )
    fold = {"threads": threads, "window": window, "span": span}
    # Loop and stem share the designed background, so they share one baseline.
    plain, recomputed = intervention_differences(
        predict, nulls, [in_loop], input_type, baseline=baseline, **fold
    )
    designed_differences, _ = intervention_differences(
        predict, designed, [in_loop, in_stem], input_type, **fold
    )
    differences = np.vstack([plain, designed_differences])
    fold_fraction, unpaired_fraction = [np.nan] * 3, [np.nan] * 3
    if check_folds:
        fold_fraction, unpaired_fraction = _hairpin_folds(
            [in_loop(nulls), in_loop(designed), in_stem(designed)], layout, stem, m
        )
    stats = stats_frame(differences, recomputed, n_boot, rng, confidence)
    table = _with_labels({"context": list(HAIRPIN_CONTEXTS)}, stats)
    return table.assign(fold_fraction=fold_fraction, motif_unpaired_fraction=unpaired_fraction)


def _hairpin_folds(sequences, layout, stem, width) -> tuple[list, list]:
    """Intended-fold and motif-unpaired fractions of the random, loop and stem designs."""
    rows = np.arange(len(layout["arm5"]))[:, None]
    stem_columns = layout["arm5"][:, None] + np.arange(stem)
    stem_partners = layout["end"][:, None] - 1 - np.arange(stem)
    motif_columns = [layout[key][:, None] + np.arange(width) for key in MOTIF_AT.values()]
    fold_fraction, unpaired_fraction = [], []
    for context, onehot, columns in zip(HAIRPIN_CONTEXTS, sequences, motif_columns, strict=True):
        partners = mfe_partners(onehot)
        unpaired = (partners[rows, columns] == -1).all(axis=1)
        formed = (partners[rows, stem_columns] == stem_partners).all(axis=1)
        intended = {"random": None, "loop": formed & unpaired, "stem": formed}[context]
        fold_fraction.append(np.nan if intended is None else float(intended.mean()))
        unpaired_fraction.append(float(unpaired.mean()))
    return fold_fraction, unpaired_fraction
