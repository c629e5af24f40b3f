"""Accelerator figures: the exhaustive 6-mer search and one RBP's training on a GPU.

Runs on whatever accelerator the Keras backend sees; the figures in docs/performance.md are
meant for ``KERAS_BACKEND=jax`` on an NVIDIA GPU (TensorFlow and PyTorch GPUs are timed the
same way). Where the backend sees no accelerator, nothing is timed and the report says
so: ``{"gpu": null, "reason": ...}``. ``--allow-cpu`` times everything on the CPU instead,
at whatever size is asked (the tests use it at a small one).

On the accelerator, for the first trained model (the same default as ``bench_gia.py``; a
random-weight ResidualBind on random nulls where there is none, ``"trained": false``:
the same FLOPs and timings, but then the ranking check means little):

* ``raw_forward_seq_per_s`` for each ``--batch-sizes`` (rows per compiled call, each
  compiled once before timing), and the GFLOP/s of the fastest;
* ``exhaustive_kmer_search_s``: :func:`rbpgia.gia.kmer_search.kmer_search`, all 4^k k-mers
  x all nulls, at the fastest batch size (median of ``--repeats``), with the seconds spent
  inside the forward pass (``exhaustive_predict_s``; the rest is embedding on the host
  and the statistics);
* ``fast_kmer_search_s``: the adaptive search with the workflow's settings, and whether its
  top 10 (as a set) and top 1 equal the exhaustive search's;
* ``training``: the workflow's ``rbpgia.train.fit`` and a plain ``model.fit`` (batch 100)
  on ``--train-n`` random probes, samples/s per epoch after the first (as ``bench_train.py``).

``--merge FILE`` also writes the result as the ``gpu`` key of that JSON report (in
``make bench``: results/bench/gia.json), so one file holds the CPU and the GPU figures.

Usage: ``KERAS_BACKEND=jax python benchmarks/bench_gpu.py --out results/bench/gpu.json``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from bench_gia import DEFAULT_MODELS, model_jobs  # noqa: E402
from bench_train import compare_fits  # noqa: E402
from machine import (  # noqa: E402
    accelerator,
    describe,
    forward_flops,
    seconds,
    spread,
    timed,
    write_report,
)

from rbpgia.gia.kmer_search import adaptive_kmer_search, kmer_search  # noqa: E402
from rbpgia.models import build_residualbind  # noqa: E402
from rbpgia.train import load_model, make_predict_fn  # noqa: E402
from rbpgia.workflow.config import load_config  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Vendors' FP32 (non-tensor-core) peaks in TFLOP/s, by a pattern of the device's name. JAX
# may run float32 convolutions on tensor cores in TF32 (its default precision), so a
# fraction of this peak can exceed 1; the report records the precision setting.
FP32_PEAK_TFLOPS = {
    r"\bH200\b": 66.9,
    r"\bH100 PCIe\b": 51.2,
    r"\bH100\b": 66.9,
    r"\bA100\b": 19.5,
    r"\bL40S\b": 91.6,
    r"\bL4\b": 30.3,
}


def device_peak(name: str) -> float | None:
    """The vendor's FP32 peak of a device named ``name`` (TFLOP/s), where known."""
    for pattern, peak in FP32_PEAK_TFLOPS.items():
        if re.search(pattern, name):
            return peak
    return None


def matmul_precision() -> str | None:
    """JAX's default float32 matmul/convolution precision (None: the backend's default)."""
    if keras.backend.backend() != "jax":
        return None
    import jax

    return jax.config.jax_default_matmul_precision


def model_and_nulls(args, settings) -> tuple[keras.Model, np.ndarray, np.ndarray | None, dict]:
    """The first trained model with its data set's nulls, or random ones (and what was used)."""
    jobs = [job for job in model_jobs(args.models) if job[2] is not None]
    if jobs:
        from rbpgia.gia.run import settings as gia_settings
        from rbpgia.workflow.jobs import gia_prepare

        name, path, h5 = jobs[0]
        run = gia_prepare(h5, path, name.split("/")[-1], gia_settings(settings))
        return load_model(path), run.nulls, run.baseline, {"model": name, "trained": True}
    rng = np.random.default_rng(0)
    nulls = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (settings["n_null"], 41))]
    model = build_residualbind((41, 4), seed=0)
    return model, nulls, None, {"model": "untrained ResidualBind, random nulls", "trained": False}


def counting(predict):
    """``predict`` that also adds up its own wall time (``counting.seconds``)."""

    def timed_predict(x):
        out, spent = timed(predict, x)
        timed_predict.seconds += spent
        return out

    timed_predict.seconds = 0.0
    return timed_predict


