"""Config ``models:`` (issue 27): the workflow's GIA, benchmark and report on an external model.

R_ADD's trained ResidualBind of the session's TINY run (``finished_run``) is exported to
ONNX (:func:`rbpgia.models.onnx_export.keras_to_onnx`) and given as R_ADD's external
model in a copy of that run: its GIA tables must be the Keras model's, its Set B
performance the trained model's, and R_ADD's main model must not be needed (it is
removed from the copy and must not come back).
"""

import copy
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from test_end_to_end import TINY, snakemake

# The numbers of a GIA table; p- and q-values of near-zero effects amplify the float32
# rounding in which ONNX Runtime and Keras differ, so they are compared relatively.
P_COLUMNS = {"p_value", "q_value"}
GIA_TABLES = [
    "kmer_search",
    "kmer_mutagenesis",
    "positional",
    "motif_count",
    "spacing",
    "gc_bias",
    "hairpin",
    "flanks",
    "ism",
]


def assert_same_table(ours: pd.DataFrame, keras: pd.DataFrame, name: str) -> None:
    assert list(ours.columns) == list(keras.columns), name
    assert len(ours) == len(keras), name
    numbers = ours.select_dtypes("number").columns
    words = [c for c in ours.columns if c not in numbers]
    assert ours[words].astype(str).equals(keras[words].astype(str)), name
    for column in numbers:
        if column in P_COLUMNS:
            np.testing.assert_allclose(ours[column], keras[column], rtol=1e-3, err_msg=name)
        else:
            np.testing.assert_allclose(
                ours[column], keras[column], rtol=1e-5, atol=1e-5, err_msg=f"{name} {column}"
            )


