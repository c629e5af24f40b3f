"""The bad-input corpus in tests/data/bad/: one test per file, as listed in its README.

Each rejected case must raise the project's own error type with a message that starts with
the faulty file's path (and ``:line`` where the fault has a line); each accepted case must
read the data that is there. The checksum-mismatch case of the download lives in
``test_download.py::test_checksum_mismatch_removes_the_file``.
"""

from __future__ import annotations

import logging
import os
import re
import runpy
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rbpgia.data import read_probes
from rbpgia.data.probes import Probes
from rbpgia.data.summary import MIN_SET_A, experiment_table
from rbpgia.errors import ConfigError, InputError
from rbpgia.workflow.config import load_config

BAD = Path(__file__).resolve().parent / "bad"
SCRIPTS = Path(__file__).resolve().parents[2] / "workflow" / "scripts"
NAN = np.nan
GZIP = "truncated or corrupt gzip file ("
LETTERS = "; only A, C, G, U (or T, read as U) are allowed"
UNSAFE = "is not allowed: use letters, digits, '_', '.', '-' (it becomes a file name)"
SAFE_PATTERN = "does not match '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$'"

# case (relative to bad/), the faulty file inside a directory case (or None), line, fragments
REJECTED = [
    ("rnacompete_table/truncated.txt.gz", None, None, [GZIP, "end-of-stream"]),
    ("rnacompete_table/bad_crc.txt.gz", None, None, [GZIP, "CRC check failed"]),
    ("rnacompete_table/garbage.txt.gz", None, None, [GZIP]),
    ("rnacompete_table/empty.txt", None, None, ["file is empty"]),
    ("rnacompete_table/not_utf8.txt", None, None, ["not UTF-8 text"]),
    (
        "rnacompete_table/no_rna_seq.txt",
        None,
        1,
        ["missing column(s) 'RNA_Seq'; the header has 'Probe_Set', 'Sequence', 'RNCMPT00001'"],
    ),
    (
        "rnacompete_table/ragged_row.txt",
        None,
        4,
        ["expected 4 tab-separated fields, found 3 field(s)"],
    ),
    (
        "rnacompete_table/duplicate_experiments.txt",
        None,
        1,
        ["duplicate column(s) in the header: RNCMPT00001"],
    ),
    (
        "rnacompete_table/non_numeric.txt",
        None,
        5,
        ["column 'RNCMPT00002' holds 'high', which is not a number"],
    ),
    ("rnacompete_table/infinite.txt", None, 3, ["column 'RNCMPT00001' holds inf, which is not"]),
    (
        "rnacompete_table/sequence_with_n.txt",
        None,
        3,
        ["sequence 'ACGUNCGUAC' has 'N' at position 5" + LETTERS],
    ),
    (
        "rnacompete_table/lower_case.txt",
        None,
        4,
        ["sequence 'acguacguac' has 'a' at position 1" + LETTERS],
    ),
    ("rnacompete_table/experiment_dotdot.txt", None, 1, ["experiment column '../evil' " + UNSAFE]),
    ("rnacompete_table/experiment_slash.txt", None, 1, ["experiment column 'a/b' " + UNSAFE]),
    ("deepbind/truncated_gzip", "sequences.tsv.gz", None, [GZIP, "end-of-stream"]),
    ("deepbind/no_seq_column", "sequences.tsv", 1, ["missing column(s) 'seq'"]),
    (
        "deepbind/ragged_row",
        "targets.tsv",
        4,
        ["expected 2 tab-separated fields, found 1 field(s)"],
    ),
    (
        "deepbind/duplicate_experiments",
        "targets.tsv",
        1,
        ["duplicate column(s) in the header: RNCMPT00001"],
    ),
    (
        "deepbind/non_numeric",
        "targets.tsv",
        4,
        ["column 'RNCMPT00001' holds 'n.d.', which is not a number"],
    ),
    (
        "deepbind/sequence_with_n",
        "sequences.tsv",
        3,
        ["sequence 'GGGGNCCC' has 'N' at position 5" + LETTERS],
    ),
    (
        "deepbind/lower_case",
        "sequences.tsv",
        4,
        ["sequence 'uuuuaaaa' has 'u' at position 1" + LETTERS],
    ),
    ("deepbind/experiment_path", "targets.tsv", 1, ["experiment column '../evil' " + UNSAFE]),
    ("per_rbp_files/truncated_gzip", "RNCMPT00001_setA.txt.gz", None, [GZIP, "end-of-stream"]),
    ("per_rbp_files/ragged_row", "RNCMPT00001_setB.txt", 3, ["expected 2 fields, found 3"]),
    (
        "per_rbp_files/non_numeric",
        "RNCMPT00001_setB.txt",
        2,
        ["column 'score' holds 'high', which is not a number"],
    ),
    (
        "per_rbp_files/sequence_with_n",
        "RNCMPT00001_setA.txt",
        2,
        ["sequence 'GGGGCNCC' has 'N' at position 6" + LETTERS],
    ),
    (
        "per_rbp_files/lower_case",
        "RNCMPT00001_setB.txt",
        2,
        ["sequence 'gugugugu' has 'g' at position 1" + LETTERS],
    ),
    ("per_rbp_files/experiment_dotdot", ".._setA.txt", None, ["experiment ID '..' " + UNSAFE]),
]

