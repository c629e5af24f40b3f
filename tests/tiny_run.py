"""The TINY end-to-end run the workflow and SLURM tests share: made once per test session.

Under pytest-xdist every worker is a session of its own: the first worker to ask makes the
run in the folder the workers share; the others wait on its lock, then use it.
"""

import fcntl
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import yaml

# The whole TINY run takes a few minutes on an idle 2-core machine, several times that on a
# busy one.
RUN_TIMEOUT = int(os.environ.get("RBPGIA_E2E_TIMEOUT", "2400"))
WORKFLOW_TESTS = Path(__file__).resolve().parent / "workflow"


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


def finished_tiny_run(tmp_path_factory) -> Path:
    """The working directory of a finished run of the TINY config (results/tiny/...).

    Set RBPGIA_TINY_RUN to the working directory of an earlier TINY run to reuse it (it is
    brought up to date first) while iterating on tests.
    """
    if str(WORKFLOW_TESTS) not in sys.path:  # the SLURM tests ask for it from tests/slurm
        sys.path.insert(0, str(WORKFLOW_TESTS))
    from test_end_to_end import REPO, SNAKEMAKE, TINY

    reuse = os.environ.get("RBPGIA_TINY_RUN")
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
