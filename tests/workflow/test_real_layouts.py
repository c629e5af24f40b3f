"""The workflow on files laid out like the published RNAcompete data (made-up intensities).

RNAcompete 2013's ``norm_data.txt.gz`` (Probe_ID, Probe_Set, RNA_Seq, RNCMPT columns,
`` NaN``) and RNAcompete 2009 as distributed with RNAcontext (``<RBP>_data_full_A.txt``),
each written by benchmarks/make_rnacompete.py at a few thousand probes and run with a short
schedule: one model, no baselines, two epochs, small GIA settings. The 2013 table runs end
to end; the 2009 files run to the benchmark. Past the encoded pool the two layouts differ
only in how probes are named (Probe_IDs, or row numbers), which the predictions show.
"""

import copy
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from test_end_to_end import REPO, snakemake

sys.path.insert(0, str(REPO / "benchmarks"))
import make_rnacompete  # noqa: E402

from rbpgia.encode.store import read_names  # noqa: E402

SHORT = {
    "encode": {"threads": 2},
    "training": {
        "models": ["residualbind"],
        "baselines": [],
        "epochs": 2,
        "patience": 1,
        "lr_patience": 1,
        "threads": 1,
    },
    "gia": {
        "experiments": ["positional"],
        "n_null": 20,
        "screen_nulls": 10,
        "n_boot": 100,
        "k": 4,
        "ism_probes": 2,
        "threads": 1,
    },
}


def shipped_datasets() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())["datasets"]