# case, the whole message must contain each fragment
BAD_CONFIGS = [
    ("config/wrong_type.yaml", ["config key encode.threads: 'two' is not of type 'integer'"]),
    ("config/unknown_key.yaml", ["unknown config key training.epoch (allowed here: ", "epochs"]),
    ("config/unsafe_rbp_name.yaml", ["config key rbps.1: '../../etc' " + SAFE_PATTERN]),
    ("config/newline_in_name.yaml", ["config key rbps.0: 'RNCMPT00001\\n' " + SAFE_PATTERN]),
    ("config/unsafe_dataset_name.yaml", ["config key datasets: '../outside' " + SAFE_PATTERN]),
    ("config/unsafe_motif_rbp.yaml", ["config key gia.motifs: 'a/b' " + SAFE_PATTERN]),
    (
        "config/file_url.yaml",
        ["config key datasets.table.url: 'file:///etc/passwd' does not match '^(https?|ftp)://'"],
    ),
    (
        "config/bad_sha256.yaml",
        ["config key datasets.table.sha256: 'not-a-digest' does not match '^[0-9a-f]{64}$'"],
    ),
    (
        "config/not_a_mapping.yaml",
        ["{path}: the configuration must be a mapping of keys to values, not a list"],
    ),
    (
        "config/python_tag.yaml",
        ["{path}: not valid YAML: could not determine a constructor for the tag"],
    ),
]

# case -> (sequences, sets, experiments, targets) that must be read exactly
ACCEPTED = {
    "rnacompete_table/dna_t.txt": (
        ["ACGUACGUAC", "UUUUGGGG", "ACUUGG"],
        ["A", "B", "A"],
        ["RNCMPT00001", "RNCMPT00002"],
        [[0.5, 1.0], [-0.25, 2.0], [1.0, -1.0]],
    ),
    "deepbind/dna_t": (
        ["ACGUACGU", "GGGGCCCC", "UUUUAAAA"],
        ["A", "A", "B"],
        ["RNCMPT00001", "RNCMPT00002"],
        [[0.5, NAN], [NAN, -1.0], [2.25, 3.0]],
    ),
    "per_rbp_files/dna_t": (
        ["ACGUACGU", "GGGGCCCC", "UUUUAAAA", "CACACACA", "GUGUGUGU"],
        ["A", "A", "A", "B", "B"],
        ["RNCMPT00001"],
        [[1.5], [-0.5], [0.25], [0.75], [2.0]],
    ),
}

