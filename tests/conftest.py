"""Shared test set-up: quiet, deterministic, CPU-only."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# Where a machine's own CUDA_VISIBLE_DEVICES survives the line above, the suite's workflow
# runs (CPU-only by design) must not stop for it; tests/test_device.py checks the stop with
# environments of its own.
os.environ.setdefault("RBPGIA_ALLOW_CPU_FALLBACK", "1")

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Groups for pytest-xdist's ``--dist loadgroup`` (``make test`` runs several workers).

    A test file runs on one worker, so its module fixtures are built once; every test of the
    shared TINY run (``finished_run``, tests/workflow/conftest.py) runs on one worker, so that
    run is made once. Without xdist the marks do nothing.
    """
    for item in items:
        uses_tiny_run = "finished_run" in getattr(item, "fixturenames", ())
        group = "tiny_run" if uses_tiny_run else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
