"""DeepBind's copy of the RNAcompete data: two aligned tab-separated files in one directory.

``sequences.tsv`` has one probe per line with columns ``Fold ID`` (the pool, ``A`` or ``B``),
``Event ID`` and ``seq``; ``targets.tsv`` has one column per experiment and the same rows in
the same order (``NaN`` or an empty cell where there is no measurement). Either may be
gzip-compressed (``sequences.tsv.gz``); compression is recognised by content.
"""

from __future__ import annotations

import os
from pathlib import Path

from rbpgia.data.probes import Probes, check_name
from rbpgia.data.textio import read_table, require_directory
from rbpgia.errors import InputError

FOLD_COLUMN = "Fold ID"
SEQUENCE_COLUMN = "seq"


def read_deepbind(path: str | os.PathLike) -> Probes:
    """Read DeepBind's ``sequences.tsv(.gz)`` and ``targets.tsv(.gz)`` from directory ``path``.

    Raises
    ------
    InputError
        A missing or doubled file, bad rows in either file (with file and line), unsafe or
        duplicate experiment names, or files whose row counts differ.
    """
    directory = require_directory(path)
    sequences_path = find_single(directory, "sequences.tsv")
    targets_path = find_single(directory, "targets.tsv")
    probes = read_table(
        sequences_path,
        text_columns=(FOLD_COLUMN, SEQUENCE_COLUMN),
        sep="tab",
        other_columns="ignore",
    )
    targets = read_table(targets_path, sep="tab")
    for name in targets.frame.columns:
        try:
            check_name(name, "experiment column")
        except InputError as exc:
            raise InputError(str(exc), targets_path, 1) from None
    if len(probes.frame) != len(targets.frame):
        raise InputError(
            f"{sequences_path.name} has {len(probes.frame)} probes but {targets_path.name} "
            f"has {len(targets.frame)} rows; the two files must match line by line",
            directory,
        )
    return Probes(
        sequences=probes.sequences(SEQUENCE_COLUMN),
        sets=probes.set_labels(FOLD_COLUMN),
        targets=targets.frame.reset_index(drop=True),
        source=os.fspath(directory),
    )


def find_single(directory: Path, name: str) -> Path:
    """The file ``name`` or ``name.gz`` in ``directory``; exactly one of them must exist."""
    found = [directory / n for n in (name, f"{name}.gz") if (directory / n).is_file()]
    if not found:
        raise InputError(f"missing {name} (or {name}.gz)", directory)
    if len(found) > 1:
        raise InputError(f"both {name} and {name}.gz exist; keep only one", directory)
    return found[0]
