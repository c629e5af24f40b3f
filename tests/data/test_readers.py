"""The three probe-pool readers, the table writer and the format dispatch."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbpgia.data import (
    Probes,
    read_deepbind,
    read_per_rbp_files,
    read_probes,
    read_rnacompete_table,
    write_rnacompete_table,
)
from rbpgia.errors import ConfigError, InputError

SUBSET = Path(__file__).resolve().parents[2] / "resources" / "rnacompete2013_subset"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import make_rnacompete  # noqa: E402

NAN = np.nan


def targets_of(probes: Probes) -> np.ndarray:
    return probes.targets.to_numpy()


def assert_error(path: Path, line: int | None, *fragments: str, match_in=None):
    """Check an InputError message names the file, the line and the given fragments."""
    message = str(match_in.value)
    assert str(path) in message
    if line is not None:
        assert f"{path}:{line}:" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# --- RNAcompete table -----------------------------------------------------------------

TAB_TABLE = (
    "Probe_Set\tRNA_Seq\tRNCMPT00001\tRNCMPT00002\tRNCMPT00003\n"
    "A\tACGUACGU\t1.5\tNaN\t\n"
    "A\tACGTTT\t-0.25\t2\t\n"
    "B\tGGGCCC\t\t3.125\tNaN\n"
)


@pytest.mark.parametrize("gz", [False, True])
def test_table_tab_separated_with_nan_and_empty_cells(write_file, gz):
    path = write_file("norm_data.txt", TAB_TABLE, gz=gz)
    probes = read_rnacompete_table(path)
    assert probes.experiments == ["RNCMPT00001", "RNCMPT00002", "RNCMPT00003"]
    assert probes.sequences.tolist() == ["ACGUACGU", "ACGUUU", "GGGCCC"]  # T read as U
    assert probes.sets.tolist() == ["A", "A", "B"]
    expected = np.array([[1.5, NAN, NAN], [-0.25, 2.0, NAN], [NAN, 3.125, NAN]], np.float32)
    np.testing.assert_array_equal(targets_of(probes), expected)
    assert (probes.targets.dtypes == np.float32).all()
    # An all-NaN experiment is kept for the caller to skip.
    assert probes.targets["RNCMPT00003"].isna().all()
    assert probes.source == str(path)


def test_table_whitespace_separated_set_spelling_gzip_by_content(write_file):
    text = (
        "Probe_Set  RNA_Seq RNCMPT00007 RNCMPT00008\n"
        "SetA   ACGU  0.5 NaN\n"
        "SetB ACGA -1e-3  7\r\n"
        "  SetA CCCC 2 4\n"
    )
    # gzip content under a name without .gz, and plain content under a .gz name.
    for path in (write_file("table.txt", text, gz=True), write_file("plain.txt.gz", text)):
        probes = read_rnacompete_table(path)
        assert probes.sets.tolist() == ["A", "B", "A"]
        assert probes.sequences.tolist() == ["ACGU", "ACGA", "CCCC"]
        expected = np.array([[0.5, NAN], [-1e-3, 7], [2, 4]], np.float32)
        np.testing.assert_array_equal(targets_of(probes), expected)


# The published norm_data.txt.gz: Probe_ID first, " NaN" with a leading space.
PUBLISHED = (
    "Probe_ID\tProbe_Set\tRNA_Seq\tRNCMPT00001\tRNCMPT00002\n"
    "RBD_v3_000001\tA\tACGUACGU\t1.5\t NaN\n"
    "RBD_v3_000002\tB\tGGGCCC\t NaN\t-0.25\n"
    # Blanks before and after a cell are no part of it either.
    "RBD_v3_000003 \t A\tACGTTT \t NaN  \t  3.125 \n"
    "RBD_v3_000004\tB\tCCCC\tnan \t2\n"
)


@pytest.mark.parametrize("gz", [False, True])
def test_table_published_layout_with_probe_ids_and_spaced_nan(write_file, gz):
    path = write_file("norm_data.txt.gz", PUBLISHED, gz=gz)
    probes = read_rnacompete_table(path)
    assert probes.experiments == ["RNCMPT00001", "RNCMPT00002"]
    assert probes.names.tolist() == [f"RBD_v3_00000{i}" for i in range(1, 5)]
    assert probes.sets.tolist() == ["A", "B", "A", "B"]
    assert probes.sequences.tolist() == ["ACGUACGU", "GGGCCC", "ACGUUU", "CCCC"]
    expected = np.array([[1.5, NAN], [NAN, -0.25], [NAN, 3.125], [NAN, 2]], np.float32)
    np.testing.assert_array_equal(targets_of(probes), expected)
    assert probes.probe_names()[2] == "RBD_v3_000003"


def test_table_without_probe_ids_names_probes_by_row(write_file):
    probes = read_rnacompete_table(write_file("norm_data.txt", TAB_TABLE))
    assert probes.names is None
    assert probes.probe_names().tolist() == ["0", "1", "2"]


def test_table_spaced_nan_across_read_boundaries(write_file):
    """Blanks held back at the end of one read of the file still end their cell."""
    rows = [f"RBD_{i}\tA\tACGU\t{i}.5{' ' * (i % 7)}\t NaN{' ' * (i % 5)}" for i in range(30_000)]
    text = "Probe_ID\tProbe_Set\tRNA_Seq\tE1\tE2\n" + "\n".join(rows) + "   "
    probes = read_rnacompete_table(write_file("big.txt", text))
    np.testing.assert_array_equal(probes.targets["E1"], np.arange(30_000) + np.float32(0.5))
    assert probes.targets["E2"].isna().all()


def test_generated_published_table_reads_back(tmp_path):
    path = tmp_path / "norm_data.txt.gz"
    motifs = make_rnacompete.write_table(path, n_probes=3000, n_experiments=4, seed=3)
    probes = read_rnacompete_table(path)
    assert len(probes) == 3000
    assert (probes.sets == "A").sum() == round(3000 * 120_326 / 241_357)
    assert probes.names[[0, -1]].tolist() == ["RBD_v3_000001", "RBD_v3_003000"]
    assert probes.experiments == ["RNCMPT00001", "RNCMPT00002", "RNCMPT00003", "RNCMPT00004"]
    lengths = np.char.str_len(probes.sequences)
    assert lengths.min() >= 30
    assert lengths.max() <= 41
    assert set(np.unique(lengths)) >= {30, 35, 38}
    assert 0.01 < probes.targets.isna().to_numpy().mean() < 0.03  # 2% written " NaN"
    # The planted motif raises its experiment's intensity.
    has = np.char.find(probes.sequences.astype(str), motifs[0]) >= 0
    first = probes.targets["RNCMPT00001"].to_numpy()
    assert np.nanmean(first[has]) > np.nanmean(first[~has]) + 2
    with gzip.open(path, "rt") as handle:
        handle.readline()
        assert " NaN" in handle.read(200_000)


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        # A non-numeric column other than Probe_ID is an experiment that holds text.
        (
            "Probe_ID\tProbe_Set\tRNA_Seq\tGene\tRNCMPT00001\nRBD_1\tA\tACGU\tHNRNPA1\t1\n",
            2,
            ["column 'Gene' holds 'HNRNPA1', which is not a number"],
        ),
        (
            "Probe_ID\tProbe_Set\tRNA_Seq\tRNCMPT00001\nRBD_1\tA\tACGU\t1\nRBD_1\tB\tCC\t2\n",
            3,
            ["Probe_ID 'RBD_1' repeats the probe of line 2"],
        ),
        (
            "Probe_ID\tProbe_Set\tRNA_Seq\tRNCMPT00001\nRBD_1\tA\tACGU\t1\n \tB\tCC\t2\n",
            3,
            ["empty Probe_ID"],
        ),
        (
            "Probe_ID\tProbe_Set\tRNA_Seq\tRNCMPT00001\nRBD_1\tA\tACGU\t1\nRBD_2\tB\tCC\tNa N\n",
            3,
            ["column 'RNCMPT00001' holds 'Na N'"],
        ),
    ],
)
def test_published_layout_errors_name_file_column_and_line(write_file, text, line, fragments):
    path = write_file("norm_data.txt", text)
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, line, *fragments, match_in=caught)


HEADER = "Probe_Set\tRNA_Seq\tRNCMPT00001\tRNCMPT00002\n"
ROW = "A\tACGU\t1.0\t2.0\n"


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        ("RNA_Seq\tRNCMPT00001\nACGU\t1\n", 1, ["missing column", "'Probe_Set'"]),
        ("Probe_Set\tRNCMPT00001\nA\t1\n", 1, ["missing column", "'RNA_Seq'"]),
        ("Probe_Set\tRNA_Seq\tX1\tX1\nA\tACGU\t1\t2\n", 1, ["duplicate", "X1"]),
        ("Probe_Set\tRNA_Seq\t..\nA\tACGU\t1\n", 1, ["'..'", "not allowed"]),
        ("Probe_Set\tRNA_Seq\nA\tACGU\n", 1, ["no experiment columns"]),
        (HEADER + ROW + "A\tACGU\t1.0\n", 3, ["expected 4 tab-separated fields", "found 3"]),
        (HEADER + ROW + "A\tACGU\t1\t2\t3\n" + ROW, 3, ["expected 4", "found 5"]),
        (HEADER + ROW + "\n" + ROW, 3, ["expected 4", "blank line"]),
        (HEADER + ROW + ROW + "A\tACGU\t1.0", 4, ["expected 4", "found 3"]),
        (HEADER + ROW + "A\tACGU\t1.0\tabc\n", 3, ["'RNCMPT00002'", "'abc'", "not a number"]),
        (HEADER + ROW * 3 + "A\tACGU\t1.x\t2\n", 5, ["'RNCMPT00001'", "'1.x'"]),
        (HEADER + ROW + "A\tACGU\tinf\t2\n", 3, ["'RNCMPT00001'", "not finite"]),
        (HEADER + ROW + "C\tACGU\t1\t2\n", 3, ["unknown set label 'C'"]),
        (HEADER + ROW + "Set A\tACGU\t1\t2\n", 3, ["unknown set label 'Set A'"]),
        (HEADER + ROW + "\tACGU\t1\t2\n", 3, ["unknown set label ''"]),
        (HEADER + ROW + ROW + "B\tACNU\t1\t2\n", 4, ["'N' at position 3"]),
        (HEADER + ROW + "B\tacgu\t1\t2\n", 3, ["'a' at position 1"]),
        (HEADER + ROW + "B\t\t1\t2\n", 3, ["empty sequence"]),
        ("", None, ["file is empty"]),
        (HEADER, None, ["no data rows"]),
    ],
)
def test_table_errors_name_file_and_line(write_file, text, line, fragments):
    path = write_file("bad_table.txt", text)
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, line, *fragments, match_in=caught)


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        ("Probe_Set RNA_Seq E1 E2\nA ACGU 1 2\nA ACGU 1\n", 3, ["expected 4", "fewer"]),
        ("Probe_Set RNA_Seq E1 E2\nA ACGU 1 2\n\nA ACGU 1 2\n", 3, ["expected 4", "fewer"]),
        ("Probe_Set RNA_Seq E1 E2\nA ACGU 1 2\nA ACGU 1 2 3\n", 3, ["expected 4", "found 5"]),
        # On the first data row pandas only warned and cut the surplus field.
        ("Probe_Set RNA_Seq E1 E2\nA ACGU 1 2 3\nA ACGU 1 2\n", 2, ["expected 4", "found 5"]),
        ("Probe_Set RNA_Seq E1 E2\nA ACGU 1 2\nA ACGU 1 x\n", 3, ["'E2'", "'x'"]),
        ("Probe_Set RNA_Seq E1 E2\nA ACGU 1 2\nA ACGU y 2\n", 3, ["'E1'", "'y'"]),
    ],
)
def test_table_whitespace_errors_name_file_and_line(write_file, text, line, fragments):
    path = write_file("bad_table.txt", text)
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, line, *fragments, match_in=caught)


def test_table_large_file_error_line_after_many_rows(write_file):
    # The bad row lies past pandas' first read buffer and past the locator's first chunk.
    rows = "".join(f"A\tACGU\t{i}\t{i}\n" for i in range(40_000))
    path = write_file("big.txt.gz", HEADER + rows + "B\tACGU\t1\t?\n" + rows, gz=True)
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, 40_002, "'RNCMPT00002'", "'?'", match_in=caught)
    path = write_file("ragged.txt", HEADER + rows + "B\tACGU\t1\n" + rows)
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, 40_002, "found 3", match_in=caught)


def gzip_bytes(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def test_table_truncated_gzip(tmp_path):
    data = gzip_bytes(HEADER + ROW * 2000)
    path = tmp_path / "truncated.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, None, "truncated or corrupt gzip", match_in=caught)


def test_table_corrupt_gzip(tmp_path):
    data = bytearray(gzip_bytes(HEADER + ROW * 10))
    data[-8] ^= 0xFF  # break the CRC-32 in the gzip trailer
    path = tmp_path / "corrupt.txt.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, None, "truncated or corrupt gzip", match_in=caught)


def test_table_missing_file_directory_and_binary(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_rnacompete_table(tmp_path / "absent.txt")
    with pytest.raises(InputError, match="expected a file"):
        read_rnacompete_table(tmp_path)
    path = tmp_path / "latin1.txt"
    path.write_bytes((HEADER + "A\tACGU\t1\t2\xe9\n").encode("latin-1"))
    with pytest.raises(InputError) as caught:
        read_rnacompete_table(path)
    assert_error(path, None, "not UTF-8", match_in=caught)


def test_table_crlf_line_ends(write_file):
    path = write_file("crlf.txt", (HEADER + ROW + "B\tCCCC\t\t-3\n").replace("\n", "\r\n"))
    probes = read_rnacompete_table(path)
    assert probes.sequences.tolist() == ["ACGU", "CCCC"]
    np.testing.assert_array_equal(targets_of(probes), np.array([[1, 2], [NAN, -3]], np.float32))


def small_pool() -> Probes:
    targets = pd.DataFrame(
        {"RNCMPT00001": [0.1, NAN, -2.5, 1e-7], "X.rep-2": [NAN, NAN, 3.0, 123456.789]}
    )
    return Probes(
        sequences=np.array(["ACGU", "UUUU", "GACGAC", "CCCA"]),
        sets=np.array(["A", "A", "B", "B"]),
        targets=targets,
        source="synthetic",
    )


@pytest.mark.parametrize("name", ["pool.txt", "pool.txt.gz"])
def test_table_round_trip(tmp_path, name):
    pool = small_pool()
    path = tmp_path / name
    write_rnacompete_table(pool, path)
    back = read_rnacompete_table(path)
    assert back.sequences.tolist() == pool.sequences.tolist()
    assert back.sets.tolist() == pool.sets.tolist()
    assert back.experiments == pool.experiments
    # float64 input comes back at float32 precision, bit for bit.
    np.testing.assert_array_equal(targets_of(back), targets_of(pool).astype(np.float32))
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left
    with gzip.open(path, "rt") if name.endswith(".gz") else open(path) as handle:
        assert handle.readline() == "Probe_Set\tRNA_Seq\tRNCMPT00001\tX.rep-2\n"
        assert handle.readline() == "A\tACGU\t0.1\tNaN\n"


def test_table_round_trip_keeps_probe_ids(tmp_path):
    pool = small_pool()
    ids = np.array(["RBD_v3_000009", "RBD_v3_000002", "RBD_v3_000005", "RBD_v3_000001"])
    named = Probes(pool.sequences, pool.sets, pool.targets, pool.source, names=ids)
    write_rnacompete_table(named, tmp_path / "pool.txt")
    assert (tmp_path / "pool.txt").read_text().startswith("Probe_ID\tProbe_Set\tRNA_Seq\t")
    assert read_rnacompete_table(tmp_path / "pool.txt").names.tolist() == ids.tolist()


def test_table_gzip_output_is_reproducible(tmp_path):
    write_rnacompete_table(small_pool(), tmp_path / "one.txt.gz")
    write_rnacompete_table(small_pool(), tmp_path / "two.txt.gz")
    data = (tmp_path / "one.txt.gz").read_bytes()
    assert data[:2] == b"\x1f\x8b"
    assert data == (tmp_path / "two.txt.gz").read_bytes()


def test_table_writer_rejects_unsafe_experiment_name(tmp_path):
    pool = small_pool()
    bad = Probes(pool.sequences, pool.sets, pool.targets.rename(columns={"X.rep-2": "a/b"}))
    with pytest.raises(InputError, match="'a/b'"):
        write_rnacompete_table(bad, tmp_path / "out.txt")
    assert list(tmp_path.iterdir()) == []


sequences_st = st.text(alphabet="ACGU", min_size=30, max_size=41)
value_st = st.one_of(
    st.floats(width=32, allow_nan=False, allow_infinity=False), st.just(float("nan"))
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(st.sampled_from("AB"), sequences_st), min_size=1, max_size=12),
    n_experiments=st.integers(1, 4),
    data=st.data(),
)
def test_table_round_trip_property(tmp_path, rows, n_experiments, data):
    values = data.draw(
        st.lists(value_st, min_size=len(rows) * n_experiments, max_size=len(rows) * n_experiments)
    )
    targets = np.array(values, dtype=np.float32).reshape(len(rows), n_experiments)
    pool = Probes(
        sequences=np.array([seq for _, seq in rows]),
        sets=np.array([label for label, _ in rows]),
        targets=pd.DataFrame(targets, columns=[f"RNCMPT{i:05d}" for i in range(n_experiments)]),
    )
    path = tmp_path / "prop.txt.gz"
    write_rnacompete_table(pool, path)
    back = read_rnacompete_table(path)
    assert back.sequences.tolist() == pool.sequences.tolist()
    assert back.sets.tolist() == pool.sets.tolist()
    assert back.experiments == pool.experiments
    missing = np.isnan(targets)
    np.testing.assert_array_equal(np.isnan(targets_of(back)), missing)
    # Bit-level comparison: exact float32 values, signed zeros included.
    np.testing.assert_array_equal(
        targets_of(back)[~missing].view(np.uint32), targets[~missing].view(np.uint32)
    )


# --- DeepBind -------------------------------------------------------------------------

SEQUENCES_TSV = (
    "Fold ID\tEvent ID\tseq\nA\tRNCMPT_A_1\tACGTAC\nA\tRNCMPT_A_2\tGGGG\nB\tRNCMPT_B_1\tUUUA\n"
)
TARGETS_TSV = "RNCMPT00001\tRNCMPT00002\n0.5\tNaN\n\t-1\n2.25\t3\n"


def test_deepbind_reads_aligned_files(write_file, tmp_path):
    write_file("db/sequences.tsv", SEQUENCES_TSV)
    write_file("db/targets.tsv.gz", TARGETS_TSV, gz=True)
    probes = read_deepbind(tmp_path / "db")
    assert probes.sequences.tolist() == ["ACGUAC", "GGGG", "UUUA"]
    assert probes.sets.tolist() == ["A", "A", "B"]
    assert probes.experiments == ["RNCMPT00001", "RNCMPT00002"]
    expected = np.array([[0.5, NAN], [NAN, -1], [2.25, 3]], np.float32)
    np.testing.assert_array_equal(targets_of(probes), expected)


def test_deepbind_row_count_mismatch(write_file, tmp_path):
    write_file("db/sequences.tsv.gz", SEQUENCES_TSV, gz=True)
    write_file("db/targets.tsv", TARGETS_TSV + "1\t2\n")
    with pytest.raises(InputError) as caught:
        read_deepbind(tmp_path / "db")
    assert_error(
        tmp_path / "db", None, "sequences.tsv.gz has 3", "targets.tsv has 4", match_in=caught
    )


def test_deepbind_missing_and_doubled_files(write_file, tmp_path):
    write_file("db/sequences.tsv", SEQUENCES_TSV)
    with pytest.raises(InputError, match=r"missing targets\.tsv \(or targets\.tsv\.gz\)"):
        read_deepbind(tmp_path / "db")
    write_file("db/targets.tsv", TARGETS_TSV)
    write_file("db/targets.tsv.gz", TARGETS_TSV, gz=True)
    with pytest.raises(InputError, match="both targets.tsv and targets.tsv.gz"):
        read_deepbind(tmp_path / "db")


@pytest.mark.parametrize(
    ("name", "text", "line", "fragment"),
    [
        ("sequences.tsv", SEQUENCES_TSV.replace("B\t", "C\t"), 4, "unknown set label 'C'"),
        ("sequences.tsv", SEQUENCES_TSV.replace("GGGG", "GGXG"), 3, "'X' at position 3"),
        ("sequences.tsv", SEQUENCES_TSV.replace("\tseq", "\tsequence"), 1, "'seq'"),
        ("targets.tsv", TARGETS_TSV.replace("2.25", "two"), 4, "'two'"),
        ("targets.tsv", TARGETS_TSV.replace("2.25\t3", "2.25"), 4, "found 1 field"),
        ("targets.tsv", TARGETS_TSV.replace("\t-1", ""), 3, "found a blank line"),
    ],
)
def test_deepbind_bad_rows(write_file, tmp_path, name, text, line, fragment):
    files = {"sequences.tsv": SEQUENCES_TSV, "targets.tsv": TARGETS_TSV, name: text}
    for file_name, content in files.items():
        write_file(f"db/{file_name}", content)
    with pytest.raises(InputError) as caught:
        read_deepbind(tmp_path / "db")
    assert_error(tmp_path / "db" / name, line, fragment, match_in=caught)


def test_deepbind_needs_a_directory(write_file):
    path = write_file("sequences.tsv", SEQUENCES_TSV)
    with pytest.raises(InputError, match="expected a directory"):
        read_deepbind(path)


# --- per-RBP files --------------------------------------------------------------------


def write_per_rbp(write_file, files: dict[str, str], gz: tuple[str, ...] = ()) -> Path:
    for name, text in files.items():
        path = write_file(f"rbp/{name}", text, gz=name in gz)
    return path.parent


def test_per_rbp_merges_samples_by_sequence_and_occurrence(write_file):
    directory = write_per_rbp(
        write_file,
        {
            # Written out of name order: the reader sorts experiments by name.
            "Y_setA.txt": "5.0 CCCC\n6.0\tGGGG\n7.0   AAAA\n",
            "X_setA.txt.gz": "1.0 AAAA\n2.0 CCCC\n3.0 AAAA\n",
            "X_setB.txt": "-1 UUUU\n",
            "Y_setB.txt": "-2 ACAT\n-3 UUUU\n",
            "README.txt": "ignored\n",
        },
        gz=("X_setA.txt.gz", "Y_setB.txt"),
    )
    probes = read_per_rbp_files(directory)
    assert probes.experiments == ["X", "Y"]
    # AAAA#0 (X, Y), CCCC#0 (X, Y), AAAA#1 (X only), GGGG#0 (Y only); then Set B.
    assert probes.sequences.tolist() == ["AAAA", "CCCC", "AAAA", "GGGG", "UUUU", "ACAU"]
    assert probes.sets.tolist() == ["A", "A", "A", "A", "B", "B"]
    expected = np.array([[1, 7], [2, 5], [3, NAN], [NAN, 6], [-1, -3], [NAN, -2]], dtype=np.float32)
    np.testing.assert_array_equal(targets_of(probes), expected)


def test_per_rbp_missing_partner_file(write_file):
    directory = write_per_rbp(write_file, {"X_setA.txt": "1 ACGU\n", "X_setB.txt": "1 ACGU\n"})
    write_file("rbp/Y_setB.txt.gz", "2 ACGU\n", gz=True)
    with pytest.raises(InputError) as caught:
        read_per_rbp_files(directory)
    assert_error(directory, None, "Y_setB.txt.gz", "no Y_setA.txt", match_in=caught)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("1 ACGU\n2 ACGU extra\n", 2, "found 3"),
        ("1 ACGU extra\n2 ACGU\n", 1, "found 3"),  # was read as '1 ACGU', 'extra' dropped
        ("1 ACGU\n2 ACGU\n3\n", 3, "expected 2 whitespace-separated fields"),
        ("1 ACGU\n\n2 ACGU\n", 2, "expected 2"),
        ("1 ACGU\nhigh ACGU\n", 2, "'high', which is not a number"),
        ("1 ACGU\n2 ACGU\n3 ACGN\n", 3, "'N' at position 4"),
        ("", None, "file is empty"),
    ],
)
def test_per_rbp_bad_lines(write_file, text, line, fragment):
    directory = write_per_rbp(write_file, {"E1_setA.txt": "1 ACGU\n", "E1_setB.txt": text})
    with pytest.raises(InputError) as caught:
        read_per_rbp_files(directory)
    assert_error(directory / "E1_setB.txt", line, fragment, match_in=caught)


def test_per_rbp_file_both_plain_and_gzip(write_file):
    directory = write_per_rbp(write_file, {"X_setA.txt": "1 ACGU\n", "X_setB.txt": "1 ACGU\n"})
    write_file("rbp/X_setA.txt.gz", "1 ACGU\n", gz=True)
    with pytest.raises(InputError, match="both X_setA.txt and X_setA.txt.gz exist"):
        read_per_rbp_files(directory)


def test_per_rbp_no_files(tmp_path):
    with pytest.raises(InputError, match="no per-experiment files"):
        read_per_rbp_files(tmp_path)


RNACONTEXT = "{experiment}_data_full_{set}.txt"


def test_per_rbp_rnacontext_2009_layout(tmp_path):
    make_rnacompete.write_rnacontext(
        tmp_path, ("HuR", "PTB", "Fusip"), n_probes=600, nan_fraction=0.1, dna=("PTB",), seed=2
    )
    probes = read_per_rbp_files(tmp_path, pattern=RNACONTEXT)
    assert probes.experiments == ["Fusip", "HuR", "PTB"]
    # One pool of 600 probes, 300 per set (less those no RBP kept); PTB's DNA letters read
    # as the same RNA probes.
    written = {
        label: {
            line.split("\t")[1].replace("T", "U")
            for path in tmp_path.glob(f"*_data_full_{label}.txt")
            for line in path.read_text().splitlines()
        }
        for label in "AB"
    }
    assert 590 < len(probes) <= 600
    assert (probes.sets == "A").sum() == len(written["A"])
    assert set(probes.sequences[probes.sets == "B"]) == written["B"]
    assert set("".join(probes.sequences)) == set("ACGU")
    lengths = np.char.str_len(probes.sequences)
    assert lengths.max() <= 39
    # A probe's score is the one on its line; left-out probes are NaN.
    first = (tmp_path / "PTB_data_full_B.txt").read_text().splitlines()[0].split("\t")
    row = np.flatnonzero(probes.sequences == first[1].replace("T", "U"))
    assert probes.targets["PTB"].iloc[row].tolist() == [np.float32(first[0])]
    assert 0.05 < probes.targets.isna().to_numpy().mean() < 0.15
    assert read_probes("per_rbp_files", tmp_path, pattern=RNACONTEXT).experiments == [
        "Fusip",
        "HuR",
        "PTB",
    ]


def test_per_rbp_pattern_names_files_in_messages(write_file, tmp_path):
    write_file("d/HuR_data_full_A.txt.gz", "1\tACGU\n", gz=True)
    with pytest.raises(InputError, match=r"has HuR_data_full_A.txt.gz but no HuR_data_full_B.txt"):
        read_per_rbp_files(tmp_path / "d", pattern=RNACONTEXT)
    # The default pattern does not see these files.
    with pytest.raises(InputError) as caught:
        read_per_rbp_files(tmp_path / "d")
    assert "<EXPERIMENT>_setA.txt and <EXPERIMENT>_setB.txt" in str(caught.value)
    with pytest.raises(InputError) as caught:
        read_per_rbp_files(tmp_path, pattern=RNACONTEXT)
    assert "<EXPERIMENT>_data_full_A.txt and <EXPERIMENT>_data_full_B.txt" in str(caught.value)


@pytest.mark.parametrize(
    "pattern",
    ["{experiment}.txt", "{set}_{set}.txt", "{experiment}_{set}_{rbp}.txt", "a/{experiment}{set}"],
)
def test_per_rbp_bad_pattern(tmp_path, pattern):
    with pytest.raises(ConfigError, match="must hold {experiment} and {set} once each"):
        read_per_rbp_files(tmp_path, pattern=pattern)


def raw_lines(path: Path) -> list[tuple[float, str]]:
    with gzip.open(path, "rt") as handle:
        return [(float(score), seq) for score, seq in (line.split() for line in handle)]


def test_per_rbp_real_subset():
    probes = read_per_rbp_files(SUBSET)
    assert probes.experiments == ["RNCMPT00001", "RNCMPT00002"]
    measured = probes.targets.notna()
    for experiment in probes.experiments:
        assert measured[experiment][probes.sets == "A"].sum() == 30_000
        assert measured[experiment][probes.sets == "B"].sum() == 30_000
    # The two samples share 29,998 of their 30,000 probes per set.
    assert (probes.sets == "A").sum() == 30_002
    assert (probes.sets == "B").sum() == 30_002
    assert measured.all(axis=1).sum() == 2 * 29_998
    # A probe in both Set A files carries the score of each, as written in the raw files.
    first = raw_lines(SUBSET / "RNCMPT00001_setA.txt.gz")
    second = raw_lines(SUBSET / "RNCMPT00002_setA.txt.gz")
    score1, sequence = first[0]
    assert sequence == "AGAAGGCACCAACAGAAGCUCUAACCAGACUAGCCACC"
    assert [seq for _, seq in first].count(sequence) == 1
    [score2] = [score for score, seq in second if seq == sequence]
    row = np.flatnonzero((probes.sequences == sequence) & (probes.sets == "A"))
    assert row.size == 1
    assert probes.targets.iloc[row[0]].tolist() == [
        np.float32(score1),
        np.float32(score2),
    ]
    assert probes.targets.iloc[row[0]].tolist() == [np.float32(-0.975763), np.float32(-0.938189)]


# --- dispatch -------------------------------------------------------------------------


def test_read_probes_dispatches_on_format(write_file, tmp_path):
    table = write_file("norm_data.txt", TAB_TABLE)
    assert read_probes("rnacompete_table", table).sequences.tolist()[0] == "ACGUACGU"
    write_file("db/sequences.tsv", SEQUENCES_TSV)
    write_file("db/targets.tsv", TARGETS_TSV)
    assert len(read_probes("deepbind", tmp_path / "db")) == 3
    assert read_probes("per_rbp_files", SUBSET).experiments == ["RNCMPT00001", "RNCMPT00002"]


def test_read_probes_unknown_format_and_missing_path(tmp_path):
    with pytest.raises(ConfigError, match="accepted formats: deepbind, per_rbp_files, rnacompete"):
        read_probes("fasta", tmp_path)
    with pytest.raises(InputError) as caught:
        read_probes("deepbind", tmp_path / "nowhere")
    assert_error(tmp_path / "nowhere", None, "path does not exist", match_in=caught)
