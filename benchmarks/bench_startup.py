"""Start-up cost of workflow jobs, with and without :func:`rbpgia.workflow.startup.fast_imports`.

A demo run starts over a hundred short jobs, most of which import TensorFlow. For each
job script named, this takes the imports of its ``with fast_imports():`` block (read
from ``workflow/scripts/<name>.py``, so the benchmark follows the scripts) and runs them
in a fresh interpreter that then exits, once as plain imports and once under the block.
The two take turns ``--repeats`` times; the report gives the child's CPU seconds (user +
system, robust to other load on the machine) and wall seconds, median/min/max, and the
CPU saved per job start.

Usage: ``python benchmarks/bench_startup.py --repeats 5 --out results/bench/startup.json``
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, spread, write_report  # noqa: E402

SCRIPTS = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
# One TensorFlow job of each kind the demo runs many of, and one without TensorFlow.
DEFAULT_JOBS = ["gia_experiments", "gia_kmer_search", "train", "train_kmer_ridge"]


def is_fast_imports_block(node: ast.AST) -> bool:
    """Whether ``node`` is a ``with fast_imports():`` statement."""
    return isinstance(node, ast.With) and any(
        ast.unparse(item.context_expr) == "fast_imports()" for item in node.items
    )


def import_block(script: Path) -> str:
    """The statements inside the script's ``with fast_imports():`` block, as source."""
    for node in ast.parse(script.read_text()).body:
        if is_fast_imports_block(node):
            return "\n".join(ast.unparse(statement) for statement in node.body)
    raise SystemExit(f"{script}: no `with fast_imports():` block")


def programs(block: str) -> dict[str, str]:
    """The same imports, plain and under the block."""
    indented = "\n".join("    " + line for line in block.splitlines())
    return {
        "plain": block,
        "fast_imports": "from rbpgia.workflow.startup import fast_imports\n"
        f"with fast_imports():\n{indented}",
    }


def run_child(code: str) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of ``python -c code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=os.environ)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def measure(job: str, repeats: int) -> dict:
    variants = programs(import_block(SCRIPTS / f"{job}.py"))
    cpu = {name: [] for name in variants}
    wall = {name: [] for name in variants}
    for _ in range(repeats):
        for name, code in variants.items():  # taking turns: load changes hit both alike
            c, w = run_child(code)
            cpu[name].append(c)
            wall[name].append(w)
    cpu_s = {name: spread(values) for name, values in cpu.items()}
    plain, fast = (cpu_s[name]["median"] for name in ("plain", "fast_imports"))
    return {
        "cpu_s": cpu_s,
        "wall_s": {name: spread(values) for name, values in wall.items()},
        "cpu_saved_s": round(plain - fast, 2),
        "cpu_saved_fraction": round(1 - fast / plain, 3),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", nargs="+", default=DEFAULT_JOBS, help="job script names")
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs (default 5)")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)
    report = {
        "benchmark": "job start-up: imports of a job script and interpreter exit",
        "machine": describe(),
        "gpu": None,
        "jobs": {},
    }
    for job in args.jobs:
        report["jobs"][job] = measure(job, args.repeats)
        write_report(report, args.out)  # partial results survive an interrupted run
    print(f"{'job':<20} {'plain CPU s':>12} {'fast CPU s':>11} {'saved':>7}")
    for job, row in report["jobs"].items():
        plain, fast = (row["cpu_s"][name]["median"] for name in ("plain", "fast_imports"))
        print(f"{job:<20} {plain:>12.2f} {fast:>11.2f} {row['cpu_saved_fraction']:>7.1%}")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
