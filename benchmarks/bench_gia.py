"""GIA speed, side by side in one run: the original loop, the exhaustive and the fast k-mer search.

For each trained model (by default every ``results/*/models/residualbind_seq_log/*/model.keras``
that ``make demo`` or a run on another data set left; a random-weight ResidualBind when
there is none, flagged ``"trained": false``), on the workflow's own nulls (the ``gia``
config defaults: 1,000 profile nulls from the RBP's Set B probes):

* ``original_loop_kmer_search_s``: the original implementation's loop shape (one k-mer at
  a time: copy the null strings, write the k-mer, build one-hot with a Python loop,
  ``model.predict`` at Keras's default batch size of 32), timed on ``--original-kmers``
  k-mers and extrapolated to all 4^6 (``original_loop_extrapolated: true``);
* ``exhaustive_kmer_search_s``: :func:`rbpgia.gia.kmer_search.kmer_search`, all 4,096
  6-mers x all nulls, in full;
* ``fast_kmer_search_s``: :func:`rbpgia.gia.kmer_search.adaptive_kmer_search` with the
  workflow's defaults, in full, and whether its top 10 (as a set) and top 1 equal the
  exhaustive search's;
* ``raw_forward_seq_per_s``: the compiled forward pass alone (:func:`rbpgia.train.make_predict_fn`)
  on a prebuilt array, its GFLOP/s (convolution and dense multiply-adds counted from the
  layer shapes) and fraction of the derived FP32 peak (:mod:`machine`).

For the first model it also times every GIA experiment against the bare forward pass on
as many sequences (``gia_seq_per_s`` per experiment; null generation, embedding,
statistics and the table included). ``hairpin`` also folds its designs with ViennaRNA to
check them; that design check is timed separately (``hairpin_fold_check_s``). On a shared
machine those wall-time pairs scatter, so each experiment is also run with a free predict
(zeros): its process CPU time is the GIA work besides the forward pass, and
``throughput_fraction_cpu`` = forward CPU time / (forward + that overhead).

Writes JSON (``--out``) and prints a short table. Usage:
``python benchmarks/bench_gia.py --out results/bench/gia.json [--models a.keras ...]``
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from machine import (  # noqa: E402
    cpu_seconds,
    describe,
    forward_flops,
    peak_gflops,
    seconds,
    spread,
    timed,
    write_report,
)

from rbpgia.encode.onehot import decode, pad_offsets  # noqa: E402
from rbpgia.gia.embed import resolve_starts  # noqa: E402
from rbpgia.gia.experiments import hairpin  # noqa: E402
from rbpgia.gia.kmer_search import adaptive_kmer_search, all_kmers, kmer_search  # noqa: E402
from rbpgia.gia.nulls import NULL_KINDS, make_nulls  # noqa: E402
from rbpgia.gia.registry import DEFAULT_EXPERIMENTS, EXPERIMENTS  # noqa: E402
from rbpgia.gia.run import settings as gia_settings  # noqa: E402
from rbpgia.models import build_residualbind  # noqa: E402
from rbpgia.sequence import ALPHABET  # noqa: E402
from rbpgia.workflow.config import load_config  # noqa: E402
from rbpgia.workflow.jobs import gia_prepare  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODEL_ID = "residualbind_seq_log"
DEFAULT_MODELS = f"results/*/models/{MODEL_ID}/*/model.keras"
FALLBACK_H5 = "results/*/encoded/probes.h5"
K = 6


def original_loop(model: keras.Model, nulls: np.ndarray, kmers: list[str]) -> None:
    """The original implementation's shape: strings, a Python one-hot loop, default batches."""
    sequences = decode(nulls)
    offsets = pad_offsets([len(s) for s in sequences], nulls.shape[1])
    starts = resolve_starts(nulls, K, "centre") - offsets  # within each string
    index = {letter: i for i, letter in enumerate(ALPHABET)}
    model.predict(nulls, verbose=0)  # the null predictions, once
    for kmer in kmers:
        edited = [s[:a] + kmer + s[a + K :] for s, a in zip(sequences, starts, strict=True)]
        x = np.zeros(nulls.shape, dtype=np.float32)
        for row, (sequence, offset) in enumerate(zip(edited, offsets, strict=True)):
            for column, letter in enumerate(sequence):
                x[row, offset + column, index[letter]] = 1.0
        model.predict(x, verbose=0)


