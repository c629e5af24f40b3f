"""Logging set-up of the workflow scripts (job logs, progress lines)."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(
    path: str | os.PathLike | None = None,
    level: int = logging.INFO,
    native_stderr: bool = False,
) -> logging.Logger:
    """Send the package's log records (and Python warnings) to ``path`` and to stderr.

    With ``native_stderr`` (workflow jobs), what native libraries write straight to file
    descriptor 2 (TensorFlow's start-up chatter, which no environment variable silences
    without also turning oneDNN off) goes to ``path`` only, so the terminal shows each
    job's progress and not that noise. Call it before importing Keras for that to work.
    """
    logger = logging.getLogger("rbpgia")
    logger.setLevel(level)
    logger.handlers.clear()
    if path is not None:
        # Every writer appends, so records and native output interleave without overwriting.
        open(path, "w").close()
        if native_stderr:
            capture_native_stderr(path)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path is not None:
        handlers.append(logging.FileHandler(path, mode="a"))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
        logger.addHandler(handler)
    logging.captureWarnings(True)
    warnings_logger = logging.getLogger("py.warnings")
    warnings_logger.handlers = list(handlers)
    sys.excepthook = _log_uncaught(logger)
    return logger


def capture_native_stderr(path: str | os.PathLike) -> None:
    """Point file descriptor 2 at ``path`` (appending); ``sys.stderr`` keeps the terminal."""
    terminal = os.dup(2)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    sys.stderr = os.fdopen(terminal, "w", buffering=1, errors="backslashreplace")


def _log_uncaught(logger: logging.Logger):
    """Write an uncaught exception to the log too, so a failed job's log says why."""

    def hook(kind, value, traceback):
        if not issubclass(kind, KeyboardInterrupt):
            logger.error("failed: %s: %s", kind.__name__, value, exc_info=(kind, value, traceback))
        else:
            sys.__excepthook__(kind, value, traceback)

    return hook


def progress_reporter(
    logger: logging.Logger, label: str, min_interval_s: float = 5.0
) -> Callable[[int, int], None]:
    """Return ``report(done, total)`` that logs progress at most every ``min_interval_s``."""
    start = time.monotonic()
    last = [-min_interval_s]

    def report(done: int, total: int) -> None:
        now = time.monotonic() - start
        if done < total and now - last[0] < min_interval_s:
            return
        last[0] = now
        rate = done / now if now > 0 else float("nan")
        eta = (total - done) / rate if rate and rate == rate and rate > 0 else float("nan")
        logger.info(
            "%s: %d/%d (%.0f%%), %.0f/s, %.0f s elapsed, about %.0f s left",
            label,
            done,
            total,
            100.0 * done / max(total, 1),
            rate,
            now,
            eta,
        )

    return report
