"""RNA sequences as strings: the alphabet, reverse complements and GC content.

The one place these are defined: one-hot channels follow :data:`ALPHABET` (A, C, G, U =
channels 0..3, so the Watson-Crick complement of channel c is 3 - c), and every module
that needs a complement or a GC fraction calls this one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

ALPHABET = "ACGU"
COMPLEMENT = str.maketrans("ACGU", "UGCA")
GC_CHANNELS = (ALPHABET.index("C"), ALPHABET.index("G"))


def reverse_complement(sequence: str) -> str:
    """Watson-Crick reverse complement of an ACGU string (the arm that pairs with it)."""
    return sequence.translate(COMPLEMENT)[::-1]


def gc_fraction(sequences: Iterable[str]) -> np.ndarray:
    """Fraction of G or C letters in each string, shape (N,); 0 for an empty string."""
    return np.array(
        [(s.upper().count("G") + s.upper().count("C")) / max(len(s), 1) for s in sequences],
        dtype=np.float64,
    )


def gc_content(onehot: np.ndarray) -> np.ndarray:
    """Fraction of G or C among each one-hot probe's real nucleotides, shape (N,)."""
    onehot = np.asarray(onehot)
    return onehot[..., list(GC_CHANNELS)].sum(axis=(1, 2)) / onehot.sum(axis=(1, 2))
