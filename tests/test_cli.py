"""The ``rbpgia`` command line, run in-process through ``main`` (and once as the entry point).

The model is a tiny Keras network with known answers: it counts occurrences of GCA
(one Conv1D filter that matches GCA exactly, averaged over positions and scaled back
to a count), so writing GCA into a null adds about 1 to its prediction.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from rbpgia import __version__
from rbpgia.cli import GIA_EXPERIMENTS, build_parser, main, read_sequence_file
from rbpgia.gia import registry

MOTIF = "GCA"
N_NULL = "20"
# Training probes for --train: GCAT twice, once, one letter off (GCAA), and not at all.
TRAIN = [
    "AAGCATAAAAGCATAAAAAAAAAAAAAAAAAA",
    "GCATAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "GCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
]
# Support of 1, 2 and 3 copies of GCAT in TRAIN (exact, one mismatch), and of 2 - 1, 3 - 2.
TRAIN_SUPPORT = ([2, 1, 0, 1, 0, 0], [3, 1, 0, 1, 0, 0])


def _random_probes(rng, n):
    lengths = rng.integers(30, 42, size=n)
    return ["".join(rng.choice(list("ACGT"), size=int(m))) for m in lengths]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A GCA-counting model and a background of 200 '<score> <sequence>' DNA lines."""
    import keras

    from rbpgia.train import save_model

    root = tmp_path_factory.mktemp("cli")
    inputs = keras.Input(shape=(41, 4))
    hits = keras.layers.Conv1D(1, len(MOTIF), activation="relu", name="motif")(inputs)
    mean = keras.layers.GlobalAveragePooling1D()(hits)
    model = keras.Model(inputs, keras.layers.Dense(1, name="count")(mean))
    kernel = np.zeros((len(MOTIF), 4, 1), dtype=np.float32)
    kernel[np.arange(len(MOTIF)), ["ACGU".index(c) for c in MOTIF], 0] = 1.0
    model.get_layer("motif").set_weights([kernel, np.array([1.0 - len(MOTIF)], np.float32)])
    width = 41 - len(MOTIF) + 1
    model.get_layer("count").set_weights([np.full((1, 1), width, np.float32), np.zeros(1)])
    save_model(model, root / "model.keras")

    rng = np.random.default_rng(1)
    sequences = _random_probes(rng, 200)
    lines = [f"{s:.3f} {q}" for s, q in zip(rng.normal(size=200), sequences, strict=True)]
    (root / "probes_setB.txt").write_text("\n".join(lines) + "\n")
    (root / "train.txt").write_text("\n".join(TRAIN) + "\n")
    return {
        "root": root,
        "model": str(root / "model.keras"),
        "background": str(root / "probes_setB.txt"),
        "train": str(root / "train.txt"),
        "sequences": sequences,
    }


def run(capsys, *argv):
    """Exit status, stdout and stderr of ``rbpgia argv``."""
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("rbpgia: error: ")
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture(scope="module")
def tables(files):
    """GIA tables written by the command line: name -> (table, path, stdout, stderr)."""
    runs = {
        "kmer_search": ["kmer_search", "--k", "3"],
        "motif_count": ["motif_count", "--motif", "gcat", "--figure", files["root"] / "count.png"],
        "motif_count_train": [
            "motif_count",
            "--motif",
            "GCAT",
            "--train",
            files["train"],
            "--min-support",
            "2",
            "--figure",
            files["root"] / "count_train.png",
        ],
        "gc_bias_searched": ["gc_bias", "--k", "3"],
        "gc_bias": ["gc_bias", "--motif", MOTIF],
    }
    out = {}
    for name, argv in runs.items():
        path = files["root"] / f"{name}.tsv"
        background = ["--background", files["background"], "--n-null", N_NULL, "--n-boot", "100"]
        argv = [*argv, "--model", files["model"], *background, "--out", path]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(["gia", *map(str, argv)])
        assert status == 0, stderr.getvalue()
        out[name] = (pd.read_csv(path, sep="\t"), path, stdout.getvalue(), stderr.getvalue())
    return out


