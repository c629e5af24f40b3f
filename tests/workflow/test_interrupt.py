"""Faults a real user hits: a run stopped with Ctrl-C during encoding, and killed outright
(SIGKILL of the whole process group, like a lost node) during training, then simply re-run.

After each fault no file under ``results/`` may look finished unless it is: every output
that exists must equal the uninterrupted run's (the session fixture ``finished_run``). The
re-run must then finish with results identical to that run, byte for byte but for
wall-clock fields. The training fault strikes a copy of that run stopped before R_ADD's
models (every output naming R_ADD removed), so the re-run trains them again and recomputes
all that follows from them: R_ADD's GIA and the tables and figures across RBPs. It is also
the test that the same seeds give the same results; the SLURM test (tests/slurm) recomputes
every output of the run, and tests/workflow/test_determinism.py asks a new seed of a copy.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml
from test_end_to_end import REPO, SNAKEMAKE, TINY
from tiny_run import result_files, same_output

WAIT_S = 1200
# Only reads the shared TINY run's results (tests/workflow/conftest.py), taking a turn just to
# copy it.
TINY_RUN_READ_ONLY = True
CONFIG = TINY
# A pool large enough (and one encoding process) that folding lasts many seconds: Snakemake
# runs each job in a session of its own, so Ctrl-C reaches Snakemake, which then stops the job.
# Only R_ADD: without an accessibility rule the generator does not fold the pool, so the
# encode step folds all of it rather than reusing the generator's profiles.
BIG_POOL = {
    **TINY,
    "datasets": {
        "tiny": {
            **TINY["datasets"]["tiny"],
            "n_probes": 12000,
            "rbps": {"R_ADD": TINY["datasets"]["tiny"]["rbps"]["R_ADD"]},
        }
    },
    "encode": {**TINY.get("encode", {}), "threads": 1},
    # R_STRUCT is not in this pool: a structure model for it would be a config error.
    "gia": {**TINY["gia"], "structure_models": {}},
}


def start(workdir: Path, *args: str, config: dict = CONFIG) -> subprocess.Popen:
    """Start the workflow in its own process group (so the group can be killed)."""
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    log = open(workdir / f"run-{time.monotonic_ns()}.out", "w")  # noqa: SIM115
    return subprocess.Popen(
        [
            SNAKEMAKE,
            "-s",
            str(REPO / "Snakefile"),
            "--directory",
            str(workdir),
            "--cores",
            "2",
            *args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        start_new_session=True,
        # A shell's background job inherits SIGINT ignored; Ctrl-C must reach Snakemake here.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def last_output(workdir: Path) -> str:
    newest = max(workdir.glob("run-*.out"), key=lambda path: path.stat().st_mtime_ns)
    return newest.read_text(errors="replace")[-4000:]


def wait_for(predicate, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if process.poll() is not None:
            pytest.fail(f"the workflow ended (rc {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def log_says(path: Path, text: str):
    return lambda: path.exists() and text in path.read_text(errors="replace")


def assert_nothing_half_written(workdir: Path, reference: Path) -> int:
    found = result_files(workdir)
    reference_files = set(result_files(reference))
    ours, theirs = workdir / "results" / "tiny", reference / "results" / "tiny"
    for relative in found:
        assert relative in reference_files, f"unexpected output {relative}"
        assert same_output(ours / relative, theirs / relative), f"{relative} differs: half-written?"
    return len(found)


@pytest.mark.slow
def test_interrupted_runs_resume_to_identical_results(tmp_path, finished_run, tiny_run_turn):
    # 1. Ctrl-C while the probes of a larger pool are being encoded: no pool file appears,
    # nothing visible is half-written, and a re-run encodes the whole pool.
    encode_dir = tmp_path / "encode"
    pool = encode_dir / "results" / "tiny" / "encoded" / "probes.h5"
    encode_log = encode_dir / "results" / "tiny" / "logs" / "encode.log"
    target = "results/tiny/encoded/probes.h5"
    run = start(encode_dir, target, config=BIG_POOL)
    # A progress line, not the job's first "folding:" line: a Ctrl-C in the second between
    # them (while the job starts its folding processes) was once lost on a 2-core Zen 3.
    wait_for(log_says(encode_log, "/12000 ("), run, "folding under way")
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    assert run.wait(timeout=300) != 0
    assert "wrote" not in encode_log.read_text()
    assert not pool.exists()
    if pool.parent.exists():  # nothing but hidden temporaries may be left there
        assert all(p.name.startswith(".") for p in pool.parent.iterdir())
    run = start(encode_dir, target, config=BIG_POOL)
    assert run.wait(timeout=WAIT_S) == 0, last_output(encode_dir)
    with h5py.File(pool) as h5:
        assert h5["onehot"].shape == (12000, 41, 4)
        covered = h5["onehot"][:].sum(axis=2) > 0
        np.testing.assert_allclose(h5["structure"][:].sum(axis=2)[covered], 1.0, atol=1e-5)

    # The TINY run, faulted twice, against the uninterrupted TINY run: a copy of it (Snakemake's
    # records and the files' modification times kept) without R_ADD's models and anything
    # else naming R_ADD, as if stopped before they were trained.
    tmp_path = tmp_path / "tiny"
    with tiny_run_turn():
        shutil.copytree(finished_run, tmp_path, symlinks=True)
    results = tmp_path / "results" / "tiny"
    for path in list(results.rglob("*")):
        if path.is_file() and "R_ADD" in str(path.relative_to(results)):
            path.unlink()
    copied = {path: path.stat().st_mtime_ns for path in results.glob("*/*.tsv")}
    logs = results / "logs"

    # 2. SIGKILL everything in the middle of a training job.
    run = start(tmp_path)
    train_log = logs / "train" / "residualbind_seq_log" / "R_ADD.log"
    wait_for(log_says(train_log, "epoch 1/"), run, "the first training epoch")
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=60)
    model_dir = results / "models" / "residualbind_seq_log" / "R_ADD"
    assert not (model_dir / "model.keras").exists()
    survived = assert_nothing_half_written(tmp_path, finished_run)
    assert survived >= 50  # R_STRUCT's models and GIA tables, kept for the re-run

    # 3. SIGKILL left Snakemake's lock behind: a re-run refuses and says what to do, as
    # documented (docs/reliability.md); after `--unlock` a plain re-run finishes, and every
    # output equals the uninterrupted run's.
    run = start(tmp_path)
    assert run.wait(timeout=300) != 0
    assert "--unlock" in last_output(tmp_path)
    run = start(tmp_path, "--unlock")
    assert run.wait(timeout=300) == 0
    run = start(tmp_path)
    assert run.wait(timeout=WAIT_S) == 0, "the re-run after the faults failed:\n" + last_output(
        tmp_path
    )
    reference_files = result_files(finished_run)
    assert result_files(tmp_path) == reference_files
    # Data, metrics, predictions, histories and every GIA table among those compared.
    assert sum(p.suffix in (".tsv", ".json") for p in reference_files) >= 40
    assert assert_nothing_half_written(tmp_path, finished_run) == len(reference_files)
    # R_ADD's models, predictions and GIA tables were computed again (they were removed), and
    # so were the tables across RBPs that read them (benchmark, GIA summary and validation).
    recomputed = [p for p in result_files(tmp_path) if "R_ADD" in str(p) and p.suffix == ".tsv"]
    assert len(recomputed) >= 15
    rewritten = [p for p, mtime in copied.items() if p.stat().st_mtime_ns != mtime]
    assert {str(p.relative_to(results)) for p in rewritten} >= {
        "benchmark/performance.tsv",
        "gia/summary.tsv",
        "gia/validation.tsv",
    }
