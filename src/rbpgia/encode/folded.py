"""Structure profiles kept on disk between two steps that would fold the same probes.

The synthetic generator folds its pool when an RBP's rule depends on accessibility; the
encode step would fold the very same sequences again. The generator's profiles are
saved with the folding parameters and a digest of the sequences, and the encode step
takes them only when all of these match its own, so its output is the same either way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

import numpy as np

from rbpgia.io import atomic_path


def sequences_digest(sequences: Sequence[str]) -> str:
    """SHA-256 of the sequences in order (one per line)."""
    digest = hashlib.sha256()
    for sequence in sequences:
        digest.update(str(sequence).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def save_folded(
    path: str | os.PathLike,
    profiles: np.ndarray | None,
    sequences: Sequence[str],
    window: int,
    span: int,
) -> None:
    """Write ``profiles`` (``(N, max_length, 5)``, or ``None``: nothing was folded)."""
    folded = profiles is not None
    if folded and len(profiles) != len(sequences):
        raise ValueError(f"{len(profiles)} profiles for {len(sequences)} sequences")
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            profiles=np.asarray(profiles if folded else np.zeros((0, 0, 5)), dtype=np.float32),
            folded=folded,
            window=window,
            span=span,
            digest=sequences_digest(sequences),
        )


def load_folded(
    path: str | os.PathLike, sequences: Sequence[str], max_length: int, window: int, span: int
) -> tuple[np.ndarray | None, str]:
    """The saved profiles if they are those of ``sequences`` folded with these settings.

    Returns ``(profiles, reason)``: ``profiles`` is ``None`` when they cannot be reused,
    and ``reason`` says why (or where they came from) for the log.
    """
    with np.load(path, allow_pickle=False) as saved:
        if not bool(saved["folded"]):
            return None, "the generator did not fold the probes (no rule uses accessibility)"
        saved_settings = (int(saved["window"]), int(saved["span"]), saved["profiles"].shape[1])
        if saved_settings != (window, span, max_length):
            return None, (
                f"they were folded with (window, span, max_length) = {saved_settings}, "
                f"not {(window, span, max_length)}"
            )
        if str(saved["digest"]) != sequences_digest(sequences):
            return None, "they belong to other sequences"
        return saved["profiles"], f"reusing the generator's structure profiles from {path}"
