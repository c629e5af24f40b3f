"""Training throughput: the workflow's ``rbpgia.train.fit`` against a plain ``model.fit``.

Both train ResidualBind (batch 100) on the same random one-hot probes in one process,
alternating, so machine load affects them alike. Reported per epoch (the first, which
includes tracing, is dropped): samples per wall-clock second and per CPU-second, median
with min and max. ``fit`` also predicts the validation probes every epoch (that is its
early-stopping rule), and its epochs include that work. The fraction of the machine's
FP32 peak counts a training step as three forward passes. Writes JSON (``--out``).

Usage: ``python benchmarks/bench_train.py --n 20000 --epochs 3 --out results/bench/train.json``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import keras
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, forward_flops, peak_gflops, spread, write_report  # noqa: E402

from rbpgia import train  # noqa: E402
from rbpgia.models import build_residualbind  # noqa: E402


class EpochClock(keras.callbacks.Callback):
    """Wall and CPU seconds of each epoch."""

    def __init__(self):
        super().__init__()
        self.epochs: list[tuple[float, float]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        wall, cpu = self.start
        self.epochs.append((time.perf_counter() - wall, time.process_time() - cpu))


def plain_fit(x, y, epochs: int) -> list[tuple[float, float]]:
    model = build_residualbind(x.shape[1:], seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    clock = EpochClock()
    model.fit(x, y, batch_size=100, epochs=epochs, shuffle=True, verbose=0, callbacks=[clock])
    return clock.epochs[1:]


def workflow_fit(x, y, x_valid, y_valid, epochs: int) -> list[tuple[float, float]]:
    model = build_residualbind(x.shape[1:], seed=0)
    clock = EpochClock()
    train.fit(model, x, y, x_valid, y_valid, epochs=epochs, patience=epochs + 1, callbacks=[clock])
    return clock.epochs[1:]


def summary(epochs: list[tuple[float, float]], n: int) -> dict:
    array = np.array(epochs)
    return {
        "samples_per_s": spread(n / array[:, 0]),
        "samples_per_cpu_s": spread(n / array[:, 1]),
        "epochs_timed": len(epochs),
    }


def compare_fits(n: int, epochs: int, repeats: int, peak: float | None = None) -> dict:
    """Plain ``model.fit`` and the workflow's ``fit``, alternating, on ``n`` random probes.

    ``peak`` (GFLOP/s), where given, adds the workflow fit's fraction of it.
    """
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 41))]
    y = rng.normal(size=n).astype(np.float32)
    x_valid, y_valid = x[: n // 10], y[: n // 10]
    plain, ours = [], []
    for _ in range(repeats):
        plain += plain_fit(x, y, epochs)
        ours += workflow_fit(x, y, x_valid, y_valid, epochs)
    plain_rate = float(np.median([n / wall for wall, _ in plain]))
    ours_rate = float(np.median([n / wall for wall, _ in ours]))
    # One training step costs about three forward passes (forward, two backward products).
    train_flops = 3 * forward_flops(build_residualbind(x.shape[1:], seed=0))
    figures = {
        "n_train": n,
        "n_valid": len(x_valid),
        "plain_model_fit": summary(plain, n),
        "rbpgia_fit_with_validation": summary(ours, n),
        "ratio_wall": round(ours_rate / plain_rate, 3),
        "training_gflops": round(ours_rate * train_flops / 1e9, 1),
    }
    if peak is not None:
        figures["fraction_of_peak"] = round(ours_rate * train_flops / 1e9 / peak, 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="training probes (default 20000)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs (default 3)")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args()
    peak = peak_gflops()
    report = {
        "benchmark": "training throughput, ResidualBind, batch 100",
        "machine": describe(),
        **peak,
        "gpu": None,
        **compare_fits(args.n, args.epochs, args.repeats, peak["peak_gflops"]),
    }
    write_report(report, args.out)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
