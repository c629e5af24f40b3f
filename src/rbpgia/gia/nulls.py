"""Null (background) sequences for global importance analysis.

GIA measures a feature's effect averaged over many background probes, so the choice
of background decides which other features are averaged over. All generators here
start from a *base* set of one-hot probes ``(N, L, 4)`` (the workflow passes the
held-out Set B) and return ``n`` nulls ``(n, L, 4)`` float32 in the same padded frame:

``profile``
    Every nucleotide drawn independently from the base's nucleotide frequencies at that
    column (the position-specific profile of Koo et al. 2021). Keeps composition per
    position, destroys all motifs and correlations.
``shuffle``
    A base probe with its nucleotides permuted: mononucleotide counts kept exactly.
``dinuc``
    A base probe shuffled so that every dinucleotide count is kept exactly (Altschul &
    Erickson 1985), uniformly among all such sequences.
``quartile_bottom``, ``quartile_lower_mid``, ``quartile_upper_mid``, ``quartile_top``
    Real probes from one quartile of the measured binding scores, from the weakest
    binders to the strongest. (The paper's code called the top quartile ``quartile1``;
    the numbered names were read both ways, so they are refused with this hint.)
``gc_matched``
    Real probes drawn so that their GC content follows a reference distribution.

Padding stays padding: generated nulls copy the padding mask of a real base probe, and
shuffles permute letters only within a probe's real nucleotides, so no null ever has a
nucleotide where its source had padding. Draws that take whole base probes sample
without replacement when ``n`` is at most the number of candidates and with replacement
otherwise. All randomness comes from the ``rng`` passed in; the base is never modified.
"""

from __future__ import annotations

import re

import numpy as np

from rbpgia.errors import InputError
from rbpgia.gia.embed import as_onehot, real_regions
from rbpgia.sequence import gc_content

# Quartiles of measured binding by name, weakest binders first (quartile q = 1..4).
QUARTILES = {
    "quartile_bottom": 1,
    "quartile_lower_mid": 2,
    "quartile_upper_mid": 3,
    "quartile_top": 4,
}
NULL_KINDS = ("profile", "shuffle", "dinuc", *QUARTILES, "gc_matched")
# Null kinds that rank the base probes by their measured scores.
SCORED_NULLS = (*QUARTILES, "gc_matched")
GC_BINS = 10
_PAD = 4  # letter code of a padding row
_ONEHOT_OR_PAD = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])


def _codes(onehot: np.ndarray) -> np.ndarray:
    """Letter code per row, 0-3, and 4 for padding."""
    return np.where(onehot.sum(axis=-1) > 0, onehot.argmax(axis=-1), _PAD)


def _as_base(base: np.ndarray) -> np.ndarray:
    """Checked one-hot base probes: non-empty, each one contiguous run of real letters."""
    base = as_onehot(base, "base")
    real_regions(base, "base")
    return base