# ----------------------------------------------------------------------------- gia


def test_kmer_search_ranks_the_counted_kmer_first(tables):
    table, _, stdout, _ = tables["kmer_search"]
    assert len(table) == 64
    assert list(table.columns) == [
        "experiment",
        "null",
        "kmer",
        "position",
        "importance",
        "ci_low",
        "ci_high",
        "n",
        "p_value",
        "q_value",
        "structure_recomputed",
    ]
    assert sorted(table["kmer"]) == sorted(
        a + b + c for a in "ACGU" for b in "ACGU" for c in "ACGU"
    )
    assert (table["experiment"] == "kmer_search").all()
    assert (table["null"] == "profile").all()
    assert (table["n"] == 20).all()
    top = table.iloc[0]
    assert top["kmer"] == MOTIF
    # One more GCA per null, less the few GCAs the write destroys.
    assert 0.8 < top["importance"] <= 1.0 + 1e-4
    assert table["importance"].iloc[1] < 0.5
    assert stdout.count("\n") == 1
    assert "(GCA)" in stdout
    assert "64 rows" in stdout


def test_motif_count_of_a_dna_motif_is_additive(tables, files):
    table = tables["motif_count"][0]
    assert list(table.columns[:5]) == ["experiment", "motif", "null", "condition", "kind"]
    assert (table["experiment"] == "motif_count").all()
    assert table["condition"].tolist() == ["1", "2", "3", "2 - 1", "3 - 2", "3 - 2 - 1"]
    assert table["n_sites"].tolist() == [1, 2, 3, 2, 3, 3]
    assert (table["motif"] == "GCAU").all()
    # Each copy adds one GCA: the counts 1, 2, 3, each added copy 1, the last as the first.
    np.testing.assert_allclose(table["importance"], [1, 2, 3, 1, 1, 0], atol=0.2)
    assert table["slope"].iloc[0] == pytest.approx(1.0, abs=0.1)
    assert (files["root"] / "count.png").stat().st_size > 0
    # Without --train the support columns are there, empty, and the log says so once.
    assert list(table.columns[-3:]) == ["support", "support_1mm", "extrapolated"]
    assert table[["support", "support_1mm", "extrapolated"]].isna().all().all()
    assert tables["motif_count"][3].count("no --train given") == 1


def test_train_gives_each_condition_its_support(tables):
    table, _, stdout, stderr = tables["motif_count_train"]
    assert "support counted over 4 training probes (no structure profiles" in stderr
    # The summary line says what the headline (read from every count) rests on.
    assert (
        "; extrapolated: 2 (1 probes), 3 (0 probes), 2 - 1 (1 probes), 3 - 2 (0 probes), "
        "3 - 2 - 1 (0 probes);" in stdout
    )
    assert table["support"].tolist() == TRAIN_SUPPORT[0]
    assert table["support_1mm"].tolist() == TRAIN_SUPPORT[1]
    # --min-support 2: one copy is supported; two and three copies, and their steps, not.
    assert table["extrapolated"].tolist() == [False, True, True, True, True, True]


