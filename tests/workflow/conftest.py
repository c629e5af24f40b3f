"""One TINY end-to-end run per test session, shared by the workflow and report tests."""

import fcntl
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

# The whole TINY run takes a few minutes on an idle 2-core machine, several times that on a
# busy one.
RUN_TIMEOUT = int(os.environ.get("RBPGIA_E2E_TIMEOUT", "2400"))


def shared_folder(tmp_path_factory) -> Path:
    """The session's temporary folder, or under pytest-xdist the one above every worker's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def exclusive_lock(path: Path):
    """Hold ``path``'s lock across processes (pytest-xdist workers) until the block ends."""
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def turn_in_the_tiny_run(tmp_path_factory):
    """Hold the shared TINY run alone: under pytest-xdist, tests that run Snakemake in it
    (each writing its own config there) or copy it take turns across workers."""
    return exclusive_lock(shared_folder(tmp_path_factory) / "tiny_run.turn")


@pytest.fixture(scope="session")
def tiny_run_turn(tmp_path_factory):
    """``with tiny_run_turn():`` for module fixtures that run Snakemake in the TINY run."""
    return lambda: turn_in_the_tiny_run(tmp_path_factory)


@pytest.fixture(autouse=True)
def one_test_at_a_time_in_the_tiny_run(request, tmp_path_factory):
    """Every test of the shared TINY run takes its turn (module fixtures that use the run,
    made before this one, take theirs themselves). A module that only reads the run's
    results, which never change once made, sets TINY_RUN_READ_ONLY and does not wait."""
    if "finished_run" not in request.fixturenames or getattr(
        request.module, "TINY_RUN_READ_ONLY", False
    ):
        yield
        return
    with turn_in_the_tiny_run(tmp_path_factory):
        yield


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """The working directory of a finished run of the TINY config (results/tiny/...).

    Set RBPGIA_TINY_RUN to the working directory of an earlier TINY run to reuse it (it is
    brought up to date first) while iterating on tests.
    """
    from test_end_to_end import REPO, SNAKEMAKE, TINY

    reuse = os.environ.get("RBPGIA_TINY_RUN")
    # Under pytest-xdist every worker is a session of its own: the first worker to ask makes
    # the run in the folder the workers share; the others wait on the lock, then reuse it.
    shared = shared_folder(tmp_path_factory)
    workdir = Path(reuse) if reuse else shared / "tiny_run"
    done = shared / "tiny_run.done"
    with exclusive_lock(shared / "tiny_run.lock"):
        if not done.exists():
            (workdir / "config").mkdir(parents=True, exist_ok=True)
            (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(TINY))
            result = subprocess.run(
                [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
                + ["--cores", "2"],
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
            done.touch()
    return workdir