# case -> the experiment with no measurement, and what must still be read
ALL_NAN = {
    "rnacompete_table/all_nan_experiment.txt": (
        "RNCMPT00002",
        ["ACGUACGU", "GGGGCCCC", "UUUUAAAA", "CACACACA"],
        [[1.5, NAN, 0.5], [NAN, NAN, -0.5], [2.0, NAN, 1.25], [-1.0, NAN, 0.0]],
    ),
    "deepbind/all_nan_experiment": (
        "RNCMPT00002",
        ["ACGUACGU", "GGGGCCCC", "UUUUAAAA"],
        [[0.5, NAN], [NAN, NAN], [2.25, NAN]],
    ),
    "per_rbp_files/all_nan_experiment": (
        "RNCMPT00002",
        ["ACGUACGU", "GGGGCCCC", "UUUUAAAA", "CACACACA", "GUGUGUGU"],
        [[1.5, NAN], [-0.5, NAN], [0.25, NAN], [0.75, NAN], [2.0, NAN]],
    ),
}


def reader_format(case: str) -> str:
    return case.split("/", 1)[0]


def read(case: str):
    return read_probes(reader_format(case), BAD / case)


def corpus_cases() -> set[str]:
    """Every case on disk: a file of rnacompete_table/ and config/, a directory otherwise."""
    cases = set()
    for group in sorted(p for p in BAD.iterdir() if p.is_dir()):
        for entry in group.iterdir():
            cases.add(f"{group.name}/{entry.name}")
    return cases


def readme_cases() -> list[str]:
    text = (BAD / "README.md").read_text()
    return [m.rstrip("/") for m in re.findall(r"^\| `([^`]+)` \|", text, flags=re.M)]


def test_corpus_readme_and_tests_list_the_same_cases():
    tested = [c for c, *_ in REJECTED] + [c for c, _ in BAD_CONFIGS] + [*ACCEPTED, *ALL_NAN]
    assert len(tested) == len(set(tested))
    listed = readme_cases()
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(tested)
    assert corpus_cases() == set(tested)
    assert len(tested) == 44  # quoted in docs/reliability.md


@pytest.mark.parametrize(
    ("case", "inner", "line", "fragments"), REJECTED, ids=[c for c, *_ in REJECTED]
)
def test_rejected_input_names_file_and_line(case, inner, line, fragments):
    faulty = BAD / case if inner is None else BAD / case / inner
    with pytest.raises(InputError) as caught:
        read(case)
    message = str(caught.value)
    prefix = f"{faulty}:{line}: " if line is not None else f"{faulty}: "
    assert message.startswith(prefix), (prefix, message)
    assert caught.value.path == str(faulty)
    assert caught.value.line == line
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize(("case", "fragments"), BAD_CONFIGS, ids=[c for c, _ in BAD_CONFIGS])
def test_bad_config_names_the_key(case, fragments):
    path = BAD / case
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    for fragment in fragments:
        fragment = fragment.replace("{path}", str(path))
        assert fragment in message, (fragment, message)


def test_python_tag_in_config_runs_nothing(tmp_path, monkeypatch):
    # The tag would call os.system("echo pwned"); safe_load refuses to construct it.
    calls = []
    monkeypatch.setattr("os.system", lambda *args: calls.append(args))
    with pytest.raises(ConfigError):
        load_config(BAD / "config" / "python_tag.yaml")
    assert calls == []


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_dna_t_is_read_as_u(case):
    sequences, sets, experiments, targets = ACCEPTED[case]
    probes = read(case)
    assert probes.sequences.tolist() == sequences
    assert probes.sets.tolist() == sets
    assert probes.experiments == experiments
    np.testing.assert_array_equal(probes.targets.to_numpy(), np.array(targets, np.float32))


@pytest.mark.parametrize("case", sorted(ALL_NAN))
def test_all_nan_experiment_is_read_and_marked_empty(case):
    empty, sequences, targets = ALL_NAN[case]
    probes = read(case)
    assert probes.sequences.tolist() == sequences
    np.testing.assert_array_equal(probes.targets.to_numpy(), np.array(targets, np.float32))
    table = experiment_table(probes).set_index("experiment")
    assert table.loc[empty, "status"] == "empty"
    # The others are measured, on a handful of probes: too few to train on.
    assert (table.drop(index=empty)["status"] == "too_few").all()


