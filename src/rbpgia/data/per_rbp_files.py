"""RNAcompete as one Set A and one Set B file per experiment.

A directory holds two files per experiment, named by a pattern with ``{experiment}`` and
``{set}`` (``A`` or ``B``) in it: ``{experiment}_set{set}.txt`` by default (the DLPRB / RCK
distribution of RNAcompete 2013), ``{experiment}_data_full_{set}.txt`` for RNAcompete 2009
as distributed with RNAcontext. Either file may be gzip-compressed, optionally named with
``.gz`` added; each line is ``<score> <sequence>`` (blank- or tab-separated) with no
header. The files of different experiments are different random samples of the same
probe pool, so the reader merges them into one pool: a probe is identified by its set, its
sequence and the occurrence number of that sequence within its file (the pool holds a few
identical sequences), and the pool is the union over experiments with NaN where an
experiment did not sample the probe.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from rbpgia.data.probes import SETS, Probes, check_name
from rbpgia.data.textio import Table, read_table, require_directory
from rbpgia.errors import ConfigError, InputError

DEFAULT_PATTERN = "{experiment}_set{set}.txt"
_FIELDS = re.compile(r"\{(experiment|set)\}")


def file_name_regex(pattern: str = DEFAULT_PATTERN) -> re.Pattern:
    """The file names that ``pattern`` describes (``.gz`` optionally added), as a regex.

    Raises
    ------
    ConfigError
        ``pattern`` lacks ``{experiment}`` or ``{set}``, holds either twice, holds another
        ``{...}`` or a ``/``.
    """
    fields = _FIELDS.findall(pattern)
    rest = _FIELDS.sub("", pattern)
    if sorted(fields) != ["experiment", "set"] or "{" in rest or "}" in rest or "/" in pattern:
        raise ConfigError(
            f"file name pattern {pattern!r} must hold {{experiment}} and {{set}} once each, "
            "no other {...} and no '/' (e.g. {experiment}_set{set}.txt)"
        )
    parts = []
    for piece in re.split(r"(\{experiment\}|\{set\})", pattern):
        if piece == "{experiment}":
            parts.append(r"(?P<experiment>.+)")
        elif piece == "{set}":
            parts.append(r"(?P<set>[AB])")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + r"(?:\.gz)?$")


def file_name(pattern: str, experiment: str, label: str) -> str:
    """The name ``pattern`` gives to ``experiment``'s Set ``label`` file."""
    return pattern.replace("{experiment}", experiment).replace("{set}", label)


def expected_files(pattern: str = DEFAULT_PATTERN) -> str:
    """What a directory of ``pattern`` files must hold, for messages."""
    a, b = (file_name(pattern, "<EXPERIMENT>", label) for label in SETS)
    return f"for each experiment (RBP), {a} and {b}, plain or gzip-compressed"


def read_per_rbp_files(path: str | os.PathLike, pattern: str = DEFAULT_PATTERN) -> Probes:
    """Merge the per-experiment Set A/Set B files in directory ``path`` into one probe pool.

    ``pattern`` names the files (:func:`file_name_regex`). Order is deterministic: Set A
    probes, then Set B probes; within a set, probes appear in the order they are first met
    when the experiments' files are read in name order.

    Raises
    ------
    InputError
        No such files, an experiment with only one of its two files, a file present both
        plain and as ``.gz``, an unsafe experiment name, or a bad line (wrong number of
        fields, non-numeric score, invalid sequence letters) with file and line.
    ConfigError
        ``pattern`` is not a file name pattern.
    """
    directory = require_directory(path)
    files = find_files(directory, pattern)
    experiments = sorted({experiment for experiment, _ in files})
    sequences, sets, blocks = [], [], []
    for label in SETS:
        tables = [_read_scores(files[(e, label)]) for e in experiments]
        pool_sequences, pool_targets = merge_samples(tables)
        sequences.append(pool_sequences)
        sets.append(np.full(len(pool_sequences), label))
        blocks.append(pool_targets)
    targets = pd.DataFrame(np.concatenate(blocks), columns=experiments)
    return Probes(
        sequences=np.concatenate(sequences),
        sets=np.concatenate(sets),
        targets=targets,
        source=os.fspath(directory),
    )


def merge_samples(tables: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Union of several samples of one probe pool, one column of scores per sample.

    Parameters
    ----------
    tables
        Per sample, ``(sequences, scores)`` in file order.

    Returns
    -------
    sequences : np.ndarray of str, shape (P,)
        Pool probes in order of first appearance across the samples.
    targets : np.ndarray of float32, shape (P, len(tables))
        Each sample's score of each probe, NaN where the sample lacks it.

    Notes
    -----
    A probe's key is its sequence plus the occurrence number of that sequence within the
    sample, so the k-th copy of a repeated sequence in one file matches the k-th copy in
    another, and no sample ever has two scores for one key.
    """
    all_sequences = np.concatenate([seqs for seqs, _ in tables])
    occurrence = np.concatenate(
        [pd.Series(seqs).groupby(seqs, sort=False).cumcount().to_numpy() for seqs, _ in tables]
    )
    keys = pd.Series(all_sequences, dtype=object) + "#" + occurrence.astype(str).astype(object)
    pool_ids, unique_keys = pd.factorize(keys)  # ids in order of first appearance
    first_row = np.unique(pool_ids, return_index=True)[1]
    sample = np.repeat(np.arange(len(tables)), [len(seqs) for seqs, _ in tables])
    targets = np.full((len(unique_keys), len(tables)), np.nan, dtype=np.float32)
    targets[pool_ids, sample] = np.concatenate([scores for _, scores in tables])
    return all_sequences[first_row], targets


def find_files(
    directory: str | os.PathLike, pattern: str = DEFAULT_PATTERN
) -> dict[tuple[str, str], Path]:
    """``(experiment, set) -> file`` of the ``pattern`` files in ``directory``, checked:
    :class:`InputError` if there are none, or an experiment lacks one of its two files."""
    regex = file_name_regex(pattern)
    directory = Path(directory)
    files: dict[tuple[str, str], Path] = {}
    for entry in sorted(directory.iterdir()):
        match = regex.match(entry.name)
        if match is None or not entry.is_file():
            continue
        key = (match["experiment"], match["set"])
        if key in files:
            raise InputError(
                f"both {files[key].name} and {entry.name} exist; keep only one", directory
            )
        try:
            check_name(key[0], "experiment ID")
        except InputError as exc:
            raise InputError(str(exc), entry) from None
        files[key] = entry
    if not files:
        raise InputError(
            f"no per-experiment files found (expected, {expected_files(pattern)})", directory
        )
    for experiment, label in list(files):
        other = "B" if label == "A" else "A"
        if (experiment, other) not in files:
            missing = file_name(pattern, experiment, other)
            raise InputError(
                f"experiment {experiment} has {files[(experiment, label)].name} but no "
                f"{missing} (or {missing}.gz)",
                directory,
            )
    return files


def _read_scores(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table: Table = read_table(
        path, text_columns=("sequence",), names=("score", "sequence"), sep="whitespace"
    )
    return table.sequences("sequence"), table.frame["score"].to_numpy(dtype=np.float32)
