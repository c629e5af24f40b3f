"""Interventions on null sequences: write patterns into one-hot probes, refold structure.

GIA asks what a pattern does to a model's prediction once it is written into many
background ("null") probes. This module does the writing, vectorised over the whole
batch of nulls, and the refolding that structure-aware models need afterwards.

Frame and padding
-----------------
Nulls are one-hot arrays ``(N, L, 4)`` in the padded frame of
:func:`rbpgia.encode.onehot.one_hot`: each probe's real nucleotides form one contiguous
run (its *real region*) and the rest are all-zero padding rows. Probes of one batch may
differ in length, so a column that is real in one null can be padding in another.

Position specs
--------------
Where a pattern goes is given per pattern as a *position spec*, resolved for every null
from its own real region (start ``s``, length ``n``) for a pattern of width ``w``:

``int p``
    Absolute 0-based column ``p`` of the padded frame, the same for every null.
``"centre"`` (or ``"center"``), ``"centre+k"``, ``"centre-k"``
    The null's own centre: ``s + (n - w) // 2``, shifted by ``k``. For a 41-nt probe and
    a 6-mer this is column 17, the centre used by Koo et al. (2021).
``"5p"``, ``"5p+k"``
    ``k`` nt after the null's first real nucleotide: ``s + k``.
``"3p"``, ``"3p+k"``
    Ending ``k`` nt before the null's last real nucleotide: ``s + n - w - k``.

The rule is the same for every spec: a pattern must land entirely inside each null's
real region. If it would touch padding in any null, :class:`~rbpgia.errors.InputError`
is raised with the number of offending nulls and the absolute columns that fit them all
(:func:`common_starts`); nothing is ever written into padding. Relative specs
(``centre``, ``5p``, ``3p``) fit any probe at least ``w + |k|`` nt long, which is why the
experiments use them.

Patterns listed together are written in order, so a later one overwrites an earlier one
where they overlap. Inputs are never modified: every function returns a new array.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from rbpgia.encode.onehot import channel_sums, channels_for
from rbpgia.encode.onehot import decode as decode_onehot
from rbpgia.encode.structure import SPAN, WINDOW, model_inputs, structure_profiles
from rbpgia.errors import InputError
from rbpgia.sequence import ALPHABET

_SPEC = re.compile(r"^(centre|center|5p|3p)(?:([+-])(\d+))?$")


class ModelInput(NamedTuple):
    """Model input built from one-hot probes, and whether structure was refolded for it."""

    x: np.ndarray
    structure_recomputed: bool


def as_onehot(onehot: np.ndarray, what: str = "nulls") -> np.ndarray:
    """Check that ``onehot`` is a non-empty one-hot batch ``(N, L, 4)``; return it as float32.

    No copy is made when the input already is float32. Rows must be all zero (padding)
    or hold a single 1.

    Raises
    ------
    InputError
        Naming ``what`` when the shape or values are wrong.
    """
    x = np.asarray(onehot, dtype=np.float32)
    if x.ndim != 3 or x.shape[-1] != 4:
        raise InputError(f"{what}: expected a one-hot array of shape (N, L, 4), got {x.shape}")
    if len(x) == 0:
        raise InputError(f"{what}: no probes")
    row_sums = channel_sums(x)
    if not (np.isin(x, (0.0, 1.0)).all() and np.isin(row_sums, (0.0, 1.0)).all()):
        raise InputError(f"{what}: not one-hot (rows must be all zero or hold a single 1)")
    return x


def real_regions(onehot: np.ndarray, what: str = "nulls") -> tuple[np.ndarray, np.ndarray]:
    """First real column and length of every probe's run of real nucleotides.

    Parameters
    ----------
    onehot : np.ndarray, shape (N, L, 4)
        One-hot probes; padding rows all zero.

    Returns
    -------
    starts, lengths : np.ndarray of int64, shape (N,)

    Raises
    ------
    InputError
        If a probe is empty or its real nucleotides are not one contiguous run.
    """
    real = channel_sums(onehot) > 0
    lengths = real.sum(axis=1).astype(np.int64)
    starts = real.argmax(axis=1).astype(np.int64)
    last = real.shape[1] - 1 - real[:, ::-1].argmax(axis=1)
    bad = np.flatnonzero((lengths == 0) | (last - starts + 1 != lengths))
    if bad.size:
        raise InputError(
            f"{what}: probe {int(bad[0])} is empty or has padding between real nucleotides"
        )
    return starts, lengths


def pattern_codes(pattern: str) -> np.ndarray:
    """Channel index (A=0, C=1, G=2, U=3) of each letter of an ACGU ``pattern``."""
    if not isinstance(pattern, str) or not pattern or set(pattern) - set(ALPHABET):
        raise InputError(f"pattern {pattern!r} must be a non-empty string over {ALPHABET}")
    return np.array([ALPHABET.index(c) for c in pattern], dtype=np.int64)


def common_starts(nulls: np.ndarray, width: int) -> np.ndarray:
    """Absolute start columns at which a ``width``-nt pattern fits inside every null.

    Returns
    -------
    np.ndarray of int64
        Ascending; empty when no column fits all nulls (e.g. a pattern longer than the
        shortest probe).
    """
    starts, lengths = real_regions(nulls)
    return np.arange(int(starts.max()), int((starts + lengths).min()) - width + 1)


def resolve_starts(nulls: np.ndarray, width: int, position) -> np.ndarray:
    """Start column of a ``width``-nt pattern in every null for a position spec.

    Parameters
    ----------
    nulls : np.ndarray, shape (N, L, 4)
    width : int
        Pattern length.
    position : int or str
        A position spec (see the module docstring).

    Returns
    -------
    np.ndarray of int64, shape (N,)

    Raises
    ------
    InputError
        For an unknown spec, or when the pattern would touch padding in any null.
    """
    return _resolve(real_regions(nulls), width, position)


def is_whole_number(value) -> bool:
    """An int or NumPy integer, not a bool (a column, a gap, a count)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_position_spec(position):
    """``position`` if it is a position spec (see the module docstring), else InputError.

    Checks the spec alone, before any null is seen; whether a pattern there fits every
    null is :func:`resolve_starts`' question.
    """
    if is_whole_number(position):
        if position < 0:
            raise InputError(f"position {position!r}: a frame column cannot be negative")
    elif not isinstance(position, str) or _SPEC.match(position) is None:
        raise InputError(
            f"position {position!r} is not an int column or one of "
            "'centre[+-k]', '5p[+k]', '3p[+k]'"
        )
    return position


