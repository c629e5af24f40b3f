"""The in-memory probe pool that every reader returns and every later stage consumes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rbpgia.errors import InputError

SETS = ("A", "B")
# Experiment IDs and RBP names become file and directory names.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_INVALID = re.compile(r"[^ACGU]")


def clean_sequence(raw: str, path: str | os.PathLike | None = None, line: int | None = None) -> str:
    """Return ``raw`` as an RNA string over ACGU, reading DNA ``T`` as ``U``.

    Any other letter (``N``, lower case, IUPAC codes, digits) raises :class:`InputError`
    naming the file and line.
    """
    seq = raw.strip().replace("T", "U")
    if not seq:
        raise InputError("empty sequence", path, line)
    bad = _INVALID.search(seq)
    if bad is not None:
        raise InputError(
            f"sequence {raw.strip()!r} has {bad.group()!r} at position {bad.start() + 1}; "
            "only A, C, G, U (or T, read as U) are allowed",
            path,
            line,
        )
    return seq


def check_name(
    name: str, what: str = "experiment ID", path: str | os.PathLike | None = None
) -> str:
    """Reject names that are unsafe as path components (``/``, ``..``, spaces, ...)."""
    # fullmatch: ``$`` alone would also accept a name ending in a newline.
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name) or name in {".", ".."}:
        raise InputError(
            f"{what} {name!r} is not allowed: use letters, digits, '_', '.', '-' "
            "(it becomes a file name)",
            path,
        )
    return name


@dataclass(frozen=True)
class Probes:
    """A probe pool with measured targets.

    Attributes
    ----------
    sequences : np.ndarray of str, shape (N,)
        RNA sequences over ACGU.
    sets : np.ndarray of str, shape (N,)
        ``"A"`` (training pool) or ``"B"`` (test pool) per probe.
    targets : pd.DataFrame, shape (N, n_experiments)
        Measured intensities (float32 from the readers), NaN where missing; one column per
        experiment ID.
    source : str
        Where the pool came from (a path or ``"synthetic"``), for messages.
    names : np.ndarray of str, shape (N,), or None
        The probes' own IDs where the file has them (the 2013 table's ``Probe_ID``), unique;
        ``None`` for layouts without IDs (probes are then named by their row).
    """

    sequences: np.ndarray
    sets: np.ndarray
    targets: pd.DataFrame
    source: str = ""
    names: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.sequences)
        if len(self.sets) != n or len(self.targets) != n:
            raise InputError(
                f"probe pool is inconsistent: {n} sequences, {len(self.sets)} set labels, "
                f"{len(self.targets)} target rows",
                self.source or None,
            )
        unknown = set(np.unique(self.sets)) - set(SETS)
        if unknown:
            raise InputError(f"unknown set labels {sorted(unknown)}; expected A or B", self.source)
        if self.names is not None and len(self.names) != n:
            raise InputError(
                f"probe pool is inconsistent: {n} sequences, {len(self.names)} probe names",
                self.source or None,
            )

    def probe_names(self) -> np.ndarray:
        """Each probe's ID, or its row number as text where the pool has no IDs."""
        if self.names is not None:
            return np.asarray(self.names, dtype=str)
        return np.arange(len(self)).astype(str)

    @property
    def experiments(self) -> list[str]:
        return [str(c) for c in self.targets.columns]

    def __len__(self) -> int:
        return len(self.sequences)
