"""Throughput of global importance analysis against the bare prediction function.

Builds a ResidualBind model (random weights: speed does not depend on them), draws
``--n-nulls`` dinucleotide-shuffled nulls from an RNAcompete Set B pool and measures:

* ``kmer_search`` on ``--kmers`` 6-mers (a seeded sample of the 4,096) x all nulls,
  and every experiment of :mod:`rbpgia.gia.experiments` on the same nulls;
* for each, ``raw``: :func:`rbpgia.train.make_predict_fn` alone on one prebuilt array
  with as many rows as the GIA call predicts (null predictions included), i.e. the
  floor GIA can reach; sequences per second of both and the overhead
  ``gia_seconds / raw_seconds - 1``, in wall-clock and in CPU time (best of
  ``--repeats`` interleaved runs);
* the exhaustive 4,096 x ``--n-nulls`` search time extrapolated from the measured
  k-mers (plus the measured cost of the statistics of 4,096 k-mers), and that of
  :func:`rbpgia.gia.kmer_search.adaptive_kmer_search` with its defaults.

``hairpin`` also folds 3 x n probes with ViennaRNA to check its designs, and predicts
in two calls of which each ends in a partly padded batch; it is timed with and
without the fold check.

The model reads one-hot input (``seq``); structure inputs add ViennaRNA folding of
every predicted sequence (~0.6 ms per probe per thread), which dwarfs the model.
Writes a JSON report (with machine info) and prints it.

Usage: ``python benchmarks/bench_gia.py --n-nulls 1000 --kmers 256 --out bench_gia.json``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rbpgia.encode.onehot import one_hot  # noqa: E402
from rbpgia.gia import EXPERIMENTS  # noqa: E402
from rbpgia.gia.experiments import hairpin  # noqa: E402
from rbpgia.gia.importance import summarise  # noqa: E402
from rbpgia.gia.kmer_search import all_kmers, kmer_search  # noqa: E402
from rbpgia.gia.nulls import dinuc_nulls  # noqa: E402
from rbpgia.models import build_residualbind  # noqa: E402
from rbpgia.train import make_predict_fn  # noqa: E402

DEFAULT_POOL = (
    Path(__file__).resolve().parents[1] / "resources/rnacompete2013_subset/RNCMPT00001_setB.txt.gz"
)
MOTIF = "UGCAUG"
ALL_6MERS = 4096


def load_pool(path: Path) -> np.ndarray:
    """One-hot probes of a gzip file of ``<score> <sequence>`` lines."""
    with gzip.open(path, "rt") as handle:
        return one_hot([line.split()[1] for line in handle if line.strip()])


def counted(predict):
    """``predict`` plus a list that collects how many sequences each call predicted."""
    rows: list[int] = []

    def wrapped(x):
        rows.append(len(x))
        return predict(x)

    return wrapped, rows


def timed(run) -> tuple[float, float]:
    """Wall-clock and process CPU seconds (all threads) of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(predict, nulls, run, repeats: int) -> dict:
    """Time ``run(predict)`` against ``predict`` on a prebuilt array of as many rows.

    ``run`` is called once to count the sequences it predicts; then, ``repeats`` times,
    the bare ``predict`` on that many rows (copies of the nulls) and ``run`` take
    turns, so a change of machine load hits both alike. The fastest time of each is
    kept, in wall-clock and in process CPU seconds (the latter hardly moves with
    other load on the machine).
    """
    counting, rows = counted(predict)
    run(counting)
    sequences = sum(rows)
    copies = -(-sequences // len(nulls))
    x = np.concatenate([nulls] * copies)[:sequences]
    best = {"raw": [np.inf, np.inf], "gia": [np.inf, np.inf]}
    for _ in range(repeats):
        for name, job in (("raw", lambda: predict(x)), ("gia", lambda: run(predict))):
            best[name] = np.minimum(best[name], timed(job)).tolist()
    (raw_wall, raw_cpu), (gia_wall, gia_cpu) = best["raw"], best["gia"]
    return {
        "sequences": sequences,
        "calls": len(rows),
        "raw_seconds": round(raw_wall, 3),
        "gia_seconds": round(gia_wall, 3),
        "raw_sequences_per_s": round(sequences / raw_wall, 1),
        "gia_sequences_per_s": round(sequences / gia_wall, 1),
        "overhead_wall": round(gia_wall / raw_wall - 1.0, 4),
        "overhead_cpu": round(gia_cpu / raw_cpu - 1.0, 4),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-nulls", type=int, default=1000, help="nulls (default 1000)")
    parser.add_argument("--kmers", type=int, default=256, help="6-mers timed (default 256)")
    parser.add_argument("--batch-kmers", type=int, default=16, help="k-mers per predict call")
    parser.add_argument("--batch-size", type=int, default=1024, help="make_predict_fn batch")
    parser.add_argument("--pool", type=Path, default=DEFAULT_POOL, help="gzip probe file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="timings per variant (best kept)")
    parser.add_argument("--skip-experiments", action="store_true")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    nulls = dinuc_nulls(load_pool(args.pool), args.n_nulls, rng)
    n = len(nulls)
    model = build_residualbind((41, 4), seed=args.seed)
    predict = make_predict_fn(model, batch_size=args.batch_size)
    predict(nulls[:1])  # compile once, outside the timings
    kmers = sorted(rng.choice(all_kmers(6), size=min(args.kmers, ALL_6MERS), replace=False))

    search = compare(
        predict,
        nulls,
        lambda p: kmer_search(p, nulls, kmers=kmers, batch_kmers=args.batch_kmers),
        args.repeats,
    )
    stats_seconds, _ = timed(lambda: summarise(rng.normal(size=(ALL_6MERS, n))))
    per_sequence = search["gia_seconds"] / search["sequences"]
    report = {
        "model": f"ResidualBind (41, 4), {model.count_params()} parameters, random weights",
        "nulls": n,
        "batch_size": args.batch_size,
        "batch_kmers": args.batch_kmers,
        "repeats": args.repeats,
        "kmer_search": {"kmers": len(kmers), **search},
        "exhaustive_6mer_search_extrapolated": {
            "kmers": ALL_6MERS,
            "sequences": ALL_6MERS * n + n,
            "statistics_seconds": round(stats_seconds, 2),
            "seconds": round(per_sequence * (ALL_6MERS * n + n) + stats_seconds, 1),
            "adaptive_defaults_seconds": round(
                per_sequence * (ALL_6MERS * 100 + 256 * n + n) + stats_seconds, 1
            ),
        },
        "experiments": {},
    }
    if not args.skip_experiments:
        runs = {
            name: (lambda p, e=experiment: e(p, nulls, MOTIF, np.random.default_rng(0)))
            for name, experiment in EXPERIMENTS.items()
        }
        runs["hairpin_without_fold_check"] = lambda p: hairpin(
            p, nulls, MOTIF, np.random.default_rng(0), check_folds=False
        )
        for name, run in runs.items():
            report["experiments"][name] = compare(predict, nulls, run, args.repeats)
    report["machine"] = {
        "nproc": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    text = json.dumps(report, indent=2)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return report


if __name__ == "__main__":
    main()
