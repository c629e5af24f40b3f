"""Helpers for writing small input files under pytest's tmp_path."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest


@pytest.fixture
def write_file(tmp_path):
    """Return ``write(name, text, gz=False) -> Path`` writing under ``tmp_path``.

    ``gz=True`` compresses the content whatever the name, so tests can check that readers
    detect gzip by content rather than by extension.
    """

    def write(name: str, text: str, gz: bool = False) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        return path

    return write
