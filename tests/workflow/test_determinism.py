"""Determinism (issue 7): a second run with the same seeds writes identical tables; a new GIA
seed draws new nulls and re-runs GIA only, leaving the trained models alone."""

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from test_end_to_end import TIMES, TINY, snakemake

# Row keys of the GIA tables compared across seeds.
KEYS = {"kmer_search": "kmer", "motif_count": "n_sites", "spacing": "spacing"}


def result_files(run: Path, suffix: str) -> list[Path]:
    root = run / "results" / "tiny"
    return sorted(
        p.relative_to(root)
        for p in root.rglob(f"*{suffix}")
        if "logs" not in p.parts and "timings" not in p.parts  # wall time and memory of each job
    )


def comparable(path: Path):
    """A file's content with wall-clock fields left out."""
    if path.suffix == ".json":
        return {k: v for k, v in json.loads(path.read_text()).items() if k not in TIMES}
    if path.name == "history.tsv":
        return pd.read_csv(path, sep="\t").drop(columns=list(TIMES), errors="ignore").to_csv()
    return path.read_bytes()


@pytest.mark.slow
def test_same_seeds_identical_results_new_gia_seed_new_nulls(tmp_path, finished_run):
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    ours, reference = tmp_path / "results" / "tiny", finished_run / "results" / "tiny"

    tables = result_files(finished_run, ".tsv") + result_files(finished_run, ".json")
    assert result_files(tmp_path, ".tsv") + result_files(tmp_path, ".json") == tables
    assert len(tables) >= 40  # data, metrics, predictions, histories, every GIA table
    differing = [str(t) for t in tables if comparable(ours / t) != comparable(reference / t)]
    assert differing == []
    pool = Path("encoded") / "probes.h5"
    with h5py.File(ours / pool) as a, h5py.File(reference / pool) as b:
        for name in ("onehot", "structure"):
            assert np.array_equal(a[name][()], b[name][()])

    # A new GIA seed: new nulls, so new numbers; the models are not retrained.
    models = {p: p.stat().st_mtime_ns for p in ours.glob("models/*/*/model.keras")}
    assert len(models) == 5  # residualbind seq x 2 RBPs, deepbind_cnn x 2, R_STRUCT's pu
    reseeded = dict(TINY, gia=dict(TINY["gia"], seed=1))
    result = snakemake(tmp_path, "--cores", "2", config=reseeded)
    assert result.returncode == 0, result.stderr[-4000:]
    assert {p: p.stat().st_mtime_ns for p in models} == models
    for rbp in ("R_ADD", "R_STRUCT"):
        gia = Path("gia") / "residualbind_seq_log" / rbp
        # Rows are matched by key: the feasible spacings depend on the shortest null drawn.
        for experiment, key in KEYS.items():
            new = pd.read_csv(ours / gia / f"{experiment}.tsv", sep="\t")
            old = pd.read_csv(reference / gia / f"{experiment}.tsv", sep="\t")
            assert list(new.columns) == list(old.columns)
            both = new.merge(old, on=key, suffixes=("_new", "_old"))
            assert len(both) >= min(len(new), len(old)) - 2
            assert not np.allclose(both["importance_new"], both["importance_old"]), (
                f"{rbp} {experiment}: same numbers from another seed"
            )
    validation = pd.read_csv(ours / "gia" / "validation.tsv", sep="\t")
    before = pd.read_csv(reference / "gia" / "validation.tsv", sep="\t")
    assert validation[["rbp", "experiment", "check"]].equals(before[["rbp", "experiment", "check"]])
