"""Opening plain or gzip-compressed text and parsing delimited tables from it.

Every reader in :mod:`rbpgia.data` goes through this module, so that

* compression is recognised by content (the gzip magic bytes), never by file name;
* a missing file, a truncated or corrupt gzip stream and non-UTF-8 bytes all surface as
  :class:`~rbpgia.errors.InputError` naming the file;
* tables are parsed by pandas' C parser (fast enough for the 241,357 x 244 RNAcompete
  matrix), while malformed rows (too few or too many fields, text in a numeric column)
  are still reported with the file name and the line number;
* blanks around a tab-separated cell are ignored, so the published table's `` NaN`` (with
  a leading space) reads as missing.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
import re
import warnings
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
import pandas as pd

from rbpgia.data.probes import clean_sequence
from rbpgia.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
# Cells read as "no measurement" in numeric columns (empty cells only occur in tab files).
MISSING_TOKENS = ("", "NaN", "nan", "NAN", "-nan", "-NaN", "NA", "N/A", "n/a", "#N/A", "null")
MISSING_TOKENS += ("NULL", "None", "<NA>")
# Probe pool labels as they occur in the published files, mapped to the two pools.
SET_LABELS = {"A": "A", "B": "B", "SetA": "A", "SetB": "B"}

Separator = Literal["auto", "tab", "whitespace"]
_PANDAS_SEP = {"tab": "\t", "whitespace": r"\s+"}
_TRAILING_BLANKS = re.compile(r" +(?=[\t\r\n])")
_PANDAS_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def is_gzip(path: str | os.PathLike) -> bool:
    """True when the file starts with the gzip magic bytes, whatever its name."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def require_directory(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`Path`, or :class:`InputError` if it is missing or not a directory."""
    directory = Path(path)
    if not directory.exists():
        raise InputError("path does not exist", directory)
    if not directory.is_dir():
        raise InputError("expected a directory", directory)
    return directory


@contextlib.contextmanager
def open_text(path: str | os.PathLike) -> Iterator[TextIO]:
    """Open a plain or gzip-compressed UTF-8 text file for reading.

    Errors raised while the caller reads inside the ``with`` block (truncated or corrupt
    gzip data, undecodable bytes) are re-raised as :class:`InputError` naming the file,
    so no reader has to know about compression.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file does not exist", path)
    if not path.is_file():
        raise InputError("expected a file, found a directory or special file", path)
    # utf-8-sig drops a byte-order mark that spreadsheet exports sometimes add.
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            yield handle
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from exc


@dataclass(frozen=True)
class Table:
    """A parsed delimited file and where its rows came from.

    Attributes
    ----------
    frame : pd.DataFrame
        Text columns as pandas strings, numeric columns as float32 (NaN where missing).
    path : str
        The file, for messages.
    first_line : int
        1-based line number in the file of ``frame``'s first row.
    """

    frame: pd.DataFrame
    path: str
    first_line: int

    def line(self, row: int) -> int:
        """File line number of frame row ``row`` (0-based)."""
        return self.first_line + int(row)

    def set_labels(self, column: str) -> np.ndarray:
        """The column's probe pool labels (``A``/``B`` or ``SetA``/``SetB``) as ``"A"``/``"B"``."""
        raw = self.frame[column]
        labels = raw.str.strip().map(SET_LABELS)
        unknown = np.flatnonzero(labels.isna().to_numpy())
        if unknown.size:
            row = unknown[0]
            raise InputError(
                f"unknown set label {raw.iloc[row]!r} in column {column!r}; "
                f"expected one of {', '.join(SET_LABELS)}",
                self.path,
                self.line(row),
            )
        return labels.to_numpy(dtype=str)

    def sequences(self, column: str) -> np.ndarray:
        """The column's sequences as RNA over ACGU (``T`` read as ``U``), checked row by row.

        The check is vectorised; the first bad row is handed to
        :func:`~rbpgia.data.probes.clean_sequence` so the message is the same as everywhere.
        """
        raw = self.frame[column]
        rna = raw.str.strip().str.replace("T", "U", regex=False)
        valid = rna.str.fullmatch("[ACGU]+").fillna(False).to_numpy(dtype=bool)
        invalid = np.flatnonzero(~valid)
        if invalid.size:
            row = invalid[0]
            clean_sequence(str(raw.iloc[row]), self.path, self.line(row))
            raise InputError(f"invalid sequence {raw.iloc[row]!r}", self.path, self.line(row))
        return rna.to_numpy(dtype=str)


