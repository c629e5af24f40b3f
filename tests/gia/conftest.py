"""Toy models with known answers and random probe pools for the GIA tests.

The toys are prediction functions over model inputs ``(N, L, C)``, vectorised with
sliding windows, so GIA results can be checked against what they must be.
"""

from __future__ import annotations

import numpy as np
import pytest

from rbpgia.encode.onehot import one_hot
from rbpgia.sequence import ALPHABET

MOTIF = "GCAUG"


def motif_hits(x: np.ndarray, motif: str) -> np.ndarray:
    """(N, L - len(motif) + 1) bool: where ``motif`` starts in the one-hot channels of x."""
    m = len(motif)
    width = x.shape[1] - m + 1
    matched = np.zeros((len(x), width))
    for t, letter in enumerate(motif):
        matched += x[:, t : t + width, ALPHABET.index(letter)]
    return matched == m


def count_model(motif: str = MOTIF):
    """predict(x) = number of occurrences of ``motif``."""

    def predict(x):
        return motif_hits(np.asarray(x), motif).sum(axis=1).astype(np.float32)

    return predict


def spacing_model(motif: str = MOTIF, gap: int = 4, bonus: float = 3.0):
    """Occurrences of ``motif`` + ``bonus`` when two copies are exactly ``gap`` nt apart."""
    m = len(motif)

    def predict(x):
        hits = motif_hits(np.asarray(x), motif)
        shift = m + gap
        paired = (hits[:, :-shift] & hits[:, shift:]).any(axis=1)
        return hits.sum(axis=1) + bonus * paired

    return predict


def gc_model(motif: str = MOTIF, first_column: int = 24, weight: float = 0.5):
    """Occurrences of ``motif`` + ``weight`` per G or C at columns >= ``first_column``."""

    def predict(x):
        x = np.asarray(x)
        gc = x[:, first_column:, 1:3].sum(axis=(1, 2))
        return motif_hits(x, motif).sum(axis=1) + weight * gc

    return predict


def flank_model(motif: str = MOTIF, five: str = "U", three: str = "A"):
    """Occurrences of ``motif`` + 2 per occurrence of ``five + motif + three``."""

    def predict(x):
        x = np.asarray(x)
        return motif_hits(x, motif).sum(axis=1) + 2.0 * motif_hits(x, five + motif + three).sum(1)

    return predict


def unpaired_model(motif: str = MOTIF):
    """A ``pu`` toy: each occurrence of ``motif`` scores its mean unpaired probability.

    Reads channel 5 (unpaired) of ``pu`` inputs (N, L, 6), so it sees only what
    ViennaRNA says about the refolded probe.
    """
    m = len(motif)

    def predict(x):
        x = np.asarray(x)
        assert x.shape[-1] == 6, "the unpaired toy reads pu inputs"
        hits = motif_hits(x[..., :4], motif)
        width = hits.shape[1]
        unpaired = np.mean([x[:, t : t + width, 5] for t in range(m)], axis=0)
        return (hits * unpaired).sum(axis=1)

    return predict


def pwm_model(seed: int = 3, width: int = 6):
    """log-sum-exp over windows of a random PWM score: smooth, nonlinear, no ties."""
    weights = np.random.default_rng(seed).normal(0.0, 1.5, size=(width, 4))

    def predict(x):
        x = np.asarray(x)[..., :4]
        n_windows = x.shape[1] - width + 1
        scores = sum(x[:, t : t + n_windows] @ weights[t] for t in range(width))
        return np.log(np.exp(scores).sum(axis=1))

    return predict


def random_pool(n: int, rng: np.random.Generator, lengths=(30, 35, 38, 41)) -> list[str]:
    """Random ACGU probes with lengths drawn from ``lengths`` (RNAcompete-like)."""
    sizes = rng.choice(lengths, size=n)
    return ["".join(rng.choice(list(ALPHABET), size=s)) for s in sizes]


@pytest.fixture(scope="session")
def pool_sequences():
    return random_pool(3000, np.random.default_rng(11))


@pytest.fixture(scope="session")
def pool(pool_sequences):
    """3,000 random probes of 30-41 nt, one-hot in the centred 41-nt frame."""
    pool = one_hot(pool_sequences)
    pool.flags.writeable = False  # a test that writes into the shared pool fails loudly
    return pool


@pytest.fixture
def nulls(pool):
    """500 dinucleotide-shuffled nulls (fresh per test)."""
    from rbpgia.gia.nulls import dinuc_nulls

    return dinuc_nulls(pool, 500, np.random.default_rng(5))
