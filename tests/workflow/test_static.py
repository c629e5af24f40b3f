"""Static checks of the workflow and code: snakemake --lint, snakefmt, ruff."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args, cwd=REPO):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_snakemake_lint_is_clean():
    result = run(str(BIN / "snakemake"), "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_snakefmt_check_is_clean():
    result = run(str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    paths = [p for p in ("src", "tests", "workflow/scripts", "benchmarks") if (REPO / p).exists()]
    result = run(str(BIN / "ruff"), "check", *paths)
    assert result.returncode == 0, result.stdout + result.stderr


SCRIPTS = REPO / "workflow" / "scripts"
# Job scripts that run a Keras model: they choose the backend and check their device.
MODEL_SCRIPTS = {
    "train.py",
    "train_group.py",
    "gia_kmer_search.py",
    "gia_experiments.py",
    "gia_ism.py",
    "predict_external.py",
}


def test_jobs_that_run_a_model_choose_the_backend_first_and_check_their_device():
    running = {
        path.name
        for path in SCRIPTS.glob("*.py")
        if re.search(r"from rbpgia\.train import|gia_prepare", path.read_text())
    }
    assert running == MODEL_SCRIPTS
    for name in sorted(MODEL_SCRIPTS):
        text = (SCRIPTS / name).read_text()
        # Keras reads KERAS_BACKEND once, at its first import (inside fast_imports).
        assert text.index("use_default_backend()") < text.index("with fast_imports():"), name
        assert re.search(r"job_device\(\s*snakemake\.resources", text), name


def test_every_rule_that_may_book_a_gpu_runs_a_script_that_checks_it():
    booking = set()
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"\n\s*rule ", path.read_text()):
            if "gpu=gpu(" in block:
                booking.update(re.findall(r'"\.\./scripts/(\w+\.py)"', block))
    assert booking == MODEL_SCRIPTS
