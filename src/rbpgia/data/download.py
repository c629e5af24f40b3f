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
    Without network the error says where to place the file by hand.
    """
    log = log or logging.getLogger("rbpgia")
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            resumed = offset and response.status == 206
            if offset and not resumed:
                log.info("server ignored the resume request; starting over")
            mode = "ab" if resumed else "wb"
            total = response.headers.get("Content-Length")
            log.info(
                "downloading %s to %s (%s bytes%s)",
                url,
                final,
                total or "unknown",
                f", resuming at {offset}" if resumed else "",
            )
            with open(part, mode) as handle:
                shutil.copyfileobj(response, handle, CHUNK)
    except (urllib.error.URLError, OSError) as err:
        raise InputError(
            f"could not download {url} ({err}); without network, place the file at {final} "
            "by hand and run the workflow again",
            final,
        ) from err
    if sha256 is not None:
        actual = sha256sum(part)
        if actual != sha256.lower():
            part.unlink()
            raise InputError(
                f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; "
                "the download was removed",
                final,
            )
    os.replace(part, final)
    log.info("downloaded %s (%d bytes)", final, final.stat().st_size)
    return final
