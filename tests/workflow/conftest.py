"""Taking turns in the shared TINY run (``finished_run``: tests/conftest.py, tests/tiny_run.py)."""

import pytest
from tiny_run import exclusive_lock, shared_folder


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