def run_all(workdir: Path, config: dict, *targets: str):
    result = snakemake(workdir, "--cores", "2", *targets, config=config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir / "results" / config["dataset"]


def check_benchmark(out: Path, rbps: list[str], n_probes: int) -> None:
    """Every modelled RBP was encoded, trained and reached the benchmark."""
    performance = pd.read_csv(out / "benchmark" / "performance.tsv", sep="\t")
    assert sorted(performance["rbp"]) == sorted(rbps)
    assert performance["pearson_r"].between(-1, 1).all()
    experiments = pd.read_csv(out / "encoded" / "experiments.tsv", sep="\t")
    total = experiments[["n_set_a", "n_set_b", "n_missing"]].sum(axis=1)
    assert (total == n_probes).all()


def check_outputs(out: Path, rbps: list[str], n_probes: int) -> None:
    """Every modelled RBP reached the benchmark, GIA and the figures."""
    check_benchmark(out, rbps, n_probes)
    summary = pd.read_csv(out / "gia" / "summary.tsv", sep="\t")
    assert set(summary["rbp"]) == set(rbps)
    for n in range(1, 5):
        assert (out / "figures" / f"figure{n}.png").stat().st_size > 10_000


def table_2013(workdir: Path, n_probes: int, n_experiments: int) -> dict:
    """A config of the short schedule on a generated 2013 table (data set layout2013)."""
    table = workdir / "data" / "norm_data.txt.gz"
    table.parent.mkdir()
    make_rnacompete.write_table(table, n_probes=n_probes, n_experiments=n_experiments, seed=5)
    return {
        "dataset": "layout2013",
        "datasets": {"layout2013": {"format": "rnacompete_table", "path": str(table)}},
        **copy.deepcopy(SHORT),
    }


@pytest.mark.slow
def test_workflow_on_the_published_2013_table_layout(tmp_path):
    config = table_2013(tmp_path, 3000, 4)
    config["rbps"] = ["RNCMPT00003"]  # one of the four: the others are encoded, not modelled
    out = run_all(tmp_path, config)
    check_outputs(out, config["rbps"], 3000)
    h5_path = out / "encoded" / "probes.h5"
    names = read_names(h5_path)
    assert names[[0, 1, -1]].tolist() == ["RBD_v3_000001", "RBD_v3_000002", "RBD_v3_003000"]
    with h5py.File(h5_path) as h5:
        assert sorted(h5["targets"]) == [f"RNCMPT0000{i}" for i in range(1, 5)]
        assert (h5["set"][:] == b"A").sum() == round(3000 * 120_326 / 241_357)
    model = "residualbind_seq_log"
    for rbp in config["rbps"]:
        # Tables that name a probe give its Probe_ID beside its row.
        predictions = pd.read_csv(out / "models" / model / rbp / "predictions.tsv", sep="\t")
        assert (predictions["probe_id"] == names[predictions["probe"]]).all()
        ism = pd.read_csv(out / "gia" / model / rbp / "ism.tsv", sep="\t")
        assert ism["probe_id"].str.fullmatch(r"RBD_v3_\d{6}").all()
        assert (ism["probe_id"] == names[ism["probe"]]).all()
        assert ism["probe"].nunique() == 2


@pytest.mark.slow
def test_workflow_on_the_rnacompete_2009_rnacontext_layout(tmp_path):
    entry = shipped_datasets()["rnacompete2009"]
    # The data set's paper schedule (two normalisations, patience 20; tests/test_config.py)
    # would replace this test's short one.
    entry.pop("training")
    directory = tmp_path / entry["path"]
    # One RBP's files in DNA letters: read as the same RNA probes.
    make_rnacompete.write_rnacontext(directory, ("HuR", "PTB"), n_probes=3000, dna=("PTB",), seed=6)
    config = {"dataset": "rnacompete2009", "datasets": {"rnacompete2009": entry}, **SHORT}
    out = run_all(tmp_path, config, "results/rnacompete2009/benchmark/performance.tsv")
    check_benchmark(out, ["HuR", "PTB"], 3000)
    with h5py.File(out / "encoded" / "probes.h5") as h5:
        lengths = h5["length"][:]
        assert "name" not in h5  # no probe IDs in these files: probes are named by row
    assert lengths.max() <= 39
    assert read_names(out / "encoded" / "probes.h5")[:3].tolist() == ["0", "1", "2"]
    predictions = pd.read_csv(
        out / "models" / "residualbind_seq_log" / "HuR" / "predictions.tsv", sep="\t"
    )
    np.testing.assert_array_equal(predictions["probe_id"], predictions["probe"])


@pytest.mark.parametrize("make_folder", [False, True])
def test_rnacompete2009_without_its_files_says_where_to_put_them(tmp_path, make_folder):
    entry = shipped_datasets()["rnacompete2009"]
    if make_folder:  # present but without the files it needs
        (tmp_path / entry["path"]).mkdir(parents=True)
        (tmp_path / entry["path"] / "HuR_setA.txt").write_text("1\tACGU\n")
    config = {"dataset": "rnacompete2009", "datasets": {"rnacompete2009": entry}}
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=config)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "data set 'rnacompete2009'" in output
    assert "resources/rnacompete2009" in output
    assert "<EXPERIMENT>_data_full_A.txt and <EXPERIMENT>_data_full_B.txt" in output
    assert output.count("<EXPERIMENT>_data_full_A.txt") == 1  # one message, not a traceback
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_rnacompete2009_downloaded_as_an_archive_is_unpacked_and_encoded(tmp_path):
    """datasets.rnacompete2009.url: one archive fetched by the download rule, then the chain."""
    import http.server
    import tarfile

    from loopback import serving

    files = tmp_path / "rnacontext"
    make_rnacompete.write_rnacontext(files, ("HuR", "PTB"), n_probes=600, seed=7)
    archive = tmp_path / "rnacontext.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(files, arcname="rnacontext")  # files inside a top-level folder
    payload = archive.read_bytes()

    class Archive(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    workdir = tmp_path / "run"
    workdir.mkdir()
    entry = shipped_datasets()["rnacompete2009"]
    entry.pop("training")
    with serving(Archive) as address:
        entry["url"] = f"http://{address}/rnacontext.tar.gz"
        config = {"dataset": "rnacompete2009", "datasets": {"rnacompete2009": entry}, **SHORT}
        target = "results/rnacompete2009/encoded/probes.h5"
        result = snakemake(workdir, "--cores", "2", target, config=config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    folder = workdir / entry["path"]
    expected = [f"{rbp}_data_full_{s}.txt" for rbp in ("HuR", "PTB") for s in "AB"]
    # (Snakemake adds its .snakemake_timestamp to a directory output.)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == expected
    assert not (workdir / f"{entry['path']}.archive").exists()
    with h5py.File(workdir / target) as h5:
        assert sorted(h5["targets"]) == ["HuR", "PTB"]
        assert len(h5["length"]) == 600  # the probes of both RBPs: one pool


def test_gia_motifs_naming_an_experiment_a_table_lacks_is_named(tmp_path):
    """A file data set's experiments are known once encoded: gia.motifs is checked then."""
    config = table_2013(tmp_path, 300, 2)
    encoded = "results/layout2013/encoded/experiments.tsv"
    result = snakemake(tmp_path, "--cores", "2", encoded, config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    config["gia"]["motifs"] = {"RNCMPT00002": "UGCAUG", "RNCMPT00099": "UUUUUU"}
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=config)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config key gia.motifs: RNCMPT00099 not in data set 'layout2013'" in output
    config["gia"]["motifs"] = {"RNCMPT00002": "UGCAUG"}
    config["rbps"] = ["RNCMPT00001"]
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "gia.motifs names RBPs not modelled in this run: RNCMPT00002" in result.stdout


def test_experiments_named_like_numbers_keep_their_names(tmp_path):
    """Per-RBP files 001_data_full_A.txt, NA_data_full_A.txt: experiments '001' and 'NA'
    (encoded/experiments.tsv used to read back as 1 and NaN)."""
    entry = shipped_datasets()["rnacompete2009"]
    entry.pop("training")
    make_rnacompete.write_rnacontext(tmp_path / entry["path"], ("001", "NA"), n_probes=200)
    config = {"dataset": "rnacompete2009", "datasets": {"rnacompete2009": entry}, **SHORT}
    config = copy.deepcopy(config)
    encoded = "results/rnacompete2009/encoded/experiments.tsv"
    result = snakemake(tmp_path, "--cores", "2", encoded, config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    config["rbps"] = ["001", "NA"]
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=config)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    for rbp in ("001", "NA"):
        assert f"models/residualbind_seq_log/{rbp}/metrics.json" in result.stdout


def test_experiments_too_small_for_the_validation_fraction_are_skipped(tmp_path):
    """24 measured Set A probes pass the encoder's minimum of 20, but at valid_fraction 0.02
    give no validation probe: skipped with a warning before any job (the job failed)."""
    entry = shipped_datasets()["rnacompete2009"]
    entry.pop("training")
    make_rnacompete.write_rnacontext(tmp_path / entry["path"], ("HuR", "PTB"), n_probes=48)
    config = copy.deepcopy({"dataset": "rnacompete2009", "datasets": {"rnacompete2009": entry}})
    config.update(copy.deepcopy(SHORT))
    encoded = "results/rnacompete2009/encoded/experiments.tsv"
    result = snakemake(tmp_path, "--cores", "2", encoded, config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    config["training"]["valid_fraction"] = 0.02
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "skipping experiments too small for training.valid_fraction: HuR (24" in result.stdout
    assert "models/residualbind_seq_log/HuR" not in result.stdout
