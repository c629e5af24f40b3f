"""Shared test set-up: quiet, deterministic, CPU-only."""

import os
from collections import Counter
from pathlib import Path

import pytest
from tiny_run import finished_tiny_run

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# Where a machine's own CUDA_VISIBLE_DEVICES survives the line above, the suite's workflow
# runs (CPU-only by design) must not stop for it; tests/test_device.py checks the stop with
# environments of its own.
os.environ.setdefault("RBPGIA_ALLOW_CPU_FALLBACK", "1")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """The shared TINY run (tests/tiny_run.py): tests/workflow's and the SLURM test's reference."""
    return finished_tiny_run(tmp_path_factory)


def pytest_collection_modifyitems(config, items):
    """The order for pytest-xdist (``make test``: ``-n N --dist loadfile``, a file per worker).

    Under xdist the files with slow tests go first, so that no worker is left with a long one
    at the end while the others idle: first a file that makes the TINY run the workflow tests
    share (``finished_run``: made once, by the first worker to ask), then the SLURM test
    where it runs (``RBPGIA_SLURM_TEST=1``: it mostly waits on the cluster, on a worker of
    its own), then the slow files that do not use the TINY run, then those that do (by then
    it is made).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    files = list(dict.fromkeys(item.path for item in items))
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    slurm = {item.path for item in items if item.get_closest_marker("slurm")}
    uses_run = {item.path for item in items if "finished_run" in getattr(item, "fixturenames", ())}
    # The maker: of the files using the run, the one with the most tests. xdist gives a worker
    # whose file has two tests or fewer left a second file at once, which would then wait
    # behind the run's making.
    tests_in = Counter(item.path for item in items)
    makers = [path for path in files if path in uses_run and path not in slurm]
    maker = max(makers, key=lambda path: tests_in[path], default=None)

    def rank(path) -> int:
        if path == maker:
            return 0
        if path in slurm:
            return 1
        if path in slow:
            return 3 if path in uses_run else 2
        return 4

    order = {path: (rank(path), index) for index, path in enumerate(files)}
    items.sort(key=lambda item: order[item.path])
