"""Shared test set-up: quiet, deterministic, CPU-only."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# Where a machine's own CUDA_VISIBLE_DEVICES survives the line above, the suite's workflow
# runs (CPU-only by design) must not stop for it; tests/test_device.py checks the stop with
# environments of its own.
os.environ.setdefault("RBPGIA_ALLOW_CPU_FALLBACK", "1")

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """The order for pytest-xdist (``make test``: ``-n N --dist loadfile``, a file per worker).

    Under xdist the files with slow tests go first, so that no worker is left with a long one
    at the end while the others idle: first the file that makes the TINY run the workflow
    tests share (``finished_run``, tests/workflow/conftest.py: made once, by the first worker
    to ask), then the slow files that do not use it, then those that do (by then it is made).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    files = list(dict.fromkeys(item.path for item in items))
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    uses_run = {item.path for item in items if "finished_run" in getattr(item, "fixturenames", ())}
    maker = next((path for path in files if path in uses_run), None)

    def rank(path) -> int:
        if path == maker:
            return 0
        if path in slow:
            return 2 if path in uses_run else 1
        return 3

    order = {path: (rank(path), index) for index, path in enumerate(files)}
    items.sort(key=lambda item: order[item.path])