def _resolve(regions, width, position) -> np.ndarray:
    """:func:`resolve_starts` from already computed ``(starts, lengths)`` real regions."""
    starts, lengths = regions
    check_position_spec(position)
    if not isinstance(position, str):
        at = np.full(len(starts), int(position), dtype=np.int64)
    else:
        anchor, sign, k = _SPEC.match(position).groups()
        shift = 0 if k is None else (int(k) if sign == "+" else -int(k))
        if anchor in ("centre", "center"):
            at = starts + (lengths - width) // 2 + shift
        elif anchor == "5p":
            at = starts + shift
        else:
            at = starts + lengths - width - shift
    return _checked(at, starts, lengths, width, position)


def _checked(at, starts, lengths, width, position) -> np.ndarray:
    """``at`` if every pattern lies inside its null's real region, else InputError."""
    outside = (at < starts) | (at + width > starts + lengths)
    if outside.any():
        lo, hi = int(starts.max()), int((starts + lengths).min()) - width
        fits = f"columns {lo}..{hi}" if hi >= lo else "no column"
        raise InputError(
            f"a {width}-nt pattern at position {position!r} would overlap padding in "
            f"{int(outside.sum())} of {len(at)} nulls ({fits} fit every null)"
        )
    return at.astype(np.int64)


