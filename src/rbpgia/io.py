"""File output helpers: every file the workflow writes goes through ``atomic_path``."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from rbpgia.errors import InputError


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def give_default_mode(path: str | os.PathLike) -> None:
    """Permissions of a plain new file (0666 less the umask), not mkstemp's private 0600.

    Outputs are shared with colleagues and cluster jobs; a temporary file's 0600 would
    otherwise survive the rename.
    """
    os.chmod(path, 0o666 & ~_current_umask())


def check_output_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path, if a file may be written there; else InputError naming it.

    An existing directory, device, pipe or socket is refused: renaming a finished file
    onto it would replace it (as root, ``--out /dev/null`` would replace the device).
    """
    final = Path(path)
    if final.is_dir():
        raise InputError("is a directory; give a file path", path)
    if final.exists() and not final.is_file():
        raise InputError("is not a regular file (a device, pipe or socket); give a file path", path)
    # The nearest existing folder above it: a file there (out.txt/x.tsv) fails only when
    # the output is written, after the work.
    above = final.absolute().parent
    while not above.exists():
        above = above.parent
    if not above.is_dir():
        raise InputError(f"{above} is a file, not a folder to write into", path)
    return final


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    A crash or exception inside the block removes the temporary file, so a reader
    never sees a half-written output under the final name. ``path`` must be a file's
    (:func:`check_output_path`).
    """
    final = check_output_path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            give_default_mode(tmp)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator:
    """Open a file for writing that appears under ``path`` only once it is complete."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle


def sha256sum(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Columns of the workflow's tables that hold names: read as text, so that an experiment
# called 001 or NA (both valid names) stays itself rather than becoming 1 or NaN.
NAME_COLUMNS = ("rbp", "experiment", "model")


def read_tsv(path: str | os.PathLike):
    """A tab-separated table the workflow wrote, its :data:`NAME_COLUMNS` as text.

    Only an empty cell is missing (pandas writes NaN so), not the words ``NA`` or ``nan``.
    """
    import pandas as pd

    return pd.read_csv(
        path,
        sep="\t",
        dtype=dict.fromkeys(NAME_COLUMNS, str),
        keep_default_na=False,
        na_values=[""],
    )
