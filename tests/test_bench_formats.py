"""benchmarks/bench_formats.py on a tiny run: both formats timed, equal, install size measured."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_formats  # noqa: E402


def test_bench_formats_times_both_formats_on_one_model(tmp_path):
    out = tmp_path / "formats.json"
    args = ["--models", "none/*.keras", "--n", "256", "--repeats", "2", "--k", "3"]
    bench_formats.main([*args, "--n-null", "20", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["trained"] is False  # no trained model matched: a random-weight one
    for kind in ("keras", "onnx"):
        assert report["forward_seq_per_s"][kind]["median"] > 0
        assert report["forward_seq_per_s"][kind]["repeats"] == 2
        assert report["kmer_search_s"][kind] > 0
    assert report["max_abs_difference"] < 1e-5
    assert isinstance(report["same_top10_kmers"], bool)  # near-ties may swap on a random model
    install = report["install_mb"]
    assert set(install["packages_mb"]) == {"onnx", "onnxruntime"}
    assert all(size > 1 for size in install["packages_mb"].values())
    assert install["total_mb"] < install["site_packages_mb"]
