"""A tiny end-to-end run of the whole workflow in a temporary directory."""

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from rbpgia.encode.store import read_sequences
from rbpgia.encode.structure import structure_profiles
from rbpgia.simulate.recovery import CHECKS

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")

TINY = {
    "dataset": "tiny",
    "datasets": {
        "tiny": {
            "format": "synthetic",
            "n_probes": 800,
            "seed": 7,
            "rbps": {
                "R_ADD": {"motif": "UGCAUG", "planted_fraction": 0.5, "site_strength": 2.0},
                "R_STRUCT": {"motif": "UAAUU", "accessibility": 1.0, "planted_fraction": 0.5},
            },
            # The data set's own settings replace these keys of the top-level sections.
            "training": {"epochs": 3},
            "gia": {"n_null": 40},
        }
    },
    "encode": {"threads": 2},
    "training": {"epochs": 30, "patience": 2, "lr_patience": 1, "threads": 1},
    "gia": {
        "n_null": 60,
        "n_boot": 200,
        "k": 4,
        "ism_probes": 2,
        "threads": 1,
        # R_STRUCT's hairpin experiment is asked of a pu model too (trained for it alone),
        # here a seed ensemble of two on a schedule of its own.
        "structure_models": {"R_STRUCT": {"input": "pu", "training": {"ensemble": 2, "epochs": 2}}},
    },
}