def embed_per_sequence(
    nulls: np.ndarray, patterns: Sequence[str], starts: Sequence[np.ndarray]
) -> np.ndarray:
    """Write patterns at per-null start columns into a copy of ``nulls``.

    The primitive behind :func:`embed`: one fancy-indexing assignment per pattern
    covers the whole batch.

    Parameters
    ----------
    nulls : np.ndarray, shape (N, L, 4)
        One-hot nulls; not modified.
    patterns : sequence of str
        ACGU patterns, written in order (later ones win where they overlap).
    starts : sequence of array-like of int, each shape (N,)
        Start column of each pattern in each null.

    Returns
    -------
    np.ndarray of float32, shape (N, L, 4)

    Raises
    ------
    InputError
        When a pattern would touch padding in any null.
    """
    out = as_onehot(nulls).copy()
    return _write(out, patterns, starts, real_regions(out))


def _write(out, patterns, starts, regions) -> np.ndarray:
    """Write ``patterns`` into ``out`` in place; ``regions`` are its real regions."""
    if len(patterns) != len(starts):
        raise InputError(f"{len(patterns)} patterns but {len(starts)} start arrays")
    real_start, real_length = regions
    rows = np.arange(len(out))[:, None]
    for pattern, at in zip(patterns, starts, strict=True):
        codes = pattern_codes(pattern)
        at = np.broadcast_to(np.asarray(at, dtype=np.int64), (len(out),))
        at = _checked(at, real_start, real_length, len(codes), "per-sequence")
        columns = at[:, None] + np.arange(len(codes))
        out[rows, columns] = np.eye(4, dtype=np.float32)[codes]
    return out


def embed(nulls: np.ndarray, patterns) -> np.ndarray:
    """Embed patterns into every null, each at its position spec; returns a new array.

    Parameters
    ----------
    nulls : np.ndarray, shape (N, L, 4)
        One-hot nulls; not modified.
    patterns : list of (str, position) or one (str, position) tuple
        ACGU pattern and position spec (int column, ``"centre"``, ``"5p+k"``, ``"3p+k"``;
        see the module docstring), written in order.

    Returns
    -------
    np.ndarray of float32, shape (N, L, 4)
    """
    if isinstance(patterns, tuple) and len(patterns) == 2 and isinstance(patterns[0], str):
        patterns = [patterns]
    # Validated and located once: this runs once per intervention on the same nulls.
    out = as_onehot(nulls).copy()
    regions = real_regions(out)
    letters = [pattern for pattern, _ in patterns]
    starts = [_resolve(regions, len(pattern), position) for pattern, position in patterns]
    return _write(out, letters, starts, regions)


def with_structure(
    onehot: np.ndarray,
    input_type: str,
    threads: int = 1,
    *,
    window: int = WINDOW,
    span: int = SPAN,
) -> ModelInput:
    """Model input for ``input_type``, refolding the probes when the model reads structure.

    Structure channels describe the whole probe, so after any intervention they must be
    recomputed from the new sequence, never carried over from the null: the one-hot rows
    are decoded, folded with ViennaRNA (:func:`rbpgia.encode.structure.structure_profiles`,
    about 0.6 ms per probe per thread) and stacked by
    :func:`rbpgia.encode.structure.model_inputs`. For ``seq`` the one-hot array is
    returned as is.

    Parameters
    ----------
    onehot : np.ndarray, shape (N, L, 4)
    input_type : {"seq", "pu", "struct"}
    threads : int
        Folding processes.
    window, span : int
        ViennaRNA window W and maximal span L; use the values the model was trained with.

    Returns
    -------
    ModelInput
        ``x`` (float32, ``(N, L, channels)``) and ``structure_recomputed`` (True for
        ``pu``/``struct``).
    """
    onehot = as_onehot(onehot, "probes")
    if input_type == "seq":
        return ModelInput(model_inputs(onehot, None, "seq"), False)
    channels_for(input_type)
    struct = structure_profiles(
        decode_onehot(onehot),
        max_length=onehot.shape[1],
        window=window,
        span=span,
        threads=threads,
    )
    return ModelInput(model_inputs(onehot, struct, input_type), True)
