"""RNAcompete as one Set A and one Set B file per experiment (the DLPRB / RCK distribution).

A directory holds ``<EXPERIMENT>_setA.txt`` and ``<EXPERIMENT>_setB.txt`` (either may be
gzip-compressed, optionally named ``.txt.gz``), each line ``<score> <sequence>`` with no
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
from rbpgia.errors import InputError

FILE_NAME = re.compile(r"^(?P<experiment>.+)_set(?P<set>[AB])\.txt(?:\.gz)?$")


def read_per_rbp_files(path: str | os.PathLike) -> Probes:
    """Merge the per-experiment Set A/Set B files in directory ``path`` into one probe pool.

    Order is deterministic: Set A probes, then Set B probes; within a set, probes appear in
    the order they are first met when the experiments' files are read in name order.

    Raises
    ------
    InputError
        No such files, an experiment with only one of its two files, a file present both
        plain and as ``.gz``, an unsafe experiment name, or a bad line (wrong number of
        fields, non-numeric score, invalid sequence letters) with file and line.
    """
    directory = require_directory(path)
    files = _find_files(directory)
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


def _find_files(directory: Path) -> dict[tuple[str, str], Path]:
    files: dict[tuple[str, str], Path] = {}
    for entry in sorted(directory.iterdir()):
        match = FILE_NAME.match(entry.name)
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
            "no per-experiment files found (expected <EXPERIMENT>_setA.txt and "
            "<EXPERIMENT>_setB.txt, optionally .gz)",
            directory,
        )
    for experiment, label in list(files):
        other = "B" if label == "A" else "A"
        if (experiment, other) not in files:
            raise InputError(
                f"experiment {experiment} has {files[(experiment, label)].name} but no "
                f"{experiment}_set{other}.txt (or .txt.gz)",
                directory,
            )
    return files


def _read_scores(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table: Table = read_table(
        path, text_columns=("sequence",), names=("score", "sequence"), sep="whitespace"
    )
    return table.sequences("sequence"), table.frame["score"].to_numpy(dtype=np.float32)