def read_table(
    path: str | os.PathLike,
    text_columns: Sequence[str] = (),
    *,
    names: Sequence[str] | None = None,
    sep: Separator = "auto",
    other_columns: Literal["float", "ignore"] = "float",
) -> Table:
    """Parse a delimited text file (plain or gzip) into a :class:`Table`.

    Parameters
    ----------
    path
        The file.
    text_columns
        Columns kept as strings; all must be present. Every other column is parsed as
        float32 (``other_columns="float"``) or dropped (``"ignore"``).
    names
        Column names of a file without a header line; ``None`` means the first line is the
        header.
    sep
        ``"tab"``, ``"whitespace"`` (runs of blanks), or ``"auto"``: tab when the header line
        holds a tab, whitespace otherwise.

    Raises
    ------
    InputError
        Empty file, blank or duplicate header names, a missing text column, a row with the
        wrong number of fields, a numeric cell that is not a number or not finite, or no
        data rows; the message names the file and, for row errors, the line.
    """
    path = Path(path)
    with open_text(path) as handle:
        if names is None:
            header = handle.readline()
            if not header:
                raise InputError("file is empty", path)
            if sep == "auto":
                sep = "tab" if "\t" in header else "whitespace"
            names = _header_names(header, sep, path)
            first_line = 2
        else:
            if sep == "auto":
                raise ValueError("sep='auto' needs a header line")
            names = list(names)
            first_line = 1
        missing = [c for c in text_columns if c not in names]
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(map(repr, missing))}; the header has "
                f"{', '.join(map(repr, names[:8]))}{' ...' if len(names) > 8 else ''}",
                path,
                1,
            )
        float_columns = [c for c in names if c not in text_columns]
        if other_columns == "ignore":
            float_columns = []
        frame = _parse_rows(handle, path, names, text_columns, float_columns, sep, first_line)
    if sep == "whitespace":
        frame = _check_last_whitespace_field(frame, path, names, float_columns, first_line)
    keep = [c for c in names if c in text_columns or c in float_columns]
    frame = frame[keep]
    if len(frame) == 0:
        raise InputError("file is empty" if first_line == 1 else "no data rows", path)
    _check_finite(frame, path, float_columns, first_line)
    return Table(frame, str(path), first_line)


def _header_names(header: str, sep: str, path: Path) -> list[str]:
    if not header.strip():
        raise InputError("the header line is blank", path, 1)
    if sep == "tab":
        names = [name.strip() for name in header.rstrip("\r\n").split("\t")]
    else:
        names = header.split()
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputError(f"header field {position} is empty", path, 1)
    seen: set[str] = set()
    duplicates = sorted({name for name in names if name in seen or seen.add(name)})
    if duplicates:
        raise InputError(f"duplicate column(s) in the header: {', '.join(duplicates)}", path, 1)
    return names


