"""Peak memory of each job kind as the number of RBPs grows (issue 10, target 7).

Runs the whole workflow on synthetic pools that differ only in how many RBPs they hold
(``--rbps 1 4 16`` by default; the same ``--probes`` probes each) and reads the peak RSS
(``max_rss``, MB) that Snakemake's ``benchmark:`` directive recorded for every job. Per job
kind (rule, and experiment for GIA experiments) it reports the largest peak at each RBP
count and the ratio of the largest to the smallest count. Per-RBP jobs (training, GIA)
must stay flat; jobs that gather all RBPs (benchmark table, summary, report figures) may
grow with the rows they hold.

Training and GIA are cut down (``--epochs``, ``--n-null``, ``--k``) so that 16 RBPs finish
in minutes: memory scales with the pool and batch sizes, not with these counts.

Usage: ``python benchmarks/bench_memory.py --out results/bench/memory.json``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, timed, write_report  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
MOTIFS = ["UGCAUG", "UAGGGA", "ACUAAC", "GCUGGA", "CCAUUC", "AUCGUA", "GUUGAC", "UUUUUU"]
# Jobs that gather every RBP's outputs: their memory may grow with the RBP count.
GATHERING = {"benchmark", "gia_summary", "gia_validation", "figures", "validation_figure"}


def config(n_rbps: int, probes: int, epochs: int, n_null: int, k: int) -> dict:
    # Each RBP's motif is planted into its own share of the probes.
    share = round(min(0.12, 0.9 / n_rbps), 4)
    rbps = {
        f"SYN_{i:02d}": {
            "motif": MOTIFS[i % len(MOTIFS)],
            "site_strength": 1.5,
            "planted_fraction": share,
        }
        for i in range(n_rbps)
    }
    return {
        "dataset": "memory",
        "datasets": {
            "memory": {"format": "synthetic", "n_probes": probes, "seed": 1, "rbps": rbps}
        },
        "training": {"epochs": epochs, "patience": epochs, "threads": 1},
        "gia": {"n_null": n_null, "k": k, "n_boot": 200, "threads": 1},
    }


def job_kind(benchmark: Path, root: Path) -> str:
    """The rule, refined where one rule runs different work.

    ``gia_experiment/spacing`` for a GIA experiment, ``train_keras/residualbind_seq_clip``
    for a Keras model (DeepBind and ResidualBind differ in size), else the rule's name.
    """
    parts = benchmark.relative_to(root).with_suffix("").parts
    if parts[0] == "gia_experiment":
        return f"gia_experiment/{parts[-1]}"
    if parts[0] == "train_keras":
        return f"train_keras/{parts[1]}"
    return parts[0]


def peak_rss(root: Path) -> dict[str, dict]:
    """Largest ``max_rss`` (MB) and the job count per job kind under a benchmarks folder."""
    rows = []
    for path in sorted(root.rglob("*.tsv")):
        table = pd.read_csv(path, sep="\t")
        rows.append({"kind": job_kind(path, root), "max_rss": float(table["max_rss"].max())})
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("kind")["max_rss"].agg(["max", "count"])
    return {
        kind: {"max_rss_mb": round(row["max"], 1), "jobs": int(row["count"])}
        for kind, row in grouped.iterrows()
    }


def run_workflow(workdir: Path, settings: dict, cores: int) -> float:
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(settings))
    result, wall = timed(
        subprocess.run,
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
        + ["--cores", str(cores)],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    if result.returncode != 0:
        raise SystemExit(f"workflow failed in {workdir}:\n{result.stderr[-4000:]}")
    return wall


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rbps", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--probes", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--n-null", type=int, default=200)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, help="keep the runs here (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=REPO / "results/bench/memory.json")
    args = parser.parse_args(argv)

    report = {"machine": describe(), "settings": vars(args) | {"out": str(args.out)}}
    report["settings"]["workdir"] = str(args.workdir) if args.workdir else None
    with tempfile.TemporaryDirectory(prefix="rbpgia-memory-") as scratch:
        base = args.workdir or Path(scratch)
        runs, walls = {}, {}
        for n in args.rbps:
            workdir = base / f"rbps{n}"
            settings = config(n, args.probes, args.epochs, args.n_null, args.k)
            walls[n] = round(run_workflow(workdir, settings, args.cores), 1)
            runs[n] = peak_rss(workdir / "results" / "memory" / "benchmarks")
            print(f"{n:>3} RBPs: workflow {walls[n]:.0f} s", flush=True)
            # Written after every count, so a long run that is stopped keeps what it measured.
            report.update(compare(runs))
            report["workflow_wall_s"] = {str(k): v for k, v in walls.items()}
            write_report(report, args.out)

    counts = list(runs)
    print(f"{'job kind':<36}" + "".join(f"{n:>9} RBPs" for n in counts) + "   ratio")
    ratio_key = f"ratio_{max(counts)}_vs_{min(counts)}"
    for kind, row in report["jobs"].items():
        cells = "".join(f"{row['max_rss_mb'][str(n)] or float('nan'):>10.0f}MB" for n in counts)
        print(f"{kind:<36}{cells}   {row[ratio_key]}")
    return report


def compare(runs: dict[int, dict]) -> dict:
    """Per job kind: peak RSS at each RBP count run so far, and largest vs smallest count."""
    counts = list(runs)
    low, high = min(counts), max(counts)
    ratio_key = f"ratio_{high}_vs_{low}"
    table = {}
    for kind in sorted(set().union(*(set(r) for r in runs.values()))):
        peaks = {str(n): runs[n].get(kind, {}).get("max_rss_mb") for n in counts}
        ratio = None
        if peaks[str(low)] and peaks[str(high)]:
            ratio = round(peaks[str(high)] / peaks[str(low)], 3)
        table[kind] = {
            "max_rss_mb": peaks,
            "jobs": {str(n): runs[n].get(kind, {}).get("jobs", 0) for n in counts},
            ratio_key: ratio,
            "gathers_all_rbps": kind.split("/")[0] in GATHERING,
        }
    per_rbp = [
        row[ratio_key] for row in table.values() if not row["gathers_all_rbps"] and row[ratio_key]
    ]
    return {
        "rbp_counts": counts,
        "jobs": table,
        "per_rbp_jobs_max_ratio": max(per_rbp) if per_rbp else None,
    }


if __name__ == "__main__":
    main()
