"""Unpaired probabilities of the probes, for the planted accessibility rule.

The pool is folded (ViennaRNA, through :mod:`rbpgia.encode.structure`) only when some RBP
has ``accessibility > 0``.
"""

from __future__ import annotations

import numpy as np

# Width of the centred structure profiles from rbpgia.encode.structure.
STRUCTURE_WIDTH = 41


def unpaired_from_profiles(profiles: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Left-aligned unpaired probabilities from centred structure profiles.

    ``profiles`` is the ``(N, W, 5)`` output of
    :func:`rbpgia.encode.structure.structure_profiles` (channel 0 = paired; a probe of
    length L sits at offset ``(W - L) // 2``). Returns ``(N, max(lengths))`` float64 with
    ``1 - paired`` over each probe's own positions and 0 after its end.
    """
    profiles = np.asarray(profiles)
    lengths = np.asarray(lengths, dtype=np.int64)
    width = profiles.shape[1]
    if np.any(lengths > width):
        raise ValueError(f"probes longer than the structure profile width {width}")
    longest = int(lengths.max()) if lengths.size else 0
    offsets = (width - lengths) // 2
    columns = np.minimum(offsets[:, None] + np.arange(longest), width - 1)
    paired = np.take_along_axis(profiles[:, :, 0].astype(np.float64), columns, axis=1)
    unpaired = 1.0 - paired
    unpaired[np.arange(longest)[None, :] >= lengths[:, None]] = 0.0
    return unpaired


def fold_unpaired(sequences, lengths, threads, on_fold=None) -> np.ndarray:
    """Fold the probes; left-aligned unpaired probabilities, ``on_fold`` given the profiles."""
    # Imported here: ViennaRNA folding is only needed when some RBP uses accessibility.
    from rbpgia.encode.structure import SPAN, WINDOW, structure_profiles

    width = max(STRUCTURE_WIDTH, int(lengths.max()))
    profiles = structure_profiles(
        sequences, max_length=width, window=WINDOW, span=SPAN, threads=threads
    )
    if on_fold is not None:
        on_fold(profiles, window=WINDOW, span=SPAN)
    return unpaired_from_profiles(profiles, lengths)


def as_unpaired_array(unpaired, lengths, width) -> np.ndarray:
    """Accept a left-aligned 2-D array or one 1-D array per probe; return (N, width)."""
    n = len(lengths)
    if isinstance(unpaired, np.ndarray) and unpaired.ndim == 2:
        if unpaired.shape[0] != n or unpaired.shape[1] < width:
            raise ValueError(
                f"unpaired has shape {unpaired.shape}; expected ({n}, >= {width}), "
                "left-aligned per probe"
            )
        return np.asarray(unpaired[:, :width], dtype=np.float64)
    if len(unpaired) != n:
        raise ValueError(f"unpaired has {len(unpaired)} entries for {n} sequences")
    out = np.zeros((n, width), dtype=np.float64)
    for i, (values, length) in enumerate(zip(unpaired, lengths, strict=True)):
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (length,):
            raise ValueError(f"unpaired[{i}] has shape {values.shape}; the probe has {length} nt")
        out[i, :length] = values
    return out