def model_jobs(patterns: list[str]) -> list[tuple[str, Path, Path | None]]:
    """(name, model path, probes.h5 of its data set) for every model matched."""
    jobs = []
    for pattern in patterns:
        for path in sorted(
            glob.glob(str(REPO / pattern) if not Path(pattern).is_absolute() else pattern)
        ):
            path = Path(path)
            dataset_dir = path.parents[3]  # results/<dataset>/models/<model>/<rbp>/model.keras
            h5 = dataset_dir / "encoded" / "probes.h5"
            jobs.append(
                (f"{dataset_dir.name}/{path.parent.name}", path, h5 if h5.exists() else None)
            )
    return jobs


def bench_model(name, model_path, h5, settings, args) -> dict:
    """Searches on one model, and its prepared GIA run (:func:`rbpgia.gia.run.prepare`)."""
    rbp = name.split("/")[-1]
    run = gia_prepare(h5, model_path, rbp, settings)
    model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    # The bare forward pass: the function the run's Predictor wraps (a sequence model).
    nulls, predict = run.nulls, run.predictor.predict
    n = len(nulls)
    rows = nulls[np.arange(16 * n) % n]
    predict(rows[:1])
    raw = [len(rows) / seconds(lambda: predict(rows)) for _ in range(args.repeats)]
    flops = forward_flops(model)
    sample = all_kmers(K)[:: 4**K // args.original_kmers][: args.original_kmers]
    original = seconds(lambda: original_loop(model, nulls, sample)) * 4**K / len(sample)
    options = {"baseline": run.baseline, "rng": 0}
    exhaustive_s, exhaustive = None, None
    if not args.skip_exhaustive:
        exhaustive, exhaustive_s = timed(kmer_search, run.predictor, nulls, k=K, **options)
    fast_times, fast = [], None
    for _ in range(args.repeats):
        fast, fast_seconds = timed(
            adaptive_kmer_search,
            run.predictor,
            nulls,
            k=K,
            n_screen=settings["screen_nulls"],
            top=settings["search_top"],
            miss_probability=settings["miss_probability"],
            **options,
        )
        fast_times.append(fast_seconds)
    fast_s = float(np.median(fast_times))
    result = {
        "model": str(
            model_path.relative_to(REPO) if model_path.is_relative_to(REPO) else model_path
        ),
        "nulls": n,
        "original_loop_kmer_search_s": round(original, 1),
        "original_loop_extrapolated": True,
        "original_loop_kmers_timed": len(sample),
        "exhaustive_kmer_search_s": None if exhaustive_s is None else round(exhaustive_s, 2),
        "fast_kmer_search_s": round(fast_s, 2),
        "fast_kmer_search_spread_s": spread(fast_times),
        "fast_refined_kmers": int((fast["stage"] == "refined").sum()),
        "speedup_vs_original_loop": round(original / fast_s, 1),
        "raw_forward_seq_per_s": spread(raw),
        "forward_mflop_per_seq": round(flops / 1e6, 3),
        "forward_gflops": round(float(np.median(raw)) * flops / 1e9, 1),
        "fast_top10": fast["kmer"][:10].tolist(),
    }
    if exhaustive is not None:
        result["speedup_vs_exhaustive"] = round(exhaustive_s / fast_s, 1)
        result["top10_identical"] = set(fast["kmer"][:10]) == set(exhaustive["kmer"][:10])
        result["top1_identical"] = bool(fast["kmer"].iloc[0] == exhaustive["kmer"].iloc[0])
        result["exhaustive_top10"] = exhaustive["kmer"][:10].tolist()
    return result, run


def bench_experiments(predict, nulls: np.ndarray, motif: str, repeats: int) -> dict:
    """Each experiment against the bare forward pass on as many sequences.

    ``predict`` is the bare forward pass of a sequence model (one-hot in); every
    experiment of the registry that takes a motif runs on ``nulls`` with it.

    The raw pass and the experiment alternate ``repeats`` times; the fraction is the best
    raw time over the best experiment time, with the spread of the per-pair fractions.
    ``throughput_fraction_cpu`` is the same ratio from median process CPU times, with
    the experiment's overhead measured on a free predict.
    """
    rows_seen: list[int] = []

    def counting(x):
        rows_seen.append(len(x))
        return predict(x)

    runs = {
        name: (lambda p, e=EXPERIMENTS[name].run: e(p, nulls, motif, rng=np.random.default_rng(0)))
        for name in DEFAULT_EXPERIMENTS  # patterns: the user's list, a few rows
    }
    runs["hairpin"] = lambda p: hairpin(
        p, nulls, motif, rng=np.random.default_rng(0), check_folds=False
    )

    def free(x):  # every step of the experiment but the forward pass
        return np.zeros(len(x), dtype=np.float32)

    out = {}
    for name, run in runs.items():
        rows_seen.clear()
        run(counting)
        sequences = sum(rows_seen)
        x = nulls[np.arange(sequences) % len(nulls)]
        # Interleaved, so a change of machine load hits both sides of each pair alike.
        raw, gia, raw_cpu, overhead_cpu = [], [], [], []
        for _ in range(repeats):
            raw.append(seconds(lambda x=x: predict(x)))
            gia.append(seconds(lambda r=run: r(predict)))
            raw_cpu.append(cpu_seconds(lambda x=x: predict(x)))
            overhead_cpu.append(cpu_seconds(lambda r=run: r(free)))
        # Process CPU time does not count time lost to other tenants of a shared machine,
        # so this ratio holds still where the wall-time pairs above scatter.
        raw_s, overhead_s = float(np.median(raw_cpu)), float(np.median(overhead_cpu))
        out[name] = {
            "sequences": sequences,
            "repeats": repeats,
            "raw_forward_seq_per_s": round(sequences / min(raw), 1),
            "gia_seq_per_s": round(sequences / min(gia), 1),
            # Best of each side: the least disturbed timing of either.
            "throughput_fraction": round(min(raw) / min(gia), 3),
            "throughput_fraction_per_pair": spread(np.array(raw) / np.array(gia)),
            "raw_forward_cpu_s": round(raw_s, 4),
            "gia_overhead_cpu_s": round(overhead_s, 4),
            "throughput_fraction_cpu": round(raw_s / (raw_s + overhead_s), 3),
        }
    check = min(
        seconds(lambda: hairpin(predict, nulls, motif, rng=np.random.default_rng(0)))
        for _ in range(repeats)
    )
    out["hairpin"]["hairpin_with_fold_check_s"] = round(check, 3)
    return out


def bench_nulls(base: np.ndarray, n: int, repeats: int) -> dict:
    """Seconds to draw ``n`` nulls of each kind (from ``base``, the Set B probes)."""
    measured = np.random.default_rng(0).normal(size=len(base))

    def draw(kind):
        return make_nulls(kind, base, n, np.random.default_rng(0), measured=measured)

    return {
        kind: round(min(seconds(lambda k=kind: draw(k)) for _ in range(repeats)), 4)
        for kind in NULL_KINDS
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=[DEFAULT_MODELS], help="model globs")
    parser.add_argument(
        "--original-kmers", type=int, default=16, help="k-mers of the timed original loop"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats of the fast search and raw pass"
    )
    parser.add_argument("--skip-exhaustive", action="store_true", help="no exhaustive search")
    parser.add_argument(
        "--max-models", type=int, default=0, help="at most this many models (0: all)"
    )
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)

    # The workflow's GIA settings, checked and completed as its jobs get them.
    settings = gia_settings(load_config(REPO / "config/config.yaml")["gia"])
    jobs = model_jobs(args.models)
    if args.max_models:
        jobs = jobs[: args.max_models]
    report = {
        "benchmark": "GIA k-mer search and experiments",
        "machine": describe(),
        **peak_gflops(),
        "gpu": None,
        "settings": {
            key: settings[key]
            for key in ("nulls", "n_null", "screen_nulls", "search_top", "miss_probability")
        },
        "models": {},
    }
    trained = bool(jobs)
    if not jobs:
        untrained = REPO / "results/bench/untrained_residualbind.keras"
        untrained.parent.mkdir(parents=True, exist_ok=True)
        build_residualbind((41, 4), seed=0).save(untrained)
        h5s = sorted(glob.glob(str(REPO / FALLBACK_H5)))
        if not h5s:
            sys.exit("no trained model and no encoded probes under results/: run `make demo` first")
        jobs = [("untrained/none", untrained, Path(h5s[0]))]
    report["trained"] = trained
    for name, path, h5 in jobs:
        if h5 is None:
            print(f"skipping {name}: no encoded probes beside it", file=sys.stderr)
            continue
        if name.startswith("untrained"):
            from rbpgia.encode import store

            name = f"untrained/{store.list_experiments(h5)[0]}"
        result, run = bench_model(name, path, h5, settings, args)
        if not report["models"]:  # experiments and nulls are timed on the first model
            motif = result["fast_top10"][0]
            report["experiments"] = bench_experiments(
                run.predictor.predict, run.nulls, motif, args.repeats
            )
            report["null_generation_s"] = bench_nulls(run.nulls, settings["n_null"], args.repeats)
            report["gia_seq_per_s"] = {
                k: v["gia_seq_per_s"] for k, v in report["experiments"].items()
            }
        report["models"][name] = result
        print(
            f"{name:40s} original {result['original_loop_kmer_search_s']:8.1f} s  exhaustive "
            f"{result['exhaustive_kmer_search_s']} s  fast {result['fast_kmer_search_s']:6.2f} s  "
            f"x{result['speedup_vs_original_loop']:6.1f}  top10 {result.get('top10_identical')}  "
            f"top1 {result.get('top1_identical')}",
            flush=True,
        )
        summarise(report, args)
        write_report(report, args.out)  # after every model, so a stopped run keeps what it measured
    print(json.dumps(report, indent=2))
    return report