def _sample_rows(n_candidates: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices into the candidates: without replacement when there are enough."""
    if n_candidates == 0:
        raise InputError("no base probes to draw nulls from")
    if n < 0:
        raise InputError(f"number of nulls must be >= 0, got {n}")
    return rng.choice(n_candidates, size=n, replace=n > n_candidates)


def profile_nulls(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Nulls drawn from the position-specific nucleotide frequencies of ``base``.

    Each null takes the padding mask of a randomly drawn base probe; at every real
    column the letter is drawn from the frequencies of A, C, G, U among the base probes
    that are real at that column.

    Parameters
    ----------
    base : np.ndarray, shape (N, L, 4)
        One-hot base probes.
    n : int
        Number of nulls.
    rng : np.random.Generator

    Returns
    -------
    np.ndarray of float32, shape (n, L, 4)
    """
    base = _as_base(base)
    counts = base.sum(axis=0, dtype=np.float64)  # (L, 4)
    totals = counts.sum(axis=1, keepdims=True)
    frequencies = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    cumulative = np.cumsum(frequencies, axis=1)
    uniform = rng.random((n, base.shape[1], 1))
    letters = np.minimum((uniform >= cumulative[None, :, :3]).sum(axis=-1), 3)
    real = base.sum(axis=-1)[_sample_rows(len(base), n, rng)] > 0
    return _ONEHOT_OR_PAD[np.where(real, letters, _PAD)]


def shuffle_nulls(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Base probes with their real nucleotides randomly permuted (mononucleotide shuffle).

    Vectorised: one random key per column sorts each probe's real columns into a random
    order (padding keys sort last), and letters are moved from that order to the real
    columns in ascending order.

    Returns
    -------
    np.ndarray of float32, shape (n, L, 4)
    """
    base = _as_base(base)
    codes = _codes(base[_sample_rows(len(base), n, rng)])
    padding = codes == _PAD
    columns = np.arange(codes.shape[1])
    # Real columns first in both orders; padding columns keep padding.
    targets = np.argsort(np.where(padding, columns + codes.shape[1], columns), axis=1)
    sources = np.argsort(rng.random(codes.shape) + padding, axis=1)
    rows = np.arange(len(codes))[:, None]
    shuffled = np.empty_like(codes)
    shuffled[rows, targets] = codes[rows, sources]
    return _ONEHOT_OR_PAD[shuffled]


def dinuc_nulls(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Base probes shuffled with every dinucleotide count preserved exactly.

    The Altschul-Erickson algorithm: a probe is a walk through the graph whose vertices
    are letters and whose edges are its dinucleotides, so every other walk that uses
    each edge once (an Eulerian path from the same first letter) is a shuffle with the
    same dinucleotide counts. A uniform one is drawn by (1) picking, for every letter
    but the last, a random "last exit" edge, accepted when these edges form a tree
    pointing at the last letter (otherwise redrawn), then (2) ordering each letter's
    other exits at random and walking from the first letter.

    Vectorised over probes: last exits are drawn for all probes at once and redrawn only
    for the probes whose draw is no tree (checked by following last exits three steps,
    enough for four letters); one sort of random keys orders every (probe, letter)
    group of exits with the last exit at its end; the walk advances all probes one
    letter per step. About 20 ms for 1,000 probes of 30-41 nt.

    Returns
    -------
    np.ndarray of float32, shape (n, L, 4)
    """
    base = _as_base(base)
    picked = base[_sample_rows(len(base), n, rng)]
    codes = _codes(picked)
    if n == 0:
        return picked
    starts, lengths = real_regions(picked)
    probes = np.arange(n)
    columns = np.arange(codes.shape[1])
    has_next = (columns >= starts[:, None]) & (columns < (starts + lengths - 1)[:, None])
    edge_probe, edge_column = np.nonzero(has_next)
    group = edge_probe * 4 + codes[edge_probe, edge_column]
    target = codes[edge_probe, edge_column + 1]
    sizes = np.bincount(group, minlength=4 * n)
    offsets = np.cumsum(sizes) - sizes
    present = (sizes > 0).reshape(n, 4)
    last_letter = codes[probes, starts + lengths - 1]
    if not group.size:  # only 1-nt probes: nothing to shuffle
        return picked

    # Edges grouped by (probe, letter); the last exit of each group is one of its edges.
    by_group = np.argsort(group, kind="stable")
    group, target = group[by_group], target[by_group]
    chosen = np.zeros((n, 4), dtype=np.int64)
    pending = np.ones(n, dtype=bool)
    while pending.any():
        redo = np.flatnonzero(pending)
        draw = (rng.random((redo.size, 4)) * sizes.reshape(n, 4)[redo]).astype(np.int64)
        chosen[redo] = offsets.reshape(n, 4)[redo] + draw
        last_exit = target[np.minimum(chosen[redo], group.size - 1)]
        pointer = np.where(present[redo], last_exit, np.arange(4))
        pointer[np.arange(redo.size), last_letter[redo]] = last_letter[redo]
        vertex = np.broadcast_to(np.arange(4), pointer.shape)
        for _ in range(3):  # a tree on 4 letters is at most 3 steps deep
            vertex = np.take_along_axis(pointer, vertex, axis=1)
        pending[redo] = (present[redo] & (vertex != last_letter[redo, None])).any(axis=1)

    # Random order within each group, the chosen last exit last.
    keys = rng.random(len(group))
    constrained = present.copy()
    constrained[probes, last_letter] = False  # the last letter's exits are free
    keys[chosen[constrained]] = 2.0
    sorted_target = target[np.lexsort((keys, group))]
    cursor = offsets.reshape(n, 4).copy()
    out = np.full_like(codes, _PAD)
    letter = codes[probes, starts]
    out[probes, starts] = letter
    for step in range(1, int(lengths.max())):
        walking = np.flatnonzero(step < lengths)
        current = letter[walking]
        following = sorted_target[cursor[walking, current]]
        cursor[walking, current] += 1
        out[walking, starts[walking] + step] = following
        letter[walking] = following
    return _ONEHOT_OR_PAD[out]


def quartile_nulls(
    base: np.ndarray, measured: np.ndarray, q: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Real base probes from quartile ``q`` (1 = lowest, 4 = highest) of measured scores.

    Probes with a missing (NaN) score are left out; the rest are ranked (ties by
    position) and split into four groups of equal size (``np.array_split`` of the
    ranking), so every quartile is well defined even with ties.

    Parameters
    ----------
    base : np.ndarray, shape (N, L, 4)
    measured : np.ndarray, shape (N,)
        Binding scores of the base probes.
    q : int
        Quartile, 1 to 4.
    n : int
    rng : np.random.Generator

    Returns
    -------
    np.ndarray of float32, shape (n, L, 4)
    """
    base = _as_base(base)
    members = quartile_members(measured, q, len(base))
    return base[members[_sample_rows(len(members), n, rng)]].copy()


def quartile_members(measured: np.ndarray, q: int, n_base: int | None = None) -> np.ndarray:
    """Indices of the probes in quartile ``q`` (1-4) of ``measured``, NaN left out."""
    measured = np.asarray(measured, dtype=np.float64).ravel()
    if n_base is not None and len(measured) != n_base:
        raise InputError(f"{len(measured)} measured values for {n_base} base probes")
    if q not in (1, 2, 3, 4):
        raise InputError(f"quartile must be 1, 2, 3 or 4, got {q!r}")
    finite = np.flatnonzero(np.isfinite(measured))
    ranked = finite[np.argsort(measured[finite], kind="stable")]
    return np.array_split(ranked, 4)[q - 1]


def gc_matched_nulls(
    base: np.ndarray,
    reference: np.ndarray,
    n: int,
    rng: np.random.Generator,
    bins: int = GC_BINS,
) -> np.ndarray:
    """Real base probes whose GC content follows the distribution of ``reference``.

    GC content is cut into ``bins`` equal-width bins over [0, 1]. Each bin receives its
    share of the ``n`` nulls in proportion to the reference's histogram (largest
    remainders round), and that many base probes are drawn from the bin.

    Parameters
    ----------
    base : np.ndarray, shape (N, L, 4)
    reference : np.ndarray
        Either one-hot probes ``(M, L', 4)`` or their GC fractions ``(M,)``.
    n : int
    rng : np.random.Generator
    bins : int

    Returns
    -------
    np.ndarray of float32, shape (n, L, 4)
        Ordered by GC bin.

    Raises
    ------
    InputError
        If the reference needs a bin in which the base has no probe.
    """
    base = _as_base(base)
    reference = np.asarray(reference, dtype=np.float64)
    target_gc = gc_content(as_onehot(reference, "reference")) if reference.ndim == 3 else reference
    if target_gc.ndim != 1 or not len(target_gc) or not np.all((target_gc >= 0) & (target_gc <= 1)):
        raise InputError("reference GC fractions must be a non-empty 1-D array within [0, 1]")
    base_bin = _gc_bin(gc_content(base), bins)
    share = np.bincount(_gc_bin(target_gc, bins), minlength=bins) / len(target_gc) * n
    per_bin = np.floor(share).astype(np.int64)
    remainder_order = np.argsort(-(share - per_bin), kind="stable")
    per_bin[remainder_order[: n - int(per_bin.sum())]] += 1
    chosen = []
    for b in np.flatnonzero(per_bin):
        members = np.flatnonzero(base_bin == b)
        if not members.size:
            raise InputError(
                f"no base probe has a GC content in [{b / bins:.2f}, {(b + 1) / bins:.2f}], "
                f"which the reference needs for {int(per_bin[b])} nulls"
            )
        chosen.append(members[_sample_rows(members.size, int(per_bin[b]), rng)])
    return base[np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)].copy()


def _gc_bin(gc: np.ndarray, bins: int) -> np.ndarray:
    """Bin index of GC fractions over equal-width bins of [0, 1], 1.0 in the last bin."""
    return np.minimum((np.asarray(gc) * bins).astype(np.int64), bins - 1)


def make_nulls(
    kind: str,
    base: np.ndarray,
    n: int,
    rng: np.random.Generator,
    measured: np.ndarray | None = None,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Nulls of a named kind (see the module docstring for :data:`NULL_KINDS`).

    Parameters
    ----------
    kind : str
        One of :data:`NULL_KINDS`.
    base : np.ndarray, shape (N, L, 4)
        One-hot base probes (Set B in the workflow).
    n : int
    rng : np.random.Generator
    measured : np.ndarray, shape (N,), optional
        Measured scores of the base probes; needed by the ``quartile_*`` kinds, and by
        ``gc_matched`` when no ``reference`` is given.
    reference : np.ndarray, optional
        GC reference for ``gc_matched`` (one-hot probes or GC fractions). Defaults to
        the top-quartile probes of ``measured``, i.e. nulls with the GC content of
        strongly bound probes.

    Returns
    -------
    np.ndarray of float32, shape (n, L, 4)
    """
    if kind == "profile":
        return profile_nulls(base, n, rng)
    if kind == "shuffle":
        return shuffle_nulls(base, n, rng)
    if kind == "dinuc":
        return dinuc_nulls(base, n, rng)
    if kind in QUARTILES:
        if measured is None:
            raise InputError(f"null kind {kind!r} needs the measured scores of the base probes")
        return quartile_nulls(base, measured, QUARTILES[kind], n, rng)
    if kind == "gc_matched":
        if reference is None:
            if measured is None:
                raise InputError("null kind 'gc_matched' needs a reference or measured scores")
            base = as_onehot(base, "base")
            reference = base[quartile_members(measured, 4, len(base))]
        return gc_matched_nulls(base, reference, n, rng)
    if re.fullmatch(r"quartile[1-4]", str(kind)):
        raise InputError(
            f"null kind {kind!r} is ambiguous (the paper's code called the top quartile "
            "quartile1); use quartile_top, quartile_upper_mid, quartile_lower_mid or "
            "quartile_bottom"
        )
    raise InputError(f"unknown null kind {kind!r}; expected one of {', '.join(NULL_KINDS)}")
