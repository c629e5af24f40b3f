"""The memory benchmark's bookkeeping: job kinds and the comparison across RBP counts."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
bench_memory = pytest.importorskip("bench_memory")


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("gia_experiments/residualbind_seq_clip/SYN_00.tsv", "gia_experiments"),
        ("train_keras/deepbind_cnn_seq_clip/SYN_03.tsv", "train_keras/deepbind_cnn_seq_clip"),
        ("train_keras/residualbind_seq_clip/SYN_03.tsv", "train_keras/residualbind_seq_clip"),
        ("train_kmer_ridge/kmer_ridge_seq_clip/SYN_00.tsv", "train_kmer_ridge"),
        ("gia_summary.tsv", "gia_summary"),
    ],
)
def test_job_kind(relative, kind, tmp_path):
    assert bench_memory.job_kind(tmp_path / relative, tmp_path) == kind


def test_peak_rss_reads_snakemake_timing_files(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\n"
    files = {
        "train_keras/residualbind_seq_clip/SYN_00.tsv": 660.0,
        "train_keras/residualbind_seq_clip/SYN_01.tsv": 870.0,
        "train_keras/residualbind_seq_clip/SYN_02.tsv": 670.0,
        "encode.tsv": 400.0,
    }
    for relative, rss in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + f"10.0\t0:00:10\t{rss}\t2000.0\n")
    peaks = bench_memory.peak_rss(tmp_path)
    assert peaks["train_keras/residualbind_seq_clip"] == {
        "max_rss_mb": 870.0,
        "median_rss_mb": 670.0,
        "jobs": 3,
    }
    assert peaks["encode"] == {"max_rss_mb": 400.0, "median_rss_mb": 400.0, "jobs": 1}


def test_experiment_peaks_read_the_experiments_logs(tmp_path):
    lines = {
        "SYN_00": [("motif_count", 610), ("spacing", 650)],
        "SYN_01": [("motif_count", 600), ("spacing", 700)],
        "SYN_02": [("motif_count", 640), ("spacing", 660)],
    }
    for rbp, rows in lines.items():
        log = tmp_path / "gia" / "residualbind_seq_clip" / rbp / "experiments.log"
        log.parent.mkdir(parents=True)
        text = "2026-12-03 10:00:00 INFO rbpgia: model and 200 nulls ready in 1.2 s\n"
        for experiment, megabytes in rows:
            text += (
                f"2026-12-03 10:00:01 INFO rbpgia: {experiment}: 3 rows in 0.5 s "
                f"(peak RSS so far {megabytes} MB)\n"
            )
        log.write_text(text)
    peaks = bench_memory.experiment_peaks(tmp_path)
    assert peaks == {
        "gia_experiments/motif_count": {"max_rss_mb": 640.0, "median_rss_mb": 610.0, "jobs": 3},
        "gia_experiments/spacing": {"max_rss_mb": 700.0, "median_rss_mb": 660.0, "jobs": 3},
    }
    assert bench_memory.experiment_peaks(tmp_path / "missing") == {}


def kind(peak, median, jobs=1):
    return {"max_rss_mb": peak, "median_rss_mb": median, "jobs": jobs}


def test_compare_ratios_and_gathering_jobs():
    runs = {
        1: {"encode": kind(500.0, 500.0), "gia_summary": kind(200.0, 200.0)},
        4: {"encode": kind(550.0, 520.0, 4), "gia_summary": kind(300.0, 300.0)},
        16: {
            "encode": kind(600.0, 510.0, 16),
            "gia_summary": kind(800.0, 800.0),
            "gia_ism": kind(90.0, 90.0, 16),
        },
    }
    report = bench_memory.compare(runs)
    assert report["rbp_counts"] == [1, 4, 16]
    assert report["jobs"]["encode"]["ratio_16_vs_1"] == 1.2
    assert report["jobs"]["encode"]["median_ratio_16_vs_1"] == 1.02
    assert report["jobs"]["encode"]["max_rss_mb"] == {"1": 500.0, "4": 550.0, "16": 600.0}
    # Gathering jobs may grow; they do not count towards the per-RBP figures.
    assert report["jobs"]["gia_summary"]["gathers_all_rbps"] is True
    assert report["per_rbp_jobs_max_ratio"] == 1.2
    assert report["per_rbp_jobs_median_ratio"] == 1.02
    # A kind missing at the smallest count has no ratio rather than a wrong one.
    assert report["jobs"]["gia_ism"]["ratio_16_vs_1"] is None
    assert report["jobs"]["gia_ism"]["jobs"] == {"1": 0, "4": 0, "16": 16}


def test_compare_after_the_first_count_only():
    report = bench_memory.compare({1: {"encode": kind(500.0, 500.0)}})
    assert report["jobs"]["encode"]["ratio_1_vs_1"] == 1.0