def test_train_from_hdf5_reads_its_set_a(capsys, files, tmp_path):
    h5 = tmp_path / "train.h5"
    status, _, stderr = run(capsys, "encode", files["train"], "--out", h5, "--set", "A")
    assert status == 0, stderr
    out = tmp_path / "count.tsv"
    argv = ["motif_count", "--model", files["model"], "--background", files["background"]]
    argv += ["--motif", "GCAT", "--n-null", N_NULL, "--n-boot", "100", "--out", out]
    status, _, stderr = run(capsys, "gia", *argv, "--train", h5)
    assert status == 0, stderr
    assert "support counted over 4 training probes\n" in stderr  # with structure profiles
    table = pd.read_csv(out, sep="\t")
    assert table["support"].tolist() == TRAIN_SUPPORT[0]
    assert table["support_1mm"].tolist() == TRAIN_SUPPORT[1]
    assert table["extrapolated"].tolist() == [True] * 6  # the default min_support: 10
    status, _, stderr = run(capsys, "gia", *argv, "--train", tmp_path / "missing.h5")
    assert "training file not found" in one_line_error(stderr)
    # The search counts no support: a missing file is still named, a real one said unused.
    search = ["kmer_search", "--model", files["model"], "--background", files["background"]]
    search += ["--k", "3", "--n-null", N_NULL, "--out", tmp_path / "search.tsv"]
    status, _, stderr = run(capsys, "gia", *search, "--train", tmp_path / "missing.h5")
    assert status == 2
    assert "training file not found" in one_line_error(stderr)
    status, _, stderr = run(capsys, "gia", *search, "--train", h5)
    assert status == 0, stderr
    assert "kmer_search counts no support: --train is read only for the folding" in stderr


def test_without_motif_the_top_kmer_is_used_as_with_motif(tables):
    searched, _, _, stderr = tables["gc_bias_searched"]
    assert "no --motif given" in stderr
    assert f"motif {MOTIF}: the top 3-mer" in stderr
    conditions = ["motif", "gc_5p", "gc_3p", "motif+gc_5p", "motif+gc_3p"]
    contrasts = ["motif+gc_5p - motif", "motif+gc_3p - motif", "motif+gc_3p - motif+gc_5p"]
    assert searched["condition"].tolist() == conditions + contrasts
    assert searched["kind"].tolist() == ["condition"] * 5 + ["contrast"] * 3
    # The search draws nothing from the experiment's generator: the same table either way.
    pd.testing.assert_frame_equal(searched, tables["gc_bias"][0])


def test_a_tied_runner_up_is_named_with_the_command_that_asks_it(capsys, files, tmp_path):
    (tmp_path / "tie.py").write_text(
        "import numpy as np\n"
        "def count(x, motif):\n"
        "    width = x.shape[1] - 2\n"
        "    hits = sum(x[:, t : width + t, 'ACGU'.index(c)] for t, c in enumerate(motif))\n"
        "    return (hits == 3).sum(axis=1).astype(np.float32)\n"
        "def predict(x):\n"
        "    return count(x, 'GCA') + count(x, 'GCU')\n"
    )
    argv = ["gia", "motif_count", "--model", f"{tmp_path / 'tie.py'}:predict", "--k", "3"]
    argv += ["--background", files["background"], "--n-null", N_NULL, "--n-boot", "100"]
    status, _, stderr = run(capsys, *argv, "--out", tmp_path / "count.tsv")
    assert status == 0, stderr
    motif = re.search(r"motif (GC[AU]): the top 3-mer", stderr).group(1)
    other = {"GCA": "GCU", "GCU": "GCA"}[motif]
    assert f"the next 3-mer {other} ties {motif} (CIs overlap): run again with --motif {other}" in (
        " ".join(stderr.split())
    )


def test_hdf5_background_and_scored_nulls(capsys, files):
    h5 = files["root"] / "encoded.h5"
    status, _, stderr = run(capsys, "encode", files["background"], "--out", h5, "--no-structure")
    assert status == 0, stderr
    out = files["root"] / "mutagenesis.tsv"
    status, _, stderr = run(
        capsys,
        "gia",
        "kmer_mutagenesis",
        "--model",
        files["model"],
        "--background",
        h5,
        "--motif",
        MOTIF,
        "--null",
        "quartile_top",
        "--n-null",
        N_NULL,
        "--out",
        out,
    )
    assert status == 0, stderr
    table = pd.read_csv(out, sep="\t")
    assert len(table) == 4 * len(MOTIF)
    assert table["wild_type"].sum() == len(MOTIF)
    assert (table["null"] == "quartile_top").all()
    wild = table.loc[table["wild_type"], "importance"]
    assert wild.iloc[0] > table.loc[~table["wild_type"], "importance"].max()


