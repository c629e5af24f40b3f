"""Training throughput: the workflow's ``rbpgia.train.fit`` against a plain ``model.fit``.

Both train ResidualBind (batch 100) on the same random one-hot probes in one process,
alternating, so machine load affects them alike. Reported per epoch (the first, which
includes tracing, is dropped): samples per wall-clock second and per CPU-second. ``fit``
also predicts the validation probes every epoch (that is its early-stopping rule), so its
wall time includes that work. Writes JSON (``--out``) and prints it.

Usage: ``python benchmarks/bench_train.py --n 20000 --epochs 3 --repeats 2 --out train.json``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np

from rbpgia import train
from rbpgia.models import build_residualbind


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
    cpu_start = time.process_time()
    history = train.fit(model, x, y, x_valid, y_valid, epochs=epochs, patience=epochs + 1)
    cpu_per_epoch = (time.process_time() - cpu_start) / len(history)
    return [(seconds, cpu_per_epoch) for seconds in history["seconds"].to_numpy()[1:]]


def summary(epochs: list[tuple[float, float]], n: int) -> dict:
    array = np.array(epochs)
    return {
        "samples_per_s": float(np.median(n / array[:, 0])),
        "samples_per_cpu_s": float(np.median(n / array[:, 1])),
        "epochs_timed": len(epochs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="training probes (default 20000)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs (default 2)")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (args.n, 41))]
    y = rng.normal(size=args.n).astype(np.float32)
    x_valid, y_valid = x[: args.n // 10], y[: args.n // 10]
    plain, ours = [], []
    for _ in range(args.repeats):
        plain += plain_fit(x, y, args.epochs)
        ours += workflow_fit(x, y, x_valid, y_valid, args.epochs)
    report = {
        "benchmark": "training throughput, ResidualBind, batch 100",
        "n_train": args.n,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version()},
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "plain_model_fit": summary(plain, args.n),
        "rbpgia_fit_with_validation": summary(ours, args.n),
    }
    report["ratio_cpu"] = (
        report["rbpgia_fit_with_validation"]["samples_per_cpu_s"]
        / report["plain_model_fit"]["samples_per_cpu_s"]
    )
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
