"""The Hughes lab RNAcompete matrix (``norm_data.txt``): a row per probe, a column per experiment.

Layout: a header line ``Probe_ID Probe_Set RNA_Seq RNCMPT00001 RNCMPT00002 ...`` (tab- or
whitespace-separated), then one line per probe with its ID (``RBD_v3_000001``; the column
is optional), its pool label (``A``/``B`` or ``SetA``/``SetB``), its sequence and one
normalised intensity per experiment (``NaN``, with or without blanks around it as in the
published file's `` NaN``, or an empty cell in a tab-separated file, where the experiment
has no measurement). The published file holds 241,357 probes x 244 experiments; it is
parsed by pandas' C parser with float32 intensities (docs/scaling.md has its time and
memory).
"""

from __future__ import annotations

import csv
import gzip
import io
import os

import numpy as np
import pandas as pd

from rbpgia.data.probes import Probes, check_name
from rbpgia.data.textio import Table, open_text, read_table
from rbpgia.errors import InputError
from rbpgia.io import atomic_path

ID_COLUMN = "Probe_ID"
SET_COLUMN = "Probe_Set"
SEQUENCE_COLUMN = "RNA_Seq"


def read_rnacompete_table(path: str | os.PathLike) -> Probes:
    """Read an RNAcompete probe x experiment table (plain or gzip).

    Every column other than ``Probe_ID``, ``Probe_Set`` and ``RNA_Seq`` is an experiment
    (``RNCMPTnnnnn`` in the published file); its name must be safe as a file name
    (:func:`~rbpgia.data.probes.check_name`). An experiment column that is entirely NaN is
    kept; callers decide whether to skip it. ``Probe_ID``, where present, becomes the
    probes' :attr:`~rbpgia.data.probes.Probes.names`.

    Raises
    ------
    InputError
        Naming the file (and line): empty file, missing ``Probe_Set``/``RNA_Seq`` column,
        duplicate or unsafe experiment names, no experiment column, rows with the wrong
        number of fields, non-numeric (naming the column) or infinite intensities, unknown
        set labels, invalid sequence letters, empty or repeated probe IDs, truncated or
        corrupt gzip data.
    """
    text_columns = [SET_COLUMN, SEQUENCE_COLUMN]
    if _has_id_column(path):
        text_columns.insert(0, ID_COLUMN)
    table = read_table(path, text_columns=text_columns)
    experiments = [c for c in table.frame.columns if c not in text_columns]
    if not experiments:
        raise InputError(f"no experiment columns besides {', '.join(text_columns)}", path, 1)
    for name in experiments:
        _check_header_name(name, path)
    sets = table.set_labels(SET_COLUMN)
    sequences = table.sequences(SEQUENCE_COLUMN)
    names = _probe_ids(table) if ID_COLUMN in text_columns else None
    targets = table.frame[experiments].reset_index(drop=True)
    return Probes(
        sequences=sequences, sets=sets, targets=targets, source=os.fspath(path), names=names
    )


def _has_id_column(path: str | os.PathLike) -> bool:
    """Whether the header names ``Probe_ID`` (read_table checks the header itself)."""
    with open_text(path) as handle:
        return ID_COLUMN in handle.readline().split()


def _probe_ids(table: Table) -> np.ndarray:
    ids = table.frame[ID_COLUMN].str.strip()
    empty = np.flatnonzero((ids.fillna("") == "").to_numpy())
    if empty.size:
        raise InputError(f"empty {ID_COLUMN}", table.path, table.line(empty[0]))
    repeated = np.flatnonzero(ids.duplicated().to_numpy())
    if repeated.size:
        row = repeated[0]
        first = int(np.flatnonzero((ids == ids.iloc[row]).to_numpy())[0])
        raise InputError(
            f"{ID_COLUMN} {ids.iloc[row]!r} repeats the probe of line {table.line(first)}",
            table.path,
            table.line(row),
        )
    return ids.to_numpy(dtype=str)


def write_rnacompete_table(probes: Probes, path: str | os.PathLike) -> None:
    """Write ``probes`` as a tab-separated table that :func:`read_rnacompete_table` reads back.

    Intensities are written at float32 precision in their shortest exact form (``NaN`` where
    missing), so a round trip reproduces float32 targets bit for bit. A path ending in
    ``.gz`` is gzip-compressed with a zero timestamp and no embedded file name, so the same
    pool always gives the same bytes. The file appears only once complete. A pool with
    :attr:`~rbpgia.data.probes.Probes.names` gets them as a first ``Probe_ID`` column.
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
    if probes.names is not None:
        frame.insert(0, ID_COLUMN, np.asarray(probes.names, dtype=str))
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
