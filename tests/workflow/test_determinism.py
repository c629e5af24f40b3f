"""Determinism (issue 7): a new GIA seed draws new nulls and re-runs GIA only, leaving the
trained models alone.

That a second run with the same seeds writes identical results is asked by the SLURM test
(tests/slurm: every output computed again) and tests/workflow/test_interrupt.py (its re-run
after two faults computes R_ADD's models and all that follows from them again): each must
equal the uninterrupted run byte for byte, wall-clock fields aside. Here a copy of the
uninterrupted run is re-run with another seed.
"""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_end_to_end import TINY, snakemake

# Row keys of the GIA tables compared across seeds.
KEYS = {"kmer_search": "kmer", "motif_count": "n_sites", "spacing": "spacing"}


@pytest.mark.slow
def test_a_new_gia_seed_draws_new_nulls_and_retrains_nothing(tmp_path, finished_run):
    # copytree keeps modification times, and .snakemake/ the run's records: Snakemake sees
    # the copy as the finished run it is.
    shutil.copytree(finished_run, tmp_path, symlinks=True, dirs_exist_ok=True)
    ours, reference = tmp_path / "results" / "tiny", finished_run / "results" / "tiny"
    # A new GIA seed: new nulls, so new numbers; the models are not retrained.
    models = list(ours.glob("models/*/*/model.keras"))
    assert len(models) == 5  # residualbind seq x 2 RBPs, deepbind_cnn x 2, R_STRUCT's pu
    kept = {p: p.stat().st_mtime_ns for p in [*models, ours / "encoded" / "probes.h5"]}
    reseeded = dict(TINY, gia=dict(TINY["gia"], seed=1))
    result = snakemake(tmp_path, "--cores", "2", config=reseeded)
    assert result.returncode == 0, result.stderr[-4000:]
    assert {p: p.stat().st_mtime_ns for p in kept} == kept
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