def snakemake(workdir, *args, config=TINY):
    (workdir / "config").mkdir(exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


# The run itself is the session fixture ``finished_run`` of conftest.py (shared with
# test_report.py).


@pytest.mark.slow
def test_workflow_produces_every_output(finished_run):
    out = finished_run / "results" / "tiny"
    with h5py.File(out / "encoded" / "probes.h5") as h5:
        assert h5["onehot"].shape == (800, 41, 4)
        structure = h5["structure"][:]
        covered = h5["onehot"][:].sum(axis=2) > 0
        np.testing.assert_allclose(structure.sum(axis=2)[covered], 1.0, atol=1e-5)
        assert sorted(h5["targets"]) == ["R_ADD", "R_STRUCT"]
    # R_STRUCT's accessibility rule made the generator fold the pool; encode reused that.
    assert "reusing the generator's structure profiles" in (out / "logs" / "encode.log").read_text()
    assert not (out / "data" / "folded.npz").exists()  # temporary
    sequences = read_sequences(out / "encoded" / "probes.h5")[:25]
    np.testing.assert_array_equal(structure[:25], structure_profiles(sequences))
    experiments = pd.read_csv(out / "encoded" / "experiments.tsv", sep="\t")
    assert experiments["status"].tolist() == ["ok", "ok"]
    assert (experiments["n_set_a"] + experiments["n_set_b"] + experiments["n_missing"] == 800).all()
    truth = json.loads((out / "data" / "ground_truth.json").read_text())
    assert len(truth["scores"]["R_ADD"]) == 800

    performance = pd.read_csv(out / "benchmark" / "performance.tsv", sep="\t")
    assert set(performance["model"]) == {"residualbind", "kmer_ridge", "deepbind_cnn"}
    assert len(performance) == 6
    assert performance["pearson_r"].between(-1, 1).all()
    # Same splits for every model of an RBP.
    assert (performance.groupby("rbp")["n_test"].nunique() == 1).all()
    assert performance["noise_ceiling_r"].between(0.3, 1).all()
    for rbp in ("R_ADD", "R_STRUCT"):
        model_dir = out / "models" / "residualbind_seq_log" / rbp
        history = pd.read_csv(model_dir / "history.tsv", sep="\t")
        assert list(history.columns[:5]) == ["epoch", "loss", "val_loss", "val_pearson_r", "lr"]
        assert 1 <= len(history) <= 3
        metrics = json.loads((model_dir / "metrics.json").read_text())
        for key in ("pearson_r", "spearman_r", "n_test", "epochs", "seconds"):
            assert key in metrics
        assert (out / "benchmark" / "scatter" / f"{rbp}.png").stat().st_size > 10_000
    assert (out / "data" / "overview.png").stat().st_size > 10_000
    # datasets.tiny.gia.n_null (40) replaced the top-level gia.n_null (60) in the GIA jobs.
    for experiment in ("kmer_search", "positional"):
        path = out / "gia" / "residualbind_seq_log" / "R_ADD" / f"{experiment}.tsv"
        table = pd.read_csv(path, sep="\t")
        assert set(table["n"]) == {40}, experiment
        # Every GIA table names its experiment and the nulls it was measured on.
        assert set(table["experiment"]) == {experiment}
        assert set(table["null"]) == {"profile"}
    # Every experiment's conditions carry their training support, counted over R_ADD's
    # measured Set A probes (with their structure profiles: hairpin too).
    gia_dir = out / "gia" / "residualbind_seq_log" / "R_ADD"
    n_set_a = int(experiments.set_index("experiment").loc["R_ADD", "n_set_a"])
    for experiment in ("kmer_mutagenesis", "positional", "motif_count", "spacing"):
        table = pd.read_csv(gia_dir / f"{experiment}.tsv", sep="\t")
        assert list(table.columns[-3:]) == ["support", "support_1mm", "extrapolated"]
        conditions = table[table["kind"] == "condition"]
        assert conditions["support"].notna().all(), experiment
        assert conditions["support"].between(0, n_set_a).all(), experiment
        assert (conditions["support"] <= conditions["support_1mm"]).all(), experiment
        assert (conditions["extrapolated"] == (conditions["support"] < 10)).all(), experiment
    for experiment in ("gc_bias", "hairpin", "flanks"):
        table = pd.read_csv(gia_dir / f"{experiment}.tsv", sep="\t")
        assert table.loc[table["kind"] == "condition", "support"].notna().all(), experiment
    counts = pd.read_csv(gia_dir / "motif_count.tsv", sep="\t").set_index("condition")
    # At least n copies: never more probes for more copies.
    assert counts.loc["1", "support"] >= counts.loc["2", "support"] >= counts.loc["3", "support"]
    assert counts.loc["3 - 2", "support"] == counts.loc["3", "support"]
    log = (out / "logs" / "gia" / "residualbind_seq_log" / "R_ADD" / "experiments.log").read_text()
    assert f"support counted over {n_set_a} training probes (Set A)" in log
    summary = pd.read_csv(out / "data" / "summary.tsv", sep="\t")
    assert {"n_capped", "capped_fraction"} <= set(summary.columns)
    assert "extrapolated" in pd.read_csv(out / "gia" / "summary.tsv", sep="\t").columns


@pytest.mark.slow
def test_structure_model_answers_the_hairpin_check(finished_run):
    """gia.structure_models: a pu model for R_STRUCT only, its hairpin table used downstream."""
    out = finished_run / "results" / "tiny"
    trained = out.glob("models/residualbind_pu_log/*/model.keras")
    assert sorted(path.parent.name for path in trained) == ["R_STRUCT"]
    # Its own training settings: two members from seeds 0 and 1, at most 2 epochs each.
    metrics = json.loads((out / "models/residualbind_pu_log/R_STRUCT/metrics.json").read_text())
    assert metrics["ensemble"] == 2
    assert [member["seed"] for member in metrics["members"]] == [0, 1]
    assert all(1 <= member["epochs"] <= 2 for member in metrics["members"])
    history = pd.read_csv(out / "models/residualbind_pu_log/R_STRUCT/history.tsv", sep="\t")
    assert sorted(history["member"].unique()) == ["seed0", "seed1"]
    gia = out / "gia"
    structure = pd.read_csv(gia / "residualbind_pu_log" / "R_STRUCT" / "hairpin.tsv", sep="\t")
    sequence = pd.read_csv(gia / "residualbind_seq_log" / "R_STRUCT" / "hairpin.tsv", sep="\t")
    # Same motif (the main model's search), same design rows; the pu model refolded them.
    assert structure["motif"].tolist() == sequence["motif"].tolist()
    assert structure["condition"].tolist() == sequence["condition"].tolist()
    assert structure["structure_recomputed"].all()
    assert not sequence["structure_recomputed"].any()
    assert not np.allclose(structure["importance"], sequence["importance"])
    # The ensemble's table holds each member's importance and headline; a lone model's not.
    members = ["member0_importance", "member1_importance"]
    assert set(members) <= set(structure.columns)
    assert not set(members) & set(sequence.columns)
    assert np.allclose(structure["importance"], structure[members].mean(axis=1), atol=1e-5)
    summary = pd.read_csv(gia / "summary.tsv", sep="\t")
    spread = summary.set_index(["rbp", "experiment"])[["member_min", "member_max"]]
    headlines = structure[["member0_headline", "member1_headline"]].iloc[0]
    assert spread.loc[("R_STRUCT", "hairpin")].tolist() == pytest.approx(
        [headlines.min(), headlines.max()], rel=1e-5
    )
    assert spread.loc[("R_ADD", "hairpin")].isna().all()
    models = summary.set_index(["rbp", "experiment"])["model"]
    assert models["R_STRUCT", "hairpin"] == "residualbind_pu_log"
    assert models["R_ADD", "hairpin"] == "residualbind_seq_log"
    assert models["R_STRUCT", "motif_count"] == "residualbind_seq_log"
    validation = pd.read_csv(gia / "validation.tsv", sep="\t").set_index(["rbp", "experiment"])
    hairpin = validation.loc[[("R_STRUCT", "hairpin")]]
    assert hairpin["model"].tolist() == ["residualbind_pu_log"]
    loop_minus_stem = structure.loc[structure["condition"] == "loop - stem", "importance"].item()
    assert f"{loop_minus_stem:+.4f}" in hairpin["observed"].item()


@pytest.mark.slow
def test_a_tied_runner_up_motif_is_asked_the_same_questions(finished_run):
    """gia.runner_up: where the search's second k-mer ties the first, every experiment's
    headline with it, beside the motif's in the summary; no rows where none ties."""
    from rbpgia.gia.experiments.search import near_tie
    from rbpgia.gia.registry import DEFAULT_EXPERIMENTS
    from rbpgia.headlines import RUNNER_UP_FILE_COLUMNS

    gia = finished_run / "results" / "tiny" / "gia"
    summary = pd.read_csv(gia / "summary.tsv", sep="\t")
    # gia.experiments: null, so every default experiment; each places the motif.
    experiments = list(DEFAULT_EXPERIMENTS)
    for rbp in ("R_ADD", "R_STRUCT"):
        folder = gia / "residualbind_seq_log" / rbp
        tied = near_tie(pd.read_csv(folder / "kmer_search.tsv", sep="\t"))
        rows = pd.read_csv(folder / "runner_up.tsv", sep="\t")
        assert list(rows.columns) == RUNNER_UP_FILE_COLUMNS
        mine = summary[(summary["rbp"] == rbp) & (summary["model"] == "residualbind_seq_log")]
        mine = mine.set_index("experiment").drop(index="kmer_search")
        if tied is None:
            assert rows.empty, rbp
            assert mine["runner_up_motif"].isna().all(), rbp
            continue
        assert rows["experiment"].tolist() == experiments, rbp
        assert (rows["motif"] == tied["kmer"]).all(), rbp
        log = gia.parent / "logs" / "gia" / "residualbind_seq_log" / rbp / "experiments.log"
        log = log.read_text()
        for _, other in rows.iterrows():
            if other["experiment"] not in mine.index:
                # R_STRUCT's hairpin headline is its structure model's, with no runner-up.
                assert (rbp, other["experiment"]) == ("R_STRUCT", "hairpin")
                continue
            line = mine.loc[other["experiment"]]
            assert line["runner_up_motif"] == tied["kmer"]
            assert line["runner_up_detail"] == other["detail"]
            assert line["motif_robust"] == other["motif_robust"]
            verdict = "the same answer" if other["motif_robust"] else "ANOTHER ANSWER"
            assert re.search(f"{other['experiment']} with .*: {verdict}\\n", log)


@pytest.mark.slow
def test_checked_experiments_also_run_on_the_planted_rule(finished_run):
    """Validation reads each check off the planted rule too, on the same nulls and design."""
    gia = finished_run / "results" / "tiny" / "gia"
    planted = sorted(
        path.relative_to(gia / "planted").as_posix() for path in gia.glob("planted/*/*.tsv")
    )
    assert planted == ["R_ADD/motif_count.tsv", "R_STRUCT/hairpin.tsv"]
    model = pd.read_csv(gia / "residualbind_seq_log" / "R_ADD" / "motif_count.tsv", sep="\t")
    rule = pd.read_csv(gia / "planted" / "R_ADD" / "motif_count.tsv", sep="\t")
    assert rule["condition"].tolist() == model["condition"].tolist()
    # The planted rule's own answers, not the trained model's.
    assert not np.allclose(rule["importance"], model["importance"])
    validation = pd.read_csv(gia / "validation.tsv", sep="\t").set_index(["rbp", "experiment"])
    # Each planted verdict is the check read off the planted table.
    truth = json.loads(
        (finished_run / "results" / "tiny" / "data" / "ground_truth.json").read_text()
    )
    for rbp, experiment in [("R_ADD", "motif_count"), ("R_STRUCT", "hairpin")]:
        table = pd.read_csv(gia / "planted" / rbp / f"{experiment}.tsv", sep="\t")
        verdict = CHECKS[experiment](rbp, truth["rbps"][rbp], table)
        assert validation.loc[(rbp, experiment), "planted_observed"] == verdict["observed"]
        assert validation.loc[(rbp, experiment), "planted_passed"] == verdict["passed"]
    assert pd.isna(validation.loc[("R_ADD", "kmer_search"), "planted_observed"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("gia", "message"),
    [
        (
            {"structure_models": {"R_NONE": "pu"}},
            "config key gia.structure_models: R_NONE not in the synthetic data set 'tiny'",
        ),
        (
            {"structure_models": {"R_STRUCT": "pu"}, "experiments": ["motif_count"]},
            "the hairpin experiment is not run",
        ),
        ({"structure_models": {"R_STRUCT": "seq"}}, "config key gia.structure_models"),
    ],
)
def test_bad_structure_models_are_named(finished_run, gia, message):
    config = copy.deepcopy(TINY)
    config["gia"].update(gia)
    try:
        result = snakemake(finished_run, "--cores", "1", "--dry-run", config=config)
    finally:
        (finished_run / "config" / "config.yaml").write_text(yaml.safe_dump(TINY))
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


@pytest.mark.slow
def test_every_rule_logged_and_no_temporary_files_left(finished_run):
    out = finished_run / "results" / "tiny"
    logs = list((out / "logs").rglob("*.log"))
    assert len(logs) >= 10
    assert all(log.stat().st_size > 0 for log in logs)
    assert not [p for p in out.rglob("*") if p.name.endswith((".tmp", ".part"))]


@pytest.mark.slow
def test_rerun_has_nothing_to_do(finished_run):
    result = snakemake(finished_run, "--cores", "1", "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def planned_jobs(finished_run, config) -> set[str]:
    """The rules a dry run of ``config`` on the finished run would run."""
    try:
        result = snakemake(finished_run, "--cores", "1", "--dry-run", config=config)
    finally:
        (finished_run / "config" / "config.yaml").write_text(yaml.safe_dump(TINY))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    if "Nothing to be done" in out:
        return set()
    # The dry run's job table: one "<rule> <count>" line per rule that would run, and "total".
    return set(re.findall(r"^(\w+)\s+\d+$", out, flags=re.M)) - {"total"}


@pytest.mark.slow
def test_dataset_settings_rerun_only_the_jobs_they_change(finished_run):
    """A new datasets.tiny.gia.n_null re-runs the GIA jobs, not synthesis, encoding or training."""
    config = copy.deepcopy(TINY)
    config["datasets"]["tiny"]["gia"]["n_null"] = 41
    planned = planned_jobs(finished_run, config)
    assert {"gia_kmer_search", "gia_experiments"} <= planned, planned
    assert not planned & {"synthesize", "encode", "train_keras", "train_kmer_ridge"}, planned


@pytest.mark.slow
@pytest.mark.parametrize(
    ("gia", "training", "allowed"),
    [
        # How a job computes: nothing.
        ({"threads": 2}, {}, set()),
        # The ISM's or the logo's size: those jobs (and what shows them), not the searches.
        ({"ism_probes": 3}, {}, {"gia_ism", "figures", "all"}),
        ({"logo_kmers": 7}, {}, {"gia_motif", "figures", "all"}),
        # The support threshold: the experiments, not the k-mer searches.
        ({"min_support": 20}, {}, {"gia_experiments", "gia_structure", "gia_planted",
                                   "gia_summary", "gia_validation", "validation_figure",
                                   "figures", "all"}),
        # Whether a tied runner-up motif is asked too: its experiments jobs and readers.
        ({"runner_up": False}, {}, {"gia_experiments", "gia_summary", "gia_validation",
                                    "validation_figure", "figures", "all"}),
        # The Keras schedule: not the k-mer ridge.
        ({}, {"epochs": 4}, None),
    ],
)  # fmt: skip
def test_settings_rerun_only_the_jobs_that_read_them(finished_run, gia, training, allowed):
    """Changing a setting re-runs what reads it, not every GIA job (audit)."""
    config = copy.deepcopy(TINY)
    config["gia"].update(gia)
    config["datasets"]["tiny"]["training"].update(training)  # the data set's own schedule
    planned = planned_jobs(finished_run, config)
    if allowed is None:
        assert "train_kmer_ridge" not in planned, planned
        assert planned & {"train_keras", "train_keras_group"}, planned
    else:
        assert planned <= allowed, planned - allowed


@pytest.mark.slow
def test_structure_model_of_an_rbp_left_out_is_only_noted(finished_run):
    config = dict(TINY, rbps=["R_ADD"])
    result = snakemake(finished_run, "--cores", "1", "--dry-run", config=config)
    (finished_run / "config" / "config.yaml").write_text(yaml.safe_dump(TINY))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "gia.structure_models names RBPs not modelled in this run: R_STRUCT" in out


@pytest.mark.slow
def test_unknown_rbp_is_named(finished_run):
    config = dict(TINY, rbps=["R_ADD", "NOT_AN_RBP"])
    result = snakemake(finished_run, "--cores", "1", "--dry-run", config=config)
    assert result.returncode != 0
    assert "config key rbps: NOT_AN_RBP not in the synthetic data set 'tiny'" in (
        result.stdout + result.stderr
    )


def test_bad_config_stops_before_any_job(tmp_path):
    config = dict(TINY, encode={"threads": "two"})
    result = snakemake(tmp_path, "--cores", "1", config=config)
    assert result.returncode != 0
    assert "config key encode.threads" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_missing_input_file_is_explained(tmp_path):
    config = {
        "dataset": "mine",
        "datasets": {"mine": {"format": "rnacompete_table", "path": "data/norm_data.txt"}},
    }
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=config)
    assert result.returncode != 0
    assert "data/norm_data.txt does not exist" in result.stdout + result.stderr


@pytest.mark.slow
def test_report_is_self_contained(finished_run):
    report = finished_run / "results" / "tiny" / "report.html"
    result = snakemake(finished_run, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text(errors="replace")
    assert len(html) > 500_000
    for needle in ("Benchmark", "GIA", "Validation", "R_ADD", "kmer_search"):
        assert needle in html
