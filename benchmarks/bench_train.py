"""Training throughput: the workflow's ``rbpgia.train.fit`` against a plain ``model.fit``.

Both train ResidualBind (batch 100) on the same random one-hot probes in one process,
alternating, so machine load affects them alike. Reported per epoch (the first, which
includes tracing, is dropped): samples per wall-clock second and per CPU-second, median
with min and max. ``fit`` also predicts the validation probes every epoch (that is its
early-stopping rule), and its epochs include that work. The fraction of the machine's
FP32 peak counts a training step as three forward passes. Writes JSON (``--out``).

With ``--group-sizes 1,4,16,64``, also the throughput of training that many models at once
(``rbpgia.train_group.fit_group``, training.group_size), each on its own ``--n`` probes:
samples per second summed over the group, and against a group of one. On a GPU that is the
point of grouping; on CPUs one model per core is already the most throughput.

With ``--loop-overhead``, also the training loop's own cost per step, without the model's
arithmetic: a one-layer model (Flatten, Dense(1)) trained by ``fit`` and by ``fit_group`` at
each group size, and :class:`rbpgia.train.ShuffledBatches` building the batches alone. On a
GPU the backend computes while the host prepares the next step, so this is the floor under
a step's time: no GPU makes training faster than it.

Usage: ``python benchmarks/bench_train.py --n 20000 --epochs 3 --out results/bench/train.json``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keras
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import (  # noqa: E402
    accelerator,
    describe,
    forward_flops,
    peak_gflops,
    spread,
    write_report,
)

from rbpgia import train  # noqa: E402
from rbpgia.models import build_residualbind  # noqa: E402
from rbpgia.train_group import fit_group  # noqa: E402


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


def workflow_fit(x, y, x_valid, y_valid, epochs: int, model=None) -> list[tuple[float, float]]:
    """``rbpgia.train.fit`` of ``model`` (default: a ResidualBind), every epoch run: wall and
    CPU seconds of each epoch after the first."""
    if model is None:
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


def random_probes(count: int, n: int, rng: np.random.Generator):
    """``count`` training sets of ``n`` random one-hot 41-nt probes and normal targets."""
    xs = [np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 41))] for _ in range(count)]
    return xs, [rng.normal(size=n).astype(np.float32) for _ in range(count)]


def timed_group_fit(models, xs, ys, epochs: int) -> np.ndarray:
    """``fit_group`` of ``models`` on ``xs``/``ys`` (a tenth of each as validation), every
    epoch run: wall seconds of each epoch after the first (which includes tracing)."""
    clock = EpochClock()
    fit_group(
        models,
        xs,
        ys,
        [x[: len(x) // 10] for x in xs],
        [y[: len(y) // 10] for y in ys],
        epochs=epochs,
        patience=epochs + 1,
        callbacks=[clock],
    )
    return np.array([wall for wall, _ in clock.epochs[1:]])


def compare_fits(n: int, epochs: int, repeats: int, peak: float | None = None) -> dict:
    """Plain ``model.fit`` and the workflow's ``fit``, alternating, on ``n`` random probes.

    ``peak`` (GFLOP/s), where given, adds the workflow fit's fraction of it.
    """
    (x,), (y,) = random_probes(1, n, np.random.default_rng(0))
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


def group_fit(n: int, epochs: int, size: int) -> dict:
    """``size`` ResidualBinds trained together, each on its own ``n`` random probes."""
    xs, ys = random_probes(size, n, np.random.default_rng(size))
    models = [build_residualbind((41, 4), seed=i) for i in range(size)]
    walls = timed_group_fit(models, xs, ys, epochs)
    return {
        "group_size": size,
        "n_train_per_model": n,
        "samples_per_s": spread(size * n / walls),
        "epochs_timed": len(walls),
    }


def compare_group_sizes(n: int, epochs: int, sizes: list[int]) -> Iterator[list[dict]]:
    """:func:`group_fit` per size, with each one's throughput against a group of one
    (once timed): the rows so far after each size, so a caller can save them as they come."""
    rows = []
    for size in sizes:
        rows.append(group_fit(n, epochs, size))
        base = next((row for row in rows if row["group_size"] == 1), None)
        for row in rows:
            if base is not None:
                ratio = row["samples_per_s"]["median"] / base["samples_per_s"]["median"]
                row["speedup_vs_one"] = round(ratio, 2)
        yield rows


def one_layer_model(seed: int) -> keras.Model:
    """A model whose step costs next to no arithmetic: the loop's cost shows alone."""
    inputs = keras.Input((41, 4))
    initializer = keras.initializers.GlorotUniform(seed)
    outputs = keras.layers.Dense(1, kernel_initializer=initializer)(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, outputs)


