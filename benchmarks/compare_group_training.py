"""Grouped training against training alone: each RBP's Set B r, epochs and best epoch.

Trains each RBP of an encoded pool alone (``train_keras_job``) and all of them as one group
(``train_keras_group_job``, training.group_size), for each seed, with the workflow's
training settings (``--config``, the data set's own training keys applied) and one thread,
and reports per RBP and seed what the workflow would record in ``metrics.json``. The seeds
give the seed-to-seed spread that grouping must stay within. Writes JSON (``--out``).

Usage (after ``make demo``)::

    python benchmarks/compare_group_training.py --h5 results/synthetic/encoded/probes.h5 \\
        --seeds 0,1,2 --out results/bench/group_training.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, write_report  # noqa: E402

from rbpgia.encode import store  # noqa: E402
from rbpgia.train import limit_threads  # noqa: E402
from rbpgia.workflow.config import load_config  # noqa: E402
from rbpgia.workflow.jobs import (  # noqa: E402
    load_job_data,
    train_keras_group_job,
    train_keras_job,
)

RECORDED = ("pearson_r", "epochs", "best_epoch", "val_pearson_r")


def compare(h5, rbps, settings, seeds, arch="residualbind", input_type="seq", norm="log"):
    """One row per (RBP, mode, seed): the metrics of training it alone or in the group."""
    rows = []
    for seed in seeds:
        run = {**settings, "seed": seed}
        datas = {
            rbp: load_job_data(h5, rbp, input_type, norm, run["valid_fraction"], seed)
            for rbp in rbps
        }
        for mode in ("alone", "group"):
            start = time.monotonic()
            if mode == "alone":
                results = {rbp: train_keras_job(datas[rbp], arch, run) for rbp in rbps}
            else:
                results = train_keras_group_job(datas, arch, run)
            wall = time.monotonic() - start
            for rbp, result in results.items():
                metrics = {key: result.metrics[key] for key in RECORDED}
                rows.append({"rbp": rbp, "mode": mode, "seed": seed, **metrics, "wall_s": wall})
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--h5", type=Path, required=True, help="an encoded pool (probes.h5)")
    parser.add_argument("--config", type=Path, default=Path("config/config.yaml"))
    parser.add_argument("--dataset", help="data set whose training keys apply (default: config)")
    parser.add_argument("--rbps", help="comma-separated RBPs (default: every RBP of the pool)")
    parser.add_argument("--seeds", default="0,1,2", help="training seeds (default 0,1,2)")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)
    limit_threads(1)
    overrides = {"dataset": args.dataset} if args.dataset else None
    settings = load_config(args.config, overrides)["training"]
    rbps = args.rbps.split(",") if args.rbps else store.list_experiments(args.h5)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    report = {
        "benchmark": "grouped against alone training, per RBP and seed",
        "machine": describe(),
        "h5": str(args.h5),
        "settings": {key: settings[key] for key in ("epochs", "patience", "batch_size")},
        "rows": compare(args.h5, rbps, settings, seeds),
    }
    write_report(report, args.out)
    print(json.dumps(report["rows"], indent=1))
    return report


if __name__ == "__main__":
    main()
