"""Throughput of the structure-profile encoder against ViennaRNA alone.

Samples ``--n`` probes from an RNAcompete pool and measures, in probes per second:

* ``structure_profiles`` with ``threads=1`` and ``threads=--threads``;
* ViennaRNA alone on the same probes: the bare ``fold_compound`` + ``probs_window`` loop
  with a no-op callback, in one process (the floor any wrapper can reach);

then the wrapper's overhead ratio (ViennaRNA-alone rate / ``threads=1`` rate) and the
time extrapolated to the full 241,357-probe RNAcompete 2013 pool. Each timing is the
best of ``--repeats`` runs. Writes a JSON report (with machine info) and prints it.

Usage: ``python benchmarks/bench_encode.py --n 2000 --threads 2 --out bench.json``
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import RNA

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, write_report  # noqa: E402

from rbpgia.encode.structure import SPAN, WINDOW, structure_profiles, viennarna_version

FULL_POOL = 241_357
DEFAULT_POOL = (
    Path(__file__).resolve().parents[1] / "resources/rnacompete2013_subset/RNCMPT00001_setB.txt.gz"
)


def load_probes(path: Path, n: int, seed: int) -> list[str]:
    """``n`` probes sampled without replacement from a gzip file of ``<score> <sequence>`` lines."""
    with gzip.open(path, "rt") as handle:
        sequences = [line.split()[1] for line in handle if line.strip()]
    return random.Random(seed).sample(sequences, min(n, len(sequences)))


def viennarna_alone(sequences: list[str]) -> None:
    """The bare folding loop: what the encoder costs without any Python bookkeeping."""
    md = RNA.md()
    md.window_size = WINDOW
    md.max_bp_span = SPAN
    flags = RNA.PROBS_WINDOW_UP | RNA.PROBS_WINDOW_UP_SPLIT

    def ignore(values, size, i, max_size, what, data):
        pass

    for seq in sequences:
        RNA.fold_compound(seq, md, RNA.OPTION_WINDOW).probs_window(1, flags, ignore, None)


def best_rates(variants: dict, n: int, repeats: int) -> tuple[dict, dict]:
    """Probes per second of each variant, the fastest of ``repeats`` calls.

    The variants take turns inside each repeat, so a change in machine load hits them
    alike. Returns wall-clock rates and rates per second of this process's CPU time
    (robust to other load on the machine, meaningless for work done in child processes).
    """
    wall = dict.fromkeys(variants, float("inf"))
    cpu = dict.fromkeys(variants, float("inf"))
    for _ in range(repeats):
        for name, run in variants.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall[name] = min(wall[name], time.perf_counter() - start_wall)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    return {k: n / v for k, v in wall.items()}, {k: n / v for k, v in cpu.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="probes to sample (default 2000)")
    parser.add_argument("--threads", type=int, default=2, help="processes for the parallel run")
    parser.add_argument("--repeats", type=int, default=3, help="timings per variant (best kept)")
    parser.add_argument("--pool", type=Path, default=DEFAULT_POOL, help="gzip probe file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)

    sequences = load_probes(args.pool, args.n, args.seed)
    n = len(sequences)
    rates, cpu_rates = best_rates(
        {
            "alone": lambda: viennarna_alone(sequences),
            "single": lambda: structure_profiles(sequences, threads=1),
            "parallel": lambda: structure_profiles(sequences, threads=args.threads),
        },
        n,
        args.repeats,
    )
    alone, single, parallel = rates["alone"], rates["single"], rates["parallel"]
    report = {
        "probes": n,
        "mean_length": float(np.mean([len(s) for s in sequences])),
        "pool": str(args.pool),
        "repeats": args.repeats,
        "probes_per_s": {
            "viennarna_alone_1_process": round(alone, 1),
            "structure_profiles_threads_1": round(single, 1),
            f"structure_profiles_threads_{args.threads}": round(parallel, 1),
        },
        "overhead_ratio_threads_1": round(alone / single, 4),
        "probes_per_cpu_s": {
            "viennarna_alone_1_process": round(cpu_rates["alone"], 1),
            "structure_profiles_threads_1": round(cpu_rates["single"], 1),
        },
        "overhead_ratio_threads_1_cpu_time": round(cpu_rates["alone"] / cpu_rates["single"], 4),
        f"speedup_threads_{args.threads}": round(parallel / single, 3),
        f"extrapolated_s_{FULL_POOL}_probes_threads_{args.threads}": round(FULL_POOL / parallel, 1),
        "machine": {**describe(), "viennarna": viennarna_version()},
    }
    write_report(report, args.out)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