def loop_overhead(n: int, epochs: int, sizes: list[int]) -> dict:
    """Milliseconds per training step (batch 100 per model) of ``fit`` and ``fit_group`` on
    :func:`one_layer_model`, each on its own ``n`` random probes, validation included, median
    over the epochs after the first; and of building a step's batches alone."""
    rng = np.random.default_rng(0)
    steps = -(-n // 100)
    (x,), (y,) = random_probes(1, n, rng)
    epochs_run = workflow_fit(x, y, x[: n // 10], y[: n // 10], epochs, one_layer_model(0))
    fit_ms = 1000 * float(np.median([wall for wall, _ in epochs_run])) / steps
    rows = []
    for size in sizes:
        xs, ys = random_probes(size, n, rng)
        walls = timed_group_fit([one_layer_model(i) for i in range(size)], xs, ys, epochs)
        step_ms = 1000 * float(np.median(walls)) / steps
        batches = train.ShuffledBatches(xs, ys, 100, list(range(size)), grouped=True)
        started = time.perf_counter()
        for index in range(len(batches)):
            batches[index]
        batch_ms = 1000 * (time.perf_counter() - started) / len(batches)
        rows.append(
            {
                "group_size": size,
                "ms_per_step": round(step_ms, 3),
                "batches_ms_per_step": round(batch_ms, 3),
                "samples_per_s_ceiling": round(size * 100 / step_ms * 1000),
            }
        )
    return {"n_train_per_model": n, "fit_ms_per_step": round(fit_ms, 3), "grouped": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="training probes (default 20000)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs (default 3)")
    parser.add_argument(
        "--group-sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        help="also time training this many models at once, e.g. 1,4,16,64 (default: none)",
    )
    parser.add_argument(
        "--loop-overhead",
        action="store_true",
        help="also time the training loop alone on a one-layer model (at --group-sizes, or 1)",
    )
    parser.add_argument(
        "--loop-n", type=int, help="training probes per model for --loop-overhead (default --n)"
    )
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args()
    peak = peak_gflops()
    # Where the backend trains on a GPU, the CPU's peak says nothing of the fraction used.
    gpu = accelerator()
    report = {
        "benchmark": "training throughput, ResidualBind, batch 100",
        "machine": describe(),
        "backend": keras.backend.backend(),
        **peak,
        "gpu": gpu,
        # False until every part is timed: the report is saved after each part, so a run
        # stopped by a time limit (a lent GPU's) keeps what it measured.
        "complete": False,
        **compare_fits(args.n, args.epochs, args.repeats, None if gpu else peak["peak_gflops"]),
    }
    write_report(report, args.out)
    if args.loop_overhead:
        sizes = args.group_sizes or [1]
        report["loop_overhead"] = loop_overhead(args.loop_n or args.n, max(args.epochs, 2), sizes)
        write_report(report, args.out)
    for rows in compare_group_sizes(args.n, args.epochs, args.group_sizes or []):
        report["grouped_training"] = rows
        write_report(report, args.out)
    report["complete"] = True
    write_report(report, args.out)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
