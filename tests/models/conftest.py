"""Shared helpers for the model tests: one-hot probes and a small learnable task."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ALPHABET = "ACGU"
LENGTH = 41
MOTIF = "GCAUG"


def onehot(sequences: list[str], length: int = LENGTH) -> np.ndarray:
    """One-hot (N, length, 4) float32; positions past the end of a sequence stay all zero."""
    x = np.zeros((len(sequences), length, 4), dtype=np.float32)
    for i, seq in enumerate(sequences):
        x[i, np.arange(len(seq)), [ALPHABET.index(c) for c in seq]] = 1.0
    return x


def random_probes(n: int, rng: np.random.Generator, length: int = LENGTH) -> list[str]:
    letters = np.array(list(ALPHABET))[rng.integers(0, 4, size=(n, length))]
    return ["".join(row) for row in letters]


@pytest.fixture(scope="session")
def motif_task():
    """2,000 training + 500 validation random probes; y = occurrences of GCAUG.

    Half the probes get one planted GCAUG so the target is not almost always zero.
    """
    rng = np.random.default_rng(7)
    sequences = random_probes(2500, rng)
    for i in range(0, len(sequences), 2):
        start = int(rng.integers(0, LENGTH - len(MOTIF) + 1))
        s = sequences[i]
        sequences[i] = s[:start] + MOTIF + s[start + len(MOTIF) :]
    y = np.array([s.count(MOTIF) for s in sequences], dtype=np.float32)
    x = onehot(sequences)
    return x[:2000], y[:2000], x[2000:], y[2000:]


@pytest.fixture(name="onehot", scope="session")
def onehot_fixture():
    """The :func:`onehot` helper (test modules here are not a package, so no imports)."""
    return onehot


@pytest.fixture(name="random_probes", scope="session")
def random_probes_fixture():
    """The :func:`random_probes` helper."""
    return random_probes