def bench_search(model, nulls, baseline, settings, args) -> dict:
    flops = forward_flops(model)
    # Several calls per timing at every size, so that one call's dispatch does not decide it.
    rows = nulls[np.arange(4 * max(args.batch_sizes)) % len(nulls)]
    forward = {}
    for batch_size in args.batch_sizes:
        predict = make_predict_fn(model, batch_size=batch_size)
        predict(rows[:batch_size])  # compile
        forward[batch_size] = spread(
            len(rows) / seconds(predict, rows) for _ in range(args.repeats)
        )
    best = max(forward, key=lambda size: forward[size]["median"])
    # A new predict function is compiled again: once here, not inside the first search.
    predict = counting(make_predict_fn(model, batch_size=best))
    predict(rows[:best])
    batch_kmers = max(1, best // len(nulls))
    options = {"k": args.k, "baseline": baseline, "rng": 0, "batch_kmers": batch_kmers}
    exhaustive_times, predict_times, exhaustive = [], [], None
    for _ in range(args.repeats):
        predict.seconds = 0.0
        exhaustive, spent = timed(kmer_search, predict, nulls, **options)
        exhaustive_times.append(spent)
        predict_times.append(predict.seconds)
    fast_times, fast = [], None
    for _ in range(args.repeats):
        fast, spent = timed(
            adaptive_kmer_search,
            predict,
            nulls,
            n_screen=min(settings["screen_nulls"], len(nulls)),
            top=settings["search_top"],
            miss_probability=settings["miss_probability"],
            **options,
        )
        fast_times.append(spent)
    raw = forward[best]["median"]
    return {
        "nulls": len(nulls),
        "k": args.k,
        "forward_mflop_per_seq": round(flops / 1e6, 3),
        "raw_forward_seq_per_s_by_batch": {str(size): forward[size] for size in forward},
        "batch_size": best,
        "batch_kmers": batch_kmers,
        "raw_forward_seq_per_s": raw,
        "forward_gflops": round(raw * flops / 1e9, 1),
        "exhaustive_predictions": len(nulls) * 4**args.k,
        "exhaustive_tflop": round(len(nulls) * 4**args.k * flops / 1e12, 2),
        "exhaustive_kmer_search_s": spread(exhaustive_times),
        "exhaustive_predict_s": spread(predict_times),
        "fast_kmer_search_s": spread(fast_times),
        "fast_refined_kmers": int((fast["stage"] == "refined").sum()),
        "top10_identical": set(fast["kmer"][:10]) == set(exhaustive["kmer"][:10]),
        "top1_identical": bool(fast["kmer"].iloc[0] == exhaustive["kmer"].iloc[0]),
        "exhaustive_top10": exhaustive["kmer"][:10].tolist(),
    }


def merge(path: Path, gpu: dict | None, reason: str | None = None) -> None:
    """Set the ``gpu`` key (and ``gpu_reason`` where none) of the JSON report at ``path``."""
    report = json.loads(path.read_text())
    report["gpu"] = gpu
    report.pop("gpu_reason", None)
    if reason is not None:
        report["gpu_reason"] = reason
    write_report(report, path)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=[DEFAULT_MODELS], help="model globs")
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[4096, 16384, 65536], help="rows per call"
    )
    parser.add_argument("--k", type=int, default=6, help="k-mer length")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each timing")
    parser.add_argument("--train-n", type=int, default=20000, help="training probes")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per training run")
    parser.add_argument("--n-null", type=int, help="nulls (default: the gia config's n_null)")
    parser.add_argument("--allow-cpu", action="store_true", help="time on the CPU if no GPU")
    parser.add_argument("--merge", type=Path, help="also set this JSON report's gpu key")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)

    device = accelerator()
    report = {"benchmark": "GIA and training on an accelerator", "machine": describe()}
    if device is None and not args.allow_cpu:
        backend = keras.backend.backend()
        report["gpu"] = None
        report["reason"] = f"the {backend} backend sees no GPU on this machine"
        print(f"gpu: null ({report['reason']})")
    else:
        settings = load_config(REPO / "config/config.yaml")["gia"]
        if args.n_null:
            settings["n_null"] = args.n_null
        model, nulls, baseline, source = model_and_nulls(args, settings)
        device = device or {"name": "cpu (--allow-cpu)", "platform": "cpu", "count": 1}
        peak = device_peak(device["name"])
        search = bench_search(model, nulls, baseline, settings, args)
        gpu = {
            "device": device,
            "backend": keras.backend.backend(),
            **source,
            "fp32_peak_tflops": peak,
            "jax_default_matmul_precision": matmul_precision(),
            "fraction_of_fp32_peak": None
            if peak is None
            else round(search["forward_gflops"] / (peak * 1e3), 3),
            **search,
        }
        report["gpu"] = gpu
        # Saved before training, so a run stopped by a time limit keeps the search figures.
        write_report(report, args.out)
        gpu["training"] = compare_fits(args.train_n, args.epochs, args.repeats)
        training = gpu["training"]["rbpgia_fit_with_validation"]["samples_per_s"]["median"]
        print(
            f"{device['name']}: exhaustive {args.k}-mer search "
            f"{gpu['exhaustive_kmer_search_s']['median']:.2f} s "
            f"({gpu['exhaustive_predictions']:,} predictions, {gpu['exhaustive_tflop']} TFLOP; "
            f"forward {search['exhaustive_predict_s']['median']:.2f} s), "
            f"fast {gpu['fast_kmer_search_s']['median']:.2f} s, top10 {gpu['top10_identical']}, "
            f"forward {gpu['raw_forward_seq_per_s']:,.0f} seq/s = {gpu['forward_gflops']} GFLOP/s, "
            f"training {training:,.0f} samples/s"
        )
    write_report(report, args.out)
    if args.merge is not None and args.merge.exists():
        merge(args.merge, report["gpu"], report.get("reason"))
    return report


if __name__ == "__main__":
    main()
