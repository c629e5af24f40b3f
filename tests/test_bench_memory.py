"""The memory benchmark's bookkeeping: job kinds and the comparison across RBP counts."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
bench_memory = pytest.importorskip("bench_memory")


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("gia_experiment/residualbind_seq_clip/SYN_00/spacing.tsv", "gia_experiment/spacing"),
        ("train_keras/deepbind_cnn_seq_clip/SYN_03.tsv", "train_keras/deepbind_cnn_seq_clip"),
        ("train_keras/residualbind_seq_clip/SYN_03.tsv", "train_keras/residualbind_seq_clip"),
        ("train_kmer_ridge/kmer_ridge_seq_clip/SYN_00.tsv", "train_kmer_ridge"),
        ("gia_summary.tsv", "gia_summary"),
    ],
)
def test_job_kind(relative, kind, tmp_path):
    assert bench_memory.job_kind(tmp_path / relative, tmp_path) == kind


def test_compare_ratios_and_gathering_jobs():
    runs = {
        1: {
            "encode": {"max_rss_mb": 500.0, "jobs": 1},
            "gia_summary": {"max_rss_mb": 200.0, "jobs": 1},
        },
        4: {
            "encode": {"max_rss_mb": 550.0, "jobs": 1},
            "gia_summary": {"max_rss_mb": 300.0, "jobs": 1},
        },
        16: {
            "encode": {"max_rss_mb": 600.0, "jobs": 1},
            "gia_summary": {"max_rss_mb": 800.0, "jobs": 1},
            "gia_ism": {"max_rss_mb": 90.0, "jobs": 16},
        },
    }
    report = bench_memory.compare(runs)
    assert report["rbp_counts"] == [1, 4, 16]
    assert report["jobs"]["encode"]["ratio_16_vs_1"] == 1.2
    assert report["jobs"]["encode"]["max_rss_mb"] == {"1": 500.0, "4": 550.0, "16": 600.0}
    # Gathering jobs may grow; they do not count towards the per-RBP figure.
    assert report["jobs"]["gia_summary"]["gathers_all_rbps"] is True
    assert report["per_rbp_jobs_max_ratio"] == 1.2
    # A kind missing at the smallest count has no ratio rather than a wrong one.
    assert report["jobs"]["gia_ism"]["ratio_16_vs_1"] is None
    assert report["jobs"]["gia_ism"]["jobs"] == {"1": 0, "4": 0, "16": 16}


def test_compare_after_the_first_count_only():
    report = bench_memory.compare({1: {"encode": {"max_rss_mb": 500.0, "jobs": 1}}})
    assert report["jobs"]["encode"]["ratio_1_vs_1"] == 1.0