# ----------------------------------------------------------------------------- encode


def test_encode_writes_the_store_layout(capsys, files):
    h5 = files["root"] / "probes.h5"
    status, stdout, stderr = run(capsys, "encode", files["background"], "--out", h5)
    assert status == 0, stderr
    assert "200 probes" in stdout
    with h5py.File(h5) as f:
        assert f["onehot"].shape == (200, 41, 4)
        assert f["structure"].shape == (200, 41, 5)
        assert f["targets/probes_setB"].shape == (200,)
        assert f["length"][()].tolist() == [len(s) for s in files["sequences"]]
        sequences = [s.decode() for s in f["sequence"][()]]
        assert f.attrs["experiments"].tolist() == ["probes_setB"]
    assert sequences == [s.replace("T", "U") for s in files["sequences"]]
    from rbpgia.encode import store

    structure = store.read_inputs(h5, "struct")[..., 4:]
    real = store.read_inputs(h5, "seq").sum(axis=-1) == 1
    np.testing.assert_allclose(structure.sum(axis=-1)[real], 1.0, atol=1e-5)


def test_sequence_file_formats(tmp_path):
    fasta = tmp_path / "probes.fa"
    fasta.write_text(">one\nACGT\nGGA\n\n>two\nUUU\n")
    probes = read_sequence_file(fasta)
    assert probes.sequences == ["ACGUGGA", "UUU"]
    assert probes.lines == [1, 5]
    assert probes.scores is None
    table = tmp_path / "probes.tsv"
    table.write_text("name\tscore\tsequence\na\t1.5\tACG\nb\tNaN\tGGU\n")
    probes = read_sequence_file(table)
    assert probes.sequences == ["ACG", "GGU"]
    assert probes.lines == [2, 3]
    np.testing.assert_array_equal(probes.scores, [1.5, np.nan])
    plain = tmp_path / "plain.txt"
    plain.write_text("# comment\nACGU\n\nacgu\n")
    with pytest.raises(ValueError, match=r"plain\.txt:4"):
        read_sequence_file(plain)


# ----------------------------------------------------------------------------- report


def test_report_draws_every_table(capsys, tables, files):
    paths = [path for _, path, _, _ in tables.values()]
    out_dir = files["root"] / "figures"
    status, stdout, stderr = run(capsys, "report", *paths, "--out-dir", out_dir)
    assert status == 0, stderr
    for path in paths:
        assert (out_dir / f"{path.stem}.png").stat().st_size > 0
    assert len(stdout.strip().splitlines()) == len(paths)
    assert [registry.experiment_of(table) for table, _, _, _ in tables.values()] == [
        "kmer_search",
        "motif_count",
        "motif_count",
        "gc_bias",
        "gc_bias",
    ]
    # The headline with its CI: "what value [ci_low, ci_high] (detail)".
    line = next(line for line in stdout.splitlines() if "(kmer_search)" in line)
    assert "top k-mer importance" in line
    assert "[" in line.split("top k-mer importance", 1)[1]
    assert "(GCA)" in line


def test_report_needs_the_experiment_of_a_table_without_one(capsys, tables, tmp_path):
    table = tables["gc_bias"][0].drop(columns="experiment")
    path = tmp_path / "old_gc.tsv"
    table.to_csv(path, sep="\t", index=False)
    status, _, stderr = run(capsys, "report", path, "--out-dir", tmp_path)
    assert status == 2
    error = one_line_error(stderr)
    assert f"{path}:" in error
    assert "no 'experiment' column" in error
    assert "--experiment" in error
    status, stdout, stderr = run(
        capsys, "report", path, "--out-dir", tmp_path, "--experiment", "gc_bias"
    )
    assert status == 0, stderr
    assert f"{path} (gc_bias):" in stdout
    assert (tmp_path / "old_gc.png").stat().st_size > 0


