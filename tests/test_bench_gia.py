"""The GIA benchmark's experiment timing, on a stand-in model (no TensorFlow work)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from rbpgia.encode.onehot import one_hot
from rbpgia.gia import DEFAULT_EXPERIMENTS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
bench_gia = pytest.importorskip("bench_gia")


def test_bench_experiments_reports_every_experiment_and_its_overhead():
    rng = np.random.default_rng(0)
    nulls = one_hot(["".join(rng.choice(list("ACGU"), n)) for n in rng.integers(30, 42, 60)])
    # Enough work per row that the forward pass's CPU time never rounds to zero.
    hidden = rng.normal(size=(41 * 4, 4000)).astype(np.float32)

    def predict(x):
        return np.tanh(x.reshape(len(x), -1) @ hidden).mean(axis=1)

    out = bench_gia.bench_experiments(predict, nulls, "UGCAUG", 2)
    assert set(out) == set(DEFAULT_EXPERIMENTS)
    # motif_count: the nulls themselves, then 1, 2 and 3 copies of the motif
    assert out["motif_count"]["sequences"] == 4 * len(nulls)
    for name, row in out.items():
        assert row["sequences"] % len(nulls) == 0, name
        assert row["repeats"] == 2
        raw, overhead = row["raw_forward_cpu_s"], row["gia_overhead_cpu_s"]
        assert raw > 0
        assert overhead > 0
        # The reported fraction comes from unrounded times.
        assert row["throughput_fraction_cpu"] == pytest.approx(raw / (raw + overhead), abs=0.01)
        assert 0 < row["throughput_fraction_cpu"] < 1
    assert out["hairpin"]["hairpin_with_fold_check_s"] > 0
