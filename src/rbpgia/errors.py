"""Exceptions that carry where bad input came from (file, line, config key)."""

from __future__ import annotations

import os


class RbpgiaError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(RbpgiaError, ValueError):
    """Malformed input data; the message names the file and, where known, the line."""

    def __init__(
        self, message: str, path: str | os.PathLike | None = None, line: int | None = None
    ):
        self.path = None if path is None else os.fspath(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = self.path if line is None else f"{self.path}:{line}"
            where += ": "
        super().__init__(where + message)


class ConfigError(RbpgiaError, ValueError):
    """Invalid configuration; the message names the offending key."""