def test_report_rejects_a_table_that_is_no_gia_table(capsys, tmp_path):
    table = tmp_path / "other.tsv"
    table.write_text("a\tb\n1\t2\n")
    status, _, stderr = run(capsys, "report", table, "--out-dir", tmp_path)
    assert status == 2
    assert f"{table}: not a GIA table" in one_line_error(stderr)


def test_report_names_the_table_whose_columns_its_experiment_lacks(capsys, tables, tmp_path):
    """A table read as another experiment's, a number column of text, an unknown
    experiment: each an error naming the file, no traceback."""
    status, _, stderr = run(
        capsys, "report", tables["gc_bias"][1], "--out-dir", tmp_path, "--experiment", "kmer_search"
    )
    assert status == 2
    assert f"{tables['gc_bias'][1]}: not a kmer_search table: it has no column 'kmer'" in (
        one_line_error(stderr)
    )
    text = tables["gc_bias"][0].assign(importance="abc")
    path = tmp_path / "text.tsv"
    text.to_csv(path, sep="\t", index=False)
    status, _, stderr = run(capsys, "report", path, "--out-dir", tmp_path)
    assert f"{path}: column importance holds values that are not numbers" in one_line_error(stderr)
    unknown = tables["gc_bias"][0].assign(experiment="nope")
    path = tmp_path / "nope.tsv"
    unknown.to_csv(path, sep="\t", index=False)
    status, _, stderr = run(capsys, "report", path, "--out-dir", tmp_path)
    assert status == 2
    assert f"{path}: column experiment: unknown GIA experiment 'nope'" in one_line_error(stderr)
    assert not list(tmp_path.glob("*.png"))


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("nulls", ["quartile_top", "gc_matched"])
def test_score_ranked_nulls_need_scores_to_rank_and_name_the_file(capsys, files, tmp_path, nulls):
    unscored = tmp_path / "nan_scores.txt"
    unscored.write_text("nan ACGUACGUACGUACGUACGUACGUACGUAC\n" * 50)
    few = tmp_path / "two.txt"
    few.write_text("1 ACGUACGUACGUACGUACGUACGUACGUAC\n2 CCGUACGUACGUACGUACGUACGUACGUAC\n")
    for background, counts in ((unscored, "0 of 50"), (few, "2 of 2")):
        status, _, stderr = run(
            capsys, "gia", "motif_count", "--model", files["model"], "--background", background,
            "--null", nulls, "--motif", "GCAT", "--out", tmp_path / "x.tsv",
        )  # fmt: skip
        assert status == 2
        assert one_line_error(stderr) == (
            f"rbpgia: error: {background}: these nulls rank probes by score, and {counts} "
            "probes have a finite score; they need at least 4 (one per quartile)"
        )


def test_target_picks_an_experiment_of_an_hdf5_file_and_a_typo_is_named(capsys, files, tmp_path):
    from rbpgia.encode import store

    h5 = tmp_path / "scored.h5"
    status, _, stderr = run(capsys, "encode", files["background"], "--out", h5, "--set", "A")
    assert status == 0, stderr
    (name,) = store.list_experiments(h5)
    gia = ["gia", "motif_count", "--model", files["model"], "--background", files["background"]]
    gia += ["--motif", "GCAT", "--n-null", N_NULL, "--n-boot", "100", "--out", tmp_path / "t.tsv"]
    # A text background with an HDF5 --train: --target picks the training probes.
    status, _, stderr = run(capsys, *gia, "--train", h5, "--target", name)
    assert status == 0, stderr
    status, _, stderr = run(capsys, *gia, "--train", h5, "--target", "TYPO")
    assert one_line_error(stderr) == (
        f"rbpgia: error: --target TYPO: no such experiment ({h5}: {name})"
    )
    status, _, stderr = run(capsys, *gia, "--target", name)
    assert "neither is one" in one_line_error(stderr)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,sequence,score\n1,ACGUACGUAC,1.0\n", ":1: comma-separated lines are not read"),
        (
            "sequence\tscore\tsequence\nACGUACGU\t1\tACGU\n",
            ":1: the header names column 'sequence' twice",
        ),
        ("sequence\tscore\tscore\nACGUACGU\t1\t2\n", ":1: the header names column 'score' twice"),
    ],
)
def test_tables_a_reader_would_misread_are_named(capsys, tmp_path, text, message):
    """A CSV was reported as a bad letter 'i'; a repeated column was read from one copy."""
    path = tmp_path / "probes.txt"
    path.write_text(text)
    status, _, stderr = run(capsys, "encode", path, "--no-structure", "--out", tmp_path / "x.h5")
    assert status == 2
    assert one_line_error(stderr).startswith(f"rbpgia: error: {path}{message}")
    assert not (tmp_path / "x.h5").exists()