def summarise(report: dict, args) -> None:
    """Spread of each figure over the models so far, and the headline keys."""
    results = list(report["models"].values())
    summary = {
        "original_loop_kmer_search_s": spread(r["original_loop_kmer_search_s"] for r in results),
        "fast_kmer_search_s": spread(r["fast_kmer_search_s"] for r in results),
        "speedup_vs_original_loop": spread(r["speedup_vs_original_loop"] for r in results),
        "top10_identical": all(r.get("top10_identical", False) for r in results),
        "top1_identical": all(r.get("top1_identical", False) for r in results),
        "raw_forward_seq_per_s": spread(r["raw_forward_seq_per_s"]["median"] for r in results),
        "forward_gflops": spread(r["forward_gflops"] for r in results),
    }
    if not args.skip_exhaustive:
        summary["exhaustive_kmer_search_s"] = spread(r["exhaustive_kmer_search_s"] for r in results)
    summary["fraction_of_peak"] = round(
        summary["forward_gflops"]["median"] / report["peak_gflops"], 3
    )
    report["summary"] = summary
    for key in (
        "original_loop_kmer_search_s",
        "exhaustive_kmer_search_s",
        "fast_kmer_search_s",
        "speedup_vs_original_loop",
        "raw_forward_seq_per_s",
        "forward_gflops",
    ):
        if key in summary:
            report[key] = summary[key]["median"]
    report["top10_identical"] = summary["top10_identical"]
    report["top1_identical"] = summary["top1_identical"]


if __name__ == "__main__":
    main()
