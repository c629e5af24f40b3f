"""Static checks of the workflow and code: snakemake --lint, snakefmt, ruff."""

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