def test_outputs_that_are_no_regular_files_are_refused_before_any_work(capsys, files, tmp_path):
    """Renaming a finished file onto a pipe or a device would replace it (as root,
    ``--out /dev/null`` replaced the device); a figure's format is checked before the run,
    so neither costs a run nor leaves its table behind."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    status, _, stderr = run(capsys, "encode", files["train"], "--no-structure", "--out", fifo)
    assert status == 2
    assert f"{fifo}: is not a regular file" in one_line_error(stderr)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    gia = ["gia", "motif_count", "--model", files["model"], "--background", files["background"]]
    gia += ["--motif", "GCAT", "--n-null", N_NULL, "--n-boot", "100"]
    status, _, stderr = run(capsys, *gia, "--out", tmp_path)
    assert f"{tmp_path}: is a directory; give a file path" in one_line_error(stderr)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    status, _, stderr = run(capsys, *gia, "--out", a_file / "count.tsv")
    assert status == 2
    assert "notes.txt is a file, not a folder to write into" in one_line_error(stderr)
    table = tmp_path / "count.tsv"
    for figure, message in (
        (tmp_path / "count.xyz", "a figure must end in .png, .pdf, .svg"),
        (tmp_path, "is a directory"),
        (a_file / "sub" / "count.png", f"{a_file} is a file, not a folder to write into"),
    ):
        status, _, stderr = run(capsys, *gia, "--out", table, "--figure", figure)
        assert status == 2
        assert f"{figure}: {message}" in one_line_error(stderr)
        assert "null predictions" not in stderr  # refused before the run
    assert not table.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_letter_names_file_and_line(capsys, files, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1.0 ACGUACGU\n2.0 ACGUACGU\n3.0 ACGNACGU\n")
    status, _, stderr = run(capsys, "encode", bad, "--out", tmp_path / "x.h5")
    assert status == 2
    assert f"{bad}:3: sequence 'ACGNACGU' has 'N' at position 4" in one_line_error(stderr)
    status, _, stderr = run(
        capsys, "gia", "kmer_search", "--model", files["model"], "--background", bad
    )
    assert status == 2
    assert f"{bad}:3:" in one_line_error(stderr)
    assert not (tmp_path / "x.h5").exists()


def test_too_long_sequence_names_file_and_line(capsys, tmp_path):
    long = tmp_path / "long.txt"
    long.write_text("ACGU\n" + "A" * 42 + "\n")
    status, _, stderr = run(capsys, "encode", long, "--out", tmp_path / "x.h5")
    assert status == 2
    assert f"{long}:2: sequence is 42 nt, longer than --max-length (41)" in one_line_error(stderr)


def test_unknown_experiment_lists_the_valid_ones(capsys, files):
    status, _, stderr = run(
        capsys, "gia", "nope", "--model", files["model"], "--background", files["background"]
    )
    assert status == 2
    assert "invalid choice: 'nope'" in stderr
    for experiment in GIA_EXPERIMENTS:
        assert experiment in stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--motif", "GCAN"], "--motif: sequence 'GCAN' has 'N'"),
        (["--null", "quartile_top"], "these nulls rank probes by score"),
        (["--model", "missing.keras"], "missing.keras: model file not found"),
    ],
)
def test_input_errors_are_one_line(capsys, files, tmp_path, extra, message):
    plain = tmp_path / "plain.txt"
    plain.write_text("\n".join(files["sequences"][:50]) + "\n")
    argv = ["gia", "motif_count", "--model", files["model"], "--background", plain]
    status, _, stderr = run(capsys, *argv, "--n-null", N_NULL, *extra)
    assert status == 2
    assert message in one_line_error(stderr)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--n-null", "9", "9 is not at least 10"),
        ("--k", "2", "2 is not within 3..8"),
        ("--k", "9", "9 is not within 3..8"),
        ("--n-boot", "99", "99 is not at least 100"),
        ("--screen-nulls", "9", "9 is not at least 10"),
        ("--miss-probability", "1", "1.0 is not strictly between 0 and 1"),
    ],
)
def test_options_are_bounded_as_the_schema_says(capsys, files, option, value, message):
    argv = ["gia", "kmer_search", "--model", files["model"], "--background", files["background"]]
    status, _, stderr = run(capsys, *argv, option, value)
    assert status == 2
    assert f"argument {option}" in stderr
    assert message in stderr


def test_unreadable_model_is_one_line(capsys, files, tmp_path):
    import zipfile

    fake = tmp_path / "fake.keras"
    fake.write_text("not a model")
    argv = ["gia", "kmer_search", "--model", fake, "--background", files["background"]]
    status, _, stderr = run(capsys, *argv)
    assert status == 2
    # Keras itself said "File not found" of a file that is there but no zip archive.
    assert f"{fake}: not a Keras model (not a zip archive)" in one_line_error(stderr)
    with zipfile.ZipFile(fake, "w") as archive:  # a zip archive, but no model in it
        archive.writestr("config.json", "{}")
    status, _, stderr = run(capsys, *argv)
    assert status == 2
    assert f"{fake}: cannot load a Keras model" in one_line_error(stderr)


# ----------------------------------------------------------------------------- help


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", ["encode", "gia", "report"])
def test_help_lists_every_option_with_its_default(capsys, command):
    status, stdout, _ = run(capsys, command, "--help")
    assert status == 0
    parser = _subparsers()[command]
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.option_strings or action.default == argparse.SUPPRESS:
            continue
        # The action's entry in the options list, up to the end of the help.
        entry = stdout[stdout.index("\n  " + formatter._format_action_invocation(action)) :]
        entry = " ".join(entry.split())
        if action.required:
            assert "(required)" in " ".join(action.help.split()), action.option_strings
        elif action.default is None:
            assert "(default: " in " ".join(action.help.split()), action.option_strings
        else:
            first_default = entry.split("(default: ", 1)[1]
            assert first_default.startswith(f"{action.default})"), action.option_strings


def test_gia_help_names_the_issue_options():
    text = " ".join(_subparsers()["gia"].format_help().split())
    for option, default in [
        ("--null", "profile"),
        ("--n-null", "1000"),
        ("--seed", "0"),
        ("--k", "6"),
        ("--out", "EXPERIMENT.tsv"),
    ]:
        assert option in text
        assert f"(default: {default})" in text
    assert "--motif" in text


def test_installed_entry_point_help_and_version():
    script = Path(sys.executable).with_name("rbpgia")
    if not script.exists():
        pytest.skip("the rbpgia entry point is not installed next to this Python")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [script, "gia", "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "--n-null N number of nulls (default: 1000)" in text
    for experiment in GIA_EXPERIMENTS:
        assert experiment in text
    version = subprocess.run([script, "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0
    assert version.stdout.strip() == f"rbpgia {__version__}"