def test_experiments_that_cannot_be_trained_are_marked_before_training():
    """A constant experiment has nothing to learn and no spread to standardise, and a few
    probes cannot be split: each used to crash its training job with a traceback that
    named no experiment."""
    n = 60
    values = np.linspace(0.0, 1.0, n)
    targets = pd.DataFrame(
        {
            "OK": values,
            "CONSTANT": np.where(np.arange(n) < 50, 2.5, values),  # Set B may differ
            "FEW": np.where(np.arange(n) % 10 == 0, values, np.nan),
            "EMPTY_B": np.where(np.arange(n) < 50, values, np.nan),
        }
    )
    probes = Probes(
        sequences=np.array(["ACGUACGUAC"] * n),
        sets=np.array(["A"] * 50 + ["B"] * 10),
        targets=targets,
        source="made",
    )
    table = experiment_table(probes).set_index("experiment")
    assert table["status"].to_dict() == {
        "OK": "ok", "CONSTANT": "constant", "FEW": "too_few", "EMPTY_B": "empty",
    }  # fmt: skip
    assert table.loc["FEW", "n_set_a"] == MIN_SET_A // 4


@pytest.fixture
def restore_logging():
    """The workflow scripts call setup_logging, which changes process-wide state."""
    hook, stderr, stderr_fd = sys.excepthook, sys.stderr, os.dup(2)
    yield
    sys.excepthook = hook
    if sys.stderr is not stderr:  # the script pointed fd 2 at its log
        sys.stderr.close()
        sys.stderr = stderr
    os.dup2(stderr_fd, 2)
    os.close(stderr_fd)
    logging.captureWarnings(False)
    for name in ("rbpgia", "py.warnings"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            handler.close()
        logger.handlers.clear()


def run_script(name: str, **snakemake) -> None:
    """Run workflow/scripts/<name> as Snakemake's script directive would."""
    runpy.run_path(
        str(SCRIPTS / name), init_globals={"snakemake": types.SimpleNamespace(**snakemake)}
    )


class _Files(list):
    """Snakemake's named file lists: indexable and with attributes."""

    def __init__(self, *items, **named):
        super().__init__([*items, *named.values()])
        self.__dict__.update(named)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("case", sorted(ALL_NAN))
def test_all_nan_experiment_is_skipped_with_a_warning_not_a_crash(case, tmp_path):
    """The encode and data-summary steps run through; the empty experiment is only skipped."""
    empty = ALL_NAN[case][0]
    out = tmp_path / "encoded"
    run_script(
        "encode.py",
        input=_Files(str(BAD / case)),
        output=_Files(h5=str(out / "probes.h5"), experiments=str(out / "experiments.tsv")),
        log=_Files(str(tmp_path / "encode.log")),
        threads=1,
        params=types.SimpleNamespace(
            format=reader_format(case),
            reader={},
            settings={"max_length": 41, "window": 41, "span": 41, "threads": 1},
            dataset="bad",
        ),
    )
    log = (tmp_path / "encode.log").read_text()
    warning = (
        f"WARNING rbpgia: experiment {empty} cannot be modelled (no measurements in Set A or "
        "in Set B): it is kept in the file but skipped"
    )
    assert warning in log
    # The others hold a few probes each: skipped too, each with its reason.
    experiments = pd.read_csv(out / "experiments.tsv", sep="\t").set_index("experiment")
    assert log.count("WARNING") == len(experiments)
    assert log.count("fewer than 20 measured Set A probes") == len(experiments) - 1
    # selected_rbps() in workflow/rules/common.smk models only the experiments marked ok.
    assert experiments.loc[empty, "status"] == "empty"
    assert (experiments.drop(index=empty)["status"] == "too_few").all()
    assert len(experiments) == len(ALL_NAN[case][2][0])
    run_script(
        "data_summary.py",
        input=_Files(h5=str(out / "probes.h5"), experiments=str(out / "experiments.tsv")),
        output=_Files(table=str(tmp_path / "summary.tsv"), figure=str(tmp_path / "overview.png")),
        log=_Files(str(tmp_path / "summary.log")),
    )
    summary = pd.read_csv(tmp_path / "summary.tsv", sep="\t").set_index("experiment")
    assert summary.loc[empty, "n_missing"] == len(ALL_NAN[case][1])
    assert summary.loc[empty, ["n_set_a", "n_set_b", "n_capped"]].tolist() == [0, 0, 0]
    assert (tmp_path / "overview.png").stat().st_size > 0
