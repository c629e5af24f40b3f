"""Peak memory of each job kind as the number of RBPs grows (issue 10, target 7).

Runs the whole workflow on synthetic pools that differ only in how many RBPs they hold
(``--rbps 1 4 16`` by default; the same ``--probes`` probes each) and reads the peak RSS
(``max_rss``, MB) that Snakemake's ``benchmark:`` directive recorded for every job (under
``results/<dataset>/timings/``). Per job kind (rule; architecture for Keras training) it reports
the largest and the median peak at each RBP count and their ratios, largest vs smallest
count. Snakemake samples memory every few seconds, so single peaks of TensorFlow jobs vary
by a few hundred MB from job to job; the median is the steadier figure. Per-RBP jobs
(training, GIA) must stay flat; jobs that gather all RBPs (benchmark table, summary,
report figures) may grow with the rows they hold. The GIA experiments of an RBP share one
job, whose log gives its peak RSS after each experiment (kinds ``gia_experiments/<name>``:
the job's peak up to the end of that experiment, start-up included, as separate jobs had).
The JSON is written after every count;
``--reuse --workdir DIR`` recomputes it from the runs kept in ``DIR``.

Training and GIA are cut down (``--epochs``, ``--n-null``, ``--k``) so that 16 RBPs finish
in minutes: memory scales with the pool and batch sizes, not with these counts.

Usage: ``python benchmarks/bench_memory.py --out results/bench/memory.json``
"""

from __future__ import annotations

import argparse
import os
import re
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


def job_kind(timing: Path, root: Path) -> str:
    """The rule, refined where one rule runs different work.

    ``train_keras/residualbind_seq_clip`` for a Keras model (DeepBind and ResidualBind
    differ in size), else the rule's name.
    """
    parts = timing.relative_to(root).with_suffix("").parts
    if parts[0] == "train_keras":
        return f"train_keras/{parts[1]}"
    return parts[0]


def peak_rss(root: Path) -> dict[str, dict]:
    """Per job kind under a timings folder: largest and median ``max_rss`` (MB), job count.

    Snakemake samples a job's memory every few seconds, so one job's peak varies from
    run to run by a few hundred MB; the median over a kind's jobs is the steadier figure.
    """
    rows = []
    for path in sorted(root.rglob("*.tsv")):
        table = pd.read_csv(path, sep="\t")
        rows.append({"kind": job_kind(path, root), "max_rss": float(table["max_rss"].max())})
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("kind")["max_rss"].agg(["max", "median", "count"])
    return {
        kind: {
            "max_rss_mb": round(row["max"], 1),
            "median_rss_mb": round(row["median"], 1),
            "jobs": int(row["count"]),
        }
        for kind, row in grouped.iterrows()
    }


# The line gia_experiments.py logs after each experiment.
EXPERIMENT_LINE = re.compile(
    r"INFO rbpgia: (\w+): \d+ rows in [\d.]+ s \(peak RSS so far (\d+) MB\)"
)


def experiment_peaks(logs: Path) -> dict[str, dict]:
    """Per GIA experiment: the experiments job's peak RSS (MB) once that experiment was done.

    Read from the jobs' logs (``gia/<model>/<rbp>/experiments.log`` under ``logs``), in the
    shape of :func:`peak_rss`.
    """
    peaks: dict[str, list[float]] = {}
    for path in sorted(logs.glob("gia/*/*/experiments.log")):
        for experiment, megabytes in EXPERIMENT_LINE.findall(path.read_text()):
            peaks.setdefault(f"gia_experiments/{experiment}", []).append(float(megabytes))
    return {
        kind: {
            "max_rss_mb": round(max(values), 1),
            "median_rss_mb": round(float(pd.Series(values).median()), 1),
            "jobs": len(values),
        }
        for kind, values in peaks.items()
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
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="read the timing files of earlier runs in --workdir instead of running",
    )
    parser.add_argument("--out", type=Path, default=REPO / "results/bench/memory.json")
    args = parser.parse_args(argv)
    if args.reuse and not args.workdir:
        parser.error("--reuse needs --workdir")

    report = {"machine": describe(), "settings": vars(args) | {"out": str(args.out)}}
    report["settings"]["workdir"] = str(args.workdir) if args.workdir else None
    with tempfile.TemporaryDirectory(prefix="rbpgia-memory-") as scratch:
        base = args.workdir or Path(scratch)
        runs, walls = {}, {}
        for n in args.rbps:
            workdir = base / f"rbps{n}"
            if args.reuse:
                walls[n] = None
            else:
                settings = config(n, args.probes, args.epochs, args.n_null, args.k)
                walls[n] = round(run_workflow(workdir, settings, args.cores), 1)
            results = workdir / "results" / "memory"
            timings = results / "timings"
            if not timings.exists() and (results / "benchmarks").exists():
                timings = results / "benchmarks"  # a kept run from before the folder's rename
            runs[n] = peak_rss(timings) | experiment_peaks(results / "logs")
            ran = "read back" if walls[n] is None else f"workflow {walls[n]:.0f} s"
            print(f"{n:>3} RBPs: {ran}", flush=True)
            # Written after every count, so a long run that is stopped keeps what it measured.
            report.update(compare(runs))
            report["workflow_wall_s"] = {str(k): v for k, v in walls.items()}
            write_report(report, args.out)

    counts = list(runs)
    print(f"{'job kind (largest peak)':<36}" + "".join(f"{n:>9} RBPs" for n in counts) + "   ratio")
    ratio_key = f"ratio_{max(counts)}_vs_{min(counts)}"
    for kind, row in report["jobs"].items():
        cells = "".join(f"{row['max_rss_mb'][str(n)] or float('nan'):>10.0f}MB" for n in counts)
        print(f"{kind:<36}{cells}   {row[ratio_key]} (median {row['median_' + ratio_key]})")
    return report


def compare(runs: dict[int, dict]) -> dict:
    """Per job kind: peak RSS at each RBP count run so far, and largest vs smallest count."""
    counts = list(runs)
    low, high = min(counts), max(counts)
    ratio_key = f"ratio_{high}_vs_{low}"
    table = {}
    for kind in sorted(set().union(*(set(r) for r in runs.values()))):
        row = {"gathers_all_rbps": kind.split("/")[0] in GATHERING}
        for figure, key in (("max_rss_mb", ratio_key), ("median_rss_mb", f"median_{ratio_key}")):
            values = {str(n): runs[n].get(kind, {}).get(figure) for n in counts}
            row[figure] = values
            row[key] = None
            if values[str(low)] and values[str(high)]:
                row[key] = round(values[str(high)] / values[str(low)], 3)
        row["jobs"] = {str(n): runs[n].get(kind, {}).get("jobs", 0) for n in counts}
        table[kind] = row

    def worst(key):
        ratios = [row[key] for row in table.values() if not row["gathers_all_rbps"] and row[key]]
        return max(ratios) if ratios else None

    return {
        "rbp_counts": counts,
        "jobs": table,
        "per_rbp_jobs_max_ratio": worst(ratio_key),
        "per_rbp_jobs_median_ratio": worst(f"median_{ratio_key}"),
    }


if __name__ == "__main__":
    main()