def _parse_rows(
    handle: TextIO,
    path: Path,
    names: list[str],
    text_columns: Sequence[str],
    float_columns: list[str],
    sep: str,
    first_line: int,
) -> pd.DataFrame:
    dtypes: dict[str, object] = {c: "str" for c in names}  # ignored columns too, then dropped
    dtypes.update({c: np.float32 for c in float_columns})
    na_values = {c: list(MISSING_TOKENS) for c in float_columns}
    if sep == "whitespace":
        # pandas pads short rows silently; only the last field can go missing in a
        # whitespace-separated row, so read it raw and check it afterwards.
        dtypes[names[-1]] = object
        na_values.pop(names[-1], None)
    options = dict(
        sep=_PANDAS_SEP[sep],
        header=None,
        names=names,
        index_col=False,  # (usecols would silently drop surplus fields, so none here)
        dtype=dtypes,
        na_values=na_values,
        keep_default_na=False,
        skip_blank_lines=False,
        quoting=csv.QUOTE_NONE,
        engine="c",
        # Blanks after a tab; _FieldCounter drops those before one (pandas cannot).
        skipinitialspace=sep == "tab",
    )
    source = _FieldCounter(handle, len(names), first_line) if sep == "tab" else handle
    try:
        with warnings.catch_warnings():
            # A first row with surplus fields is only warned about (and cut), not refused.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(source, **options)
    except pd.errors.ParserWarning:
        raise _surplus_first_row(path, len(names), first_line) from None
    except UnicodeDecodeError:
        raise  # open_text names the file
    except pd.errors.ParserError as exc:
        if isinstance(source, _FieldCounter):
            source.raise_if_ragged(path)
        raise _ragged_from_pandas(exc, path, first_line) from exc
    except ValueError as exc:
        if isinstance(source, _FieldCounter):
            source.raise_if_ragged(path)
        raise _locate_non_number(path, options, float_columns, first_line, exc) from exc
    if isinstance(source, _FieldCounter):
        source.finish()
        source.raise_if_ragged(path)
    return frame


class _FieldCounter:
    """Pass-through reader that checks each line has exactly ``n_fields`` tab-separated fields.

    pandas' C parser pads a short row with NaN, which in a tab-separated file is
    indistinguishable from empty cells; counting tabs on the way in finds such rows (and
    their line numbers) at the cost of one ``str.count`` per line. It also drops blanks at
    the end of each cell, which pandas would keep (``"NaN "`` is then not a missing value).
    """

    def __init__(self, handle: TextIO, n_fields: int, first_line: int):
        self._handle = handle
        self._n_fields = n_fields
        self._line = first_line  # number of the line currently being read
        self._tabs = 0  # tabs seen so far in the current, unfinished line
        self._chars = 0
        self._done = False
        self._blanks = ""  # blanks at the end of the last piece, held until we see what follows
        self.bad: tuple[int, int, bool] | None = None  # (line, fields, blank)

    def read(self, size: int = -1) -> str:
        while True:
            text = self._handle.read(size)
            if not text:
                self._blanks = ""  # blanks at the very end belong to no cell
                self.finish()
                return ""
            text = self._blanks + text
            body = text.rstrip(" ")
            # Held back: whether they end a cell depends on what the next piece starts with.
            self._blanks = text[len(body) :]
            if body:
                break
        if " \t" in body or " \n" in body or " \r" in body:  # rare: skip the regex otherwise
            body = _TRAILING_BLANKS.sub("", body)
        self._scan(body)
        return body

    def __iter__(self) -> Iterator[str]:
        return iter(lambda: self.read(1 << 16), "")

    def _scan(self, text: str) -> None:
        if self.bad is not None:
            return
        pieces = text.split("\n")
        for piece in pieces[:-1]:
            self._end_line(self._tabs + piece.count("\t"), self._chars + len(piece))
            if self.bad is not None:
                return
        self._tabs += pieces[-1].count("\t")
        self._chars += len(pieces[-1])

    def _end_line(self, tabs: int, chars: int) -> None:
        if tabs + 1 != self._n_fields:
            self.bad = (self._line, tabs + 1, chars == 0)
        self._line += 1
        self._tabs = self._chars = 0

    def finish(self) -> None:
        """Check a last line that has no trailing newline."""
        if not self._done and self.bad is None and (self._chars or self._tabs):
            self._end_line(self._tabs, self._chars)
        self._done = True

    def raise_if_ragged(self, path: Path) -> None:
        if self.bad is not None:
            line, fields, blank = self.bad
            what = "a blank line" if blank and self._n_fields > 1 else f"{fields} field(s)"
            raise InputError(
                f"expected {self._n_fields} tab-separated fields, found {what}", path, line
            )


