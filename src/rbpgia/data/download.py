"""The one place that touches the network: fetch a configured data file on request."""

from __future__ import annotations

import logging
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from rbpgia.errors import InputError
from rbpgia.io import sha256sum

CHUNK = 1 << 20


def download(
    url: str,
    path: str | os.PathLike,
    sha256: str | None = None,
    log: logging.Logger | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``path``, resuming a partial ``<path>.part`` and checking ``sha256``.

    The file appears under ``path`` only when complete (and, if ``sha256`` is given, only when
    its digest matches; a mismatch deletes the download and raises :class:`InputError`).
    A ``.part`` the server says is already whole (HTTP 416, its full size) is checked and
    kept; one that does not fit the server's file, or a resumed download that fails its
    checksum, is fetched again from the start, once. Without network the error says where
    to place the file by hand.
    """
    log = log or logging.getLogger("rbpgia")
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    try:
        try:
            _fetch(url, part, offset, final, log, timeout)
        except urllib.error.HTTPError as err:
            if not (offset and err.code == 416):
                raise
            if _range_total(err.headers.get("Content-Range")) == offset:
                log.info("%s already holds the whole file; checking it", part)
            else:
                log.info("%s does not fit the file on the server; starting over", part)
                offset = 0
                _fetch(url, part, offset, final, log, timeout)
        expected = None if sha256 is None else sha256.lower()
        actual = None if expected is None else sha256sum(part)
        if offset and actual != expected:
            log.info("the resumed download failed its checksum; starting over")
            _fetch(url, part, 0, final, log, timeout)
            actual = sha256sum(part)
    except (urllib.error.URLError, OSError) as err:
        raise InputError(
            f"could not download {url} ({err}); without network, place the file at {final} "
            "by hand and run the workflow again",
            final,
        ) from err
    if actual != expected:
        part.unlink()
        raise InputError(
            f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; "
            "the download was removed",
            final,
        )
    os.replace(part, final)
    log.info("downloaded %s (%d bytes)", final, final.stat().st_size)
    return final


def _fetch(url: str, part: Path, offset: int, final: Path, log, timeout: float) -> None:
    """Write ``url`` into ``part``: from byte ``offset`` on where the server resumes."""
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = offset and response.status == 206
        if offset and not resumed:
            log.info("server ignored the resume request; starting over")
        total = response.headers.get("Content-Length")
        log.info(
            "downloading %s to %s (%s bytes%s)",
            url,
            final,
            total or "unknown",
            f", resuming at {offset}" if resumed else "",
        )
        with open(part, "ab" if resumed else "wb") as handle:
            shutil.copyfileobj(response, handle, CHUNK)


def _range_total(content_range: str | None) -> int | None:
    """The full size in a 416 answer's ``Content-Range: bytes */SIZE``, if it says."""
    if not content_range or "/" not in content_range:
        return None
    size = content_range.rsplit("/", 1)[1].strip()
    return int(size) if size.isdigit() else None


# Archive formats a folder data set (per_rbp_files) may be downloaded as.
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


def unpack(archive: str | os.PathLike, folder: str | os.PathLike, url: str | None = None) -> Path:
    """Unpack a downloaded ``.tar.gz``/``.tgz``/``.tar``/``.zip`` of data files into ``folder``.

    Only regular files are extracted, flattened into ``folder`` by their base names (the
    RNAcontext distribution keeps its files in a top-level folder); a member with an
    absolute path, a ``..`` part or a name given twice is refused. The files go to a
    temporary folder renamed to ``folder`` only when all are written, so a failed unpack
    leaves no half-filled data set. ``url`` names the archive's source in errors.
    """
    import tarfile
    import zipfile

    archive, folder = Path(archive), Path(folder)
    source = url or str(archive)
    name = (url or archive.name).lower()
    if not name.endswith(ARCHIVE_SUFFIXES):
        raise InputError(
            f"{source}: a folder data set is downloaded as one archive "
            f"({', '.join(ARCHIVE_SUFFIXES)}); place its files in {folder} by hand otherwise"
        )
    staging = folder.with_name(folder.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                members = [(m.filename, m) for m in bundle.infolist() if not m.is_dir()]
                for member_name, member in members:
                    with bundle.open(member) as src:
                        _write_member(staging, member_name, src, source)
        else:
            with tarfile.open(archive) as bundle:
                for member in bundle.getmembers():
                    if member.isdir():
                        continue
                    if not member.isfile():
                        raise InputError(f"{source}: {member.name} is not a regular file")
                    with bundle.extractfile(member) as src:
                        _write_member(staging, member.name, src, source)
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"{source}: not a readable archive ({err})", archive) from None
    except InputError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not any(staging.iterdir()):
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"{source}: the archive holds no files", archive)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)
    return folder


def _write_member(staging: Path, member_name: str, src, source: str) -> None:
    """Write one archive member into ``staging`` under its base name, refusing unsafe names."""
    parts = Path(member_name).parts
    if not parts or Path(member_name).is_absolute() or ".." in parts:
        raise InputError(f"{source}: refusing archive member {member_name!r} (unsafe path)")
    target = staging / parts[-1]
    if target.exists():
        raise InputError(f"{source}: two archive members are named {parts[-1]!r}")
    with open(target, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)
