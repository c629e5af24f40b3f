"""training.group_size > 1: one job trains a group of RBPs' models, each as if alone."""

import copy
import json
import re

import pandas as pd
import pytest
from test_end_to_end import TINY, snakemake

GROUPED = copy.deepcopy(TINY)
GROUPED["training"]["group_size"] = 2


@pytest.mark.slow
def test_grouped_training_writes_every_rbps_own_model(tmp_path):
    variant = "residualbind_seq_log"
    targets = [f"results/tiny/models/{variant}/{rbp}/metrics.json" for rbp in ("R_ADD", "R_STRUCT")]
    result = snakemake(tmp_path, "--cores", "2", *targets, config=GROUPED)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    results = tmp_path / "results" / "tiny"
    group_log = results / "logs" / "train" / variant / "groups" / "g000.log"
    text = group_log.read_text()
    assert "on 2 RBPs together" in text
    assert "R_ADD, R_STRUCT" in text
    for rbp in ("R_ADD", "R_STRUCT"):
        folder = results / "models" / variant / rbp
        metrics = json.loads((folder / "metrics.json").read_text())
        assert metrics["group_size"] == 2
        assert metrics["rbp"] == rbp
        assert -1 <= metrics["pearson_r"] <= 1
        history = pd.read_csv(folder / "history.tsv", sep="\t")
        # Its own schedule: epochs 1..n (n <= 3, the data set's limit), its best restored.
        assert history["epoch"].tolist() == list(range(1, len(history) + 1))
        assert len(history) <= 3
        assert metrics["epochs"] == len(history)
        assert metrics["best_epoch"] == int(history.loc[history["val_pearson_r"].idxmax(), "epoch"])
        assert f"{rbp}: done after {len(history)} epochs" in text
        predictions = pd.read_csv(folder / "predictions.tsv", sep="\t")
        assert len(predictions) == metrics["n_test"]
        assert (folder / "model.keras").stat().st_size > 100_000
        member_log = (results / "logs" / "train" / variant / f"{rbp}.log").read_text()
        assert str(group_log.relative_to(tmp_path)) in member_log

    # What is left to train (known once the pool is encoded): per model variant one group
    # job for the RBPs it is trained for, each RBP's files copied where the single-RBP rule
    # writes them: deepbind_cnn for both RBPs, the pu model for R_STRUCT alone.
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=GROUPED)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", out, flags=re.M))
    assert planned["train_keras_group"] == "2", planned
    assert planned["train_keras_member"] == "3", planned
    assert "train_keras" not in planned

    # A structure model with training settings of its own (R_STRUCT's, TINY) trains in a
    # group of its own; R_ADD's plain pu model would have shared a group with it.
    both = copy.deepcopy(GROUPED)
    both["gia"]["structure_models"]["R_ADD"] = "pu"
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=both)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", out, flags=re.M))
    assert planned["train_keras_group"] == "3", planned  # deepbind_cnn; pu g000, pu g001
    assert planned["train_keras_member"] == "4", planned
    plain = copy.deepcopy(both)
    plain["gia"]["structure_models"]["R_STRUCT"] = "pu"
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=plain)
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout + result.stderr, flags=re.M))
    assert planned["train_keras_group"] == "2", planned  # deepbind_cnn; both pu models