def _surplus_first_row(path: Path, n_fields: int, first_line: int) -> InputError:
    """The error for a first data row with more fields than the header names."""
    with open_text(path) as handle:
        for _ in range(first_line - 1):
            handle.readline()
        found = len(handle.readline().split())
    return InputError(f"expected {n_fields} fields, found {found}", path, first_line)


def _ragged_from_pandas(exc: Exception, path: Path, first_line: int) -> InputError:
    match = _PANDAS_RAGGED.search(str(exc))
    if match is None:
        return InputError(f"cannot parse the table: {exc}", path)
    expected, line, saw = (int(g) for g in match.groups())
    return InputError(f"expected {expected} fields, found {saw}", path, line + first_line - 1)


def _check_last_whitespace_field(
    frame: pd.DataFrame, path: Path, names: list[str], float_columns: list[str], first_line: int
) -> pd.DataFrame:
    """Reject short rows (their last field is empty) and parse the last column if numeric."""
    last = names[-1]
    raw = frame[last]
    empty = np.flatnonzero((raw == "").to_numpy(dtype=bool))
    if empty.size:
        raise InputError(
            f"expected {len(names)} whitespace-separated fields, found fewer",
            path,
            first_line + empty[0],
        )
    if last in float_columns:
        values, bad = _to_float(raw)
        if bad.size:
            raise _not_a_number(path, last, raw.iloc[bad[0]], first_line + bad[0])
        frame = frame.assign(**{last: values.astype(np.float32)})
    else:
        frame = frame.assign(**{last: raw.astype("str")})
    return frame


def _to_float(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse strings as float64; return the values and the rows that are not numbers."""
    missing = raw.isna() | raw.isin(MISSING_TOKENS)
    values = pd.to_numeric(raw.mask(missing), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values) & ~missing.to_numpy(dtype=bool))
    return values, bad


def _not_a_number(path: Path, column: str, value: object, line: int) -> InputError:
    return InputError(f"column {column!r} holds {value!r}, which is not a number", path, line)


def _locate_non_number(
    path: Path, options: dict, float_columns: list[str], first_line: int, exc: Exception
) -> InputError:
    """Find the first non-numeric cell after the fast parse has failed.

    The file is parsed again in blocks of rows with the same options; only the first block
    that fails is re-read as text and searched cell by cell.
    """
    block = 20_000
    start = 0  # rows before the failing block

    def cells(handle: TextIO):
        # The same blank-dropping as the fast parse, or "NaN " would count as text here.
        return _FieldCounter(handle, len(options["names"]), 1) if options["sep"] == "\t" else handle

    with open_text(path) as handle:
        try:
            for chunk in pd.read_csv(
                cells(handle), skiprows=first_line - 1, chunksize=block, **options
            ):
                start += len(chunk)
        except ValueError:
            pass
        else:
            return InputError(f"a numeric column holds text ({exc})", path)
    text_options = {**options, "dtype": object, "na_values": None}
    with open_text(path) as handle:
        chunk = pd.read_csv(
            cells(handle), skiprows=first_line - 1 + start, nrows=block, **text_options
        )
    first_bad: tuple[int, str] | None = None
    for column in float_columns:
        bad = _to_float(chunk[column])[1]
        if bad.size and (first_bad is None or bad[0] < first_bad[0]):
            first_bad = (int(bad[0]), column)
    if first_bad is None:
        return InputError(f"a numeric column holds text ({exc})", path)
    row, column = first_bad
    return _not_a_number(path, column, chunk[column].iloc[row], first_line + start + row)


def _check_finite(frame: pd.DataFrame, path: Path, float_columns: list[str], first_line: int):
    for column in float_columns:
        infinite = np.flatnonzero(np.isinf(frame[column].to_numpy()))
        if infinite.size:
            row = infinite[0]
            raise InputError(
                f"column {column!r} holds {frame[column].iloc[row]}, which is not finite",
                path,
                first_line + row,
            )
