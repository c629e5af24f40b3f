"""The accelerator benchmark: gpu null where there is none, and every figure with --allow-cpu."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_gpu  # noqa: E402


@pytest.fixture(autouse=True)
def no_accelerator(monkeypatch):
    """As on a CPU-only machine, whatever this one has."""
    monkeypatch.setattr(bench_gpu, "accelerator", lambda: None)


def test_without_an_accelerator_the_report_says_gpu_null_and_why(tmp_path):
    gia = tmp_path / "gia.json"
    gia.write_text(json.dumps({"gpu": "stale", "top1_identical": True}))
    out = tmp_path / "gpu.json"
    report = bench_gpu.main(["--out", str(out), "--merge", str(gia)])
    assert report["gpu"] is None
    assert "sees no GPU" in report["reason"]
    assert json.loads(out.read_text())["gpu"] is None
    merged = json.loads(gia.read_text())
    assert merged == {"gpu": None, "top1_identical": True, "gpu_reason": report["reason"]}


def test_allow_cpu_times_the_searches_and_training(tmp_path):
    args = ["--allow-cpu", "--models", str(tmp_path / "none/*.keras"), "--k", "3"]
    args += ["--n-null", "40", "--batch-sizes", "128", "512", "--repeats", "1"]
    args += ["--train-n", "400", "--epochs", "2", "--out", str(tmp_path / "gpu.json")]
    gpu = bench_gpu.main(args)["gpu"]
    assert gpu["trained"] is False
    assert gpu["device"]["platform"] == "cpu"
    assert gpu["fp32_peak_tflops"] is None
    assert gpu["jax_default_matmul_precision"] is None  # TensorFlow here
    assert gpu["fraction_of_fp32_peak"] is None
    assert set(gpu["raw_forward_seq_per_s_by_batch"]) == {"128", "512"}
    assert gpu["batch_size"] in (128, 512)
    assert gpu["batch_kmers"] == gpu["batch_size"] // 40
    assert gpu["exhaustive_predictions"] == 40 * 4**3
    # ResidualBind: about 9.6 MFLOP per 41-nt probe
    assert 9.0 < gpu["forward_mflop_per_seq"] < 10.0
    assert 0 < gpu["exhaustive_predict_s"]["median"] <= gpu["exhaustive_kmer_search_s"]["median"]
    # With 40 nulls the screen already sees every null, so the two searches must agree
    # unless they ran on different nulls, baselines or predictions.
    assert gpu["top10_identical"]
    assert gpu["top1_identical"]
    assert len(gpu["exhaustive_top10"]) == 10
    training = gpu["training"]
    assert training["n_train"] == 400
    assert training["rbpgia_fit_with_validation"]["epochs_timed"] == 1
    assert training["ratio_wall"] > 0
    assert json.loads((tmp_path / "gpu.json").read_text())["gpu"]["k"] == 3


def test_known_devices_have_a_vendor_peak():
    assert bench_gpu.device_peak("NVIDIA H200") == pytest.approx(66.9)
    assert bench_gpu.device_peak("NVIDIA H100 PCIe") == pytest.approx(51.2)
    assert bench_gpu.device_peak("NVIDIA L40S") == pytest.approx(91.6)
    assert bench_gpu.device_peak("NVIDIA L4") == pytest.approx(30.3)
    assert bench_gpu.device_peak("some new chip") is None


def test_the_device_script_runs_through_on_the_cpu(tmp_path):
    """benchmarks/gpu.sh as a lent machine would run it, at a tiny size: every step must
    finish, a group of one included (device time is too scarce to find a crash there)."""
    import os
    import subprocess

    repo = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "KERAS_BACKEND": "tensorflow",
        "TRAIN_N": "300",
        "GROUP_SIZES": "1,2",
        "LOOP_N": "200",
    }
    done = subprocess.run(
        ["bash", "benchmarks/gpu.sh", "", str(tmp_path)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "gpu.json").read_text())["gpu"] is None  # no GPU here
    training = json.loads((tmp_path / "train_gpu.json").read_text())
    assert training["complete"] is True
    groups = training["grouped_training"]
    assert [row["group_size"] for row in groups] == [1, 2]
    assert [row["n_train_per_model"] for row in groups] == [300, 300]
    assert groups[0]["speedup_vs_one"] == 1.0
    assert all(row["samples_per_s"]["median"] > 0 for row in groups)
    assert training["gpu"] is None
    assert training["backend"] == "tensorflow"
    loop = training["loop_overhead"]
    assert [row["group_size"] for row in loop["grouped"]] == [1, 2]
    assert loop["n_train_per_model"] == 200
    assert 0 < loop["fit_ms_per_step"] < 1000
    for row in loop["grouped"]:
        assert 0 < row["batches_ms_per_step"] < row["ms_per_step"]
        ceiling = row["group_size"] * 100 / row["ms_per_step"] * 1000
        assert row["samples_per_s_ceiling"] == pytest.approx(ceiling, rel=0.01)


def test_a_training_run_cut_short_keeps_what_it_measured(tmp_path, monkeypatch):
    """A lent GPU's time limit may stop bench_train mid-way: each part is saved as it ends."""
    import bench_train

    def group_fit(n, epochs, size):
        if size > 1:
            raise KeyboardInterrupt  # as a time limit would stop it
        return {"group_size": size, "samples_per_s": {"median": 10.0}}

    monkeypatch.setattr(bench_train, "group_fit", group_fit)
    monkeypatch.setattr(bench_train, "compare_fits", lambda *args: {"n_train": 100})
    monkeypatch.setattr(bench_train, "loop_overhead", lambda *args: {"fit_ms_per_step": 1.0})
    out = tmp_path / "train.json"
    argv = ["bench_train.py", "--group-sizes", "1,4", "--loop-overhead", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(KeyboardInterrupt):
        bench_train.main()
    report = json.loads(out.read_text())
    assert report["complete"] is False
    assert report["n_train"] == 100
    assert report["loop_overhead"] == {"fit_ms_per_step": 1.0}
    assert report["grouped_training"] == [
        {"group_size": 1, "samples_per_s": {"median": 10.0}, "speedup_vs_one": 1.0}
    ]
