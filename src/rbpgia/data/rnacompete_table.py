"""The Hughes lab RNAcompete matrix (``norm_data.txt``): a row per probe, a column per experiment.

Layout: a header line ``Probe_Set RNA_Seq RNCMPT00001 RNCMPT00002 ...`` (tab- or
whitespace-separated), then one line per probe with its pool label (``A``/``B`` or
``SetA``/``SetB``), its sequence and one normalised intensity per experiment (``NaN``, or an
empty cell in a tab-separated file, where the experiment has no measurement). The full
file holds 241,357 probes x 244 experiments; it is parsed by pandas' C parser with float32
intensities.
"""

from __future__ import annotations

import csv
import gzip
import io
import os

import numpy as np
import pandas as pd

from rbpgia.data.probes import Probes, check_name
from rbpgia.data.textio import read_table
from rbpgia.errors import InputError
from rbpgia.io import atomic_path

SET_COLUMN = "Probe_Set"
SEQUENCE_COLUMN = "RNA_Seq"


def read_rnacompete_table(path: str | os.PathLike) -> Probes:
    """Read an RNAcompete probe x experiment table (plain or gzip).

    Every column other than ``Probe_Set`` and ``RNA_Seq`` is an experiment; its name must
    be safe as a file name (:func:`~rbpgia.data.probes.check_name`). An experiment column
    that is entirely NaN is kept; callers decide whether to skip it.

    Raises
    ------
    InputError
        Naming the file (and line): empty file, missing ``Probe_Set``/``RNA_Seq`` column,
        duplicate or unsafe experiment names, no experiment column, rows with the wrong
        number of fields, non-numeric or infinite intensities, unknown set labels, invalid
        sequence letters, truncated or corrupt gzip data.
    """
    table = read_table(path, text_columns=(SET_COLUMN, SEQUENCE_COLUMN))
    experiments = [c for c in table.frame.columns if c not in (SET_COLUMN, SEQUENCE_COLUMN)]
    if not experiments:
        raise InputError(
            f"no experiment columns besides {SET_COLUMN} and {SEQUENCE_COLUMN}", path, 1
        )
    for name in experiments:
        _check_header_name(name, path)
    sets = table.set_labels(SET_COLUMN)
    sequences = table.sequences(SEQUENCE_COLUMN)
    targets = table.frame[experiments].reset_index(drop=True)
    return Probes(sequences=sequences, sets=sets, targets=targets, source=os.fspath(path))


def write_rnacompete_table(probes: Probes, path: str | os.PathLike) -> None:
    """Write ``probes`` as a tab-separated table that :func:`read_rnacompete_table` reads back.

    Intensities are written at float32 precision in their shortest exact form (``NaN`` where
    missing), so a round trip reproduces float32 targets bit for bit. A path ending in
    ``.gz`` is gzip-compressed with a zero timestamp and no embedded file name, so the same
    pool always gives the same bytes. The file appears only once complete.
    """
    for name in probes.experiments:
        _check_header_name(name, path)
    if not probes.experiments:
        raise InputError("cannot write a table without experiments", path)
    frame = pd.DataFrame(
        probes.targets.to_numpy(dtype=np.float32),
        columns=probes.experiments,
    )
    frame.insert(0, SEQUENCE_COLUMN, np.asarray(probes.sequences, dtype=str))
    frame.insert(0, SET_COLUMN, np.asarray(probes.sets, dtype=str))
    options = dict(sep="\t", index=False, na_rep="NaN", lineterminator="\n")
    options["quoting"] = csv.QUOTE_NONE
    with atomic_path(path) as tmp:
        if os.fspath(path).endswith(".gz"):
            # GzipFile, not gzip.open: it lets us drop the timestamp and the (temporary)
            # file name from the gzip header, which would otherwise change every run.
            with (
                open(tmp, "wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz,
                io.TextIOWrapper(gz, encoding="utf-8", newline="") as text,
            ):
                frame.to_csv(text, **options)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as text:
                frame.to_csv(text, **options)


def _check_header_name(name: str, path: str | os.PathLike) -> None:
    try:
        check_name(name, "experiment column")
    except InputError as exc:
        raise InputError(str(exc), path, 1) from None