@pytest.fixture(scope="module")
def onnx_run(finished_run, tmp_path_factory, tiny_run_turn):
    """A copy of the TINY run with R_ADD's main model given as ONNX and its Keras one gone."""
    from rbpgia.models.onnx_export import keras_to_onnx
    from rbpgia.train import load_model

    workdir = tmp_path_factory.mktemp("onnx_run")
    with tiny_run_turn():
        shutil.copytree(finished_run, workdir, dirs_exist_ok=True, symlinks=True)
    trained = workdir / "results" / "tiny" / "models" / "residualbind_seq_log" / "R_ADD"
    onnx_path = keras_to_onnx(load_model(trained / "model.keras"), workdir / "r_add.onnx")
    shutil.rmtree(trained)
    config = copy.deepcopy(TINY)
    # Relative to the working directory, as a user writes it.
    config["models"] = {"R_ADD": {"path": onnx_path.name}}
    result = snakemake(workdir, "--cores", "2", config=config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir, config


@pytest.mark.slow
def test_onnx_export_gives_the_keras_runs_gia_tables(onnx_run, finished_run):
    workdir, _ = onnx_run
    ours = workdir / "results" / "tiny" / "gia" / "external" / "R_ADD"
    keras = finished_run / "results" / "tiny" / "gia" / "residualbind_seq_log" / "R_ADD"
    for name in GIA_TABLES:
        assert_same_table(
            pd.read_csv(ours / f"{name}.tsv", sep="\t"),
            pd.read_csv(keras / f"{name}.tsv", sep="\t"),
            name,
        )
    # Scores to float rounding: ONNX Runtime's and Keras' sums may differ in the last bit.
    assert_same_table(
        pd.read_csv(ours / "motif_matches.tsv", sep="\t"),
        pd.read_csv(keras / "motif_matches.tsv", sep="\t"),
        "motif_matches",
    )
    log = (workdir / "results/tiny/logs/gia/external/R_ADD/experiments.log").read_text()
    assert "R_ADD: external seq model (onnx, 41 nt)" in log
    assert "no training record (an external model of config models.R_ADD)" in log


@pytest.mark.slow
def test_external_model_joins_the_benchmark_summary_and_figures(onnx_run, finished_run):
    workdir, _ = onnx_run
    out = workdir / "results" / "tiny"
    # R_ADD's main model was not needed: not retrained after its removal.
    assert not (out / "models" / "residualbind_seq_log" / "R_ADD").exists()
    assert (out / "models" / "residualbind_seq_log" / "R_STRUCT" / "model.keras").exists()
    external = json.loads((out / "models" / "external" / "R_ADD" / "metrics.json").read_text())
    trained = json.loads(
        (finished_run / "results/tiny/models/residualbind_seq_log/R_ADD/metrics.json").read_text()
    )
    # The same Set B probes, normalised as the trained model's: the same performance.
    assert (external["model"], external["input"], external["norm"]) == ("external", "seq", "log")
    assert external["n_test"] == trained["n_test"]
    assert external["pearson_r"] == pytest.approx(trained["pearson_r"], abs=1e-5)
    assert external["normaliser"] == trained["normaliser"]
    performance = pd.read_csv(out / "benchmark" / "performance.tsv", sep="\t")
    models = performance.groupby("rbp")["model"].apply(set).to_dict()
    assert models == {
        "R_ADD": {"external", "deepbind_cnn", "kmer_ridge"},
        "R_STRUCT": {"residualbind", "deepbind_cnn", "kmer_ridge"},
    }
    summary = pd.read_csv(out / "gia" / "summary.tsv", sep="\t").set_index(["rbp", "experiment"])
    assert summary.loc[("R_ADD", "motif_count"), "model"] == "external"
    assert summary.loc[("R_STRUCT", "motif_count"), "model"] == "residualbind_seq_log"
    validation = pd.read_csv(out / "gia" / "validation.tsv", sep="\t")
    assert set(validation.loc[validation["rbp"] == "R_ADD", "model"]) == {"external"}
    for n in range(1, 5):
        assert (out / "figures" / f"figure{n}.png").stat().st_size > 10_000
    assert (out / "benchmark" / "scatter" / "R_ADD.png").stat().st_size > 10_000


@pytest.mark.slow
def test_report_builds_with_an_external_model(onnx_run):
    workdir, config = onnx_run
    report = workdir / "results" / "tiny" / "report.html"
    result = snakemake(workdir, "--report", str(report), config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text(errors="replace")
    assert len(html) > 500_000
    for needle in ("external", "R_ADD", "kmer_search"):
        assert needle in html


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ({"R_NONE": {"path": "m.onnx"}}, "config key models: R_NONE not in the data set"),
        ({"R_ADD": {"path": "absent.onnx"}}, "config key models.R_ADD.path: absent.onnx does not"),
        ({"R_ADD": {"path": "m.h5"}}, "config key models.R_ADD.path: m.h5: unknown model kind .h5"),
        ({"R_ADD": {"path": "text.onnx"}}, "models.R_ADD.path: text.onnx: not an ONNX model"),
        ({"R_ADD": {"path": "m.onnx", "channels": "up"}}, "config key models.R_ADD.channels"),
        ({"R_ADD": {"model": "m.onnx"}}, "models.R_ADD"),
    ],
)
def test_bad_external_models_stop_before_any_job(tmp_path, models, message):
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07\x3a\x00")  # ONNX framing, no model
    (tmp_path / "text.onnx").write_text("not an ONNX model")
    (tmp_path / "m.h5").write_bytes(b"")
    config = copy.deepcopy(TINY)
    config["models"] = models
    result = snakemake(tmp_path, "--cores", "1", config=config)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_a_data_sets_own_models_are_named_by_their_key(tmp_path):
    config = copy.deepcopy(TINY)
    config["datasets"]["tiny"]["models"] = {"R_ADD": {"path": "gone.keras"}}
    result = snakemake(tmp_path, "--cores", "1", config=config)
    assert result.returncode != 0
    assert "config key datasets.tiny.models.R_ADD.path: gone.keras does not exist" in (
        result.stdout + result.stderr
    )
