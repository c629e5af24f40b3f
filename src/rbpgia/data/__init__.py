"""Reading RNAcompete probe pools, normalising their targets and splitting them.

Three on-disk layouts of the same data are supported, each read into one
:class:`~rbpgia.data.probes.Probes`; :func:`read_probes` picks the reader by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rbpgia.data.deepbind import read_deepbind
from rbpgia.data.normalise import apply_normaliser, fit_normaliser
from rbpgia.data.per_rbp_files import read_per_rbp_files
from rbpgia.data.probes import Probes, check_name, clean_sequence
from rbpgia.data.rnacompete_table import read_rnacompete_table, write_rnacompete_table
from rbpgia.data.splits import split_indices
from rbpgia.errors import ConfigError, InputError

READERS: dict[str, Callable[..., Probes]] = {
    "rnacompete_table": read_rnacompete_table,
    "deepbind": read_deepbind,
    "per_rbp_files": read_per_rbp_files,
}


def read_probes(fmt: str, path: str | os.PathLike, **options) -> Probes:
    """Read a probe pool stored in layout ``fmt`` (a key of :data:`READERS`) at ``path``.

    ``options`` go to the reader (``pattern`` of :func:`read_per_rbp_files`).

    Raises
    ------
    ConfigError
        ``fmt`` is not one of the known layouts.
    InputError
        ``path`` does not exist, or the reader rejects its content.
    """
    if fmt not in READERS:
        raise ConfigError(
            f"unknown data format {fmt!r}; accepted formats: {', '.join(sorted(READERS))}"
        )
    if not Path(path).exists():
        raise InputError("path does not exist", path)
    return READERS[fmt](path, **options)


__all__ = [
    "READERS",
    "Probes",
    "apply_normaliser",
    "check_name",
    "clean_sequence",
    "fit_normaliser",
    "read_deepbind",
    "read_per_rbp_files",
    "read_probes",
    "read_rnacompete_table",
    "split_indices",
    "write_rnacompete_table",
]
