"""Property-based tests (hypothesis): one-hot/padding round trip, the three readers, safe names.

The tables are written as text here, not with the package's writer, so the readers are
checked against the file formats themselves.
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rbpgia.data import (
    check_name,
    clean_sequence,
    read_deepbind,
    read_per_rbp_files,
    read_rnacompete_table,
)
from rbpgia.encode.onehot import MAX_LENGTH, decode, one_hot, pad_offsets
from rbpgia.errors import InputError

FAST = settings(max_examples=50, deadline=None)

rna = st.text(alphabet="ACGU", min_size=1, max_size=MAX_LENGTH)
dna_or_rna = st.text(alphabet="ACGTU", min_size=1, max_size=MAX_LENGTH)
# Letters the readers must reject: N, lower case, IUPAC codes, gaps, digits, non-ASCII.
invalid_letter = st.sampled_from(list("NnacgtuRYKMSWBDHVX-.*05") + ["é", "Ψ"])
float32_value = st.floats(width=32, allow_nan=False, allow_infinity=False)
# A value is a float32 or None (missing).
cell = st.one_of(float32_value, st.none())


# --- one-hot and padding --------------------------------------------------------------


def check_centred(encoded: np.ndarray, sequences: list[str], max_length: int) -> None:
    assert encoded.shape == (len(sequences), max_length, 4)
    assert encoded.dtype == np.float32
    assert np.isin(encoded, (0.0, 1.0)).all()
    row_sums = encoded.sum(axis=-1)
    assert np.isin(row_sums, (0.0, 1.0)).all()
    for row, seq in zip(row_sums, sequences, strict=True):
        left = (max_length - len(seq)) // 2
        right = max_length - len(seq) - left
        # Documented centring: left pad (L - n) // 2, an odd surplus goes to the right.
        assert right - left in (0, 1)
        np.testing.assert_array_equal(np.flatnonzero(row), np.arange(left, left + len(seq)))


@FAST
@given(st.lists(rna, min_size=1, max_size=16), st.data())
def test_one_hot_decode_round_trip_and_centring(sequences, data):
    longest = max(map(len, sequences))
    max_length = data.draw(st.one_of(st.just(MAX_LENGTH), st.integers(longest, 60)))
    max_length = max(max_length, longest)
    encoded = one_hot(sequences, max_length)
    assert decode(encoded) == sequences
    check_centred(encoded, sequences, max_length)
    np.testing.assert_array_equal(
        pad_offsets([len(s) for s in sequences], max_length),
        [(max_length - len(s)) // 2 for s in sequences],
    )
    # The channel of each filled row is the letter's index in A, C, G, U.
    letters = np.array(list("ACGU"))
    for seq, rows in zip(sequences, encoded, strict=True):
        filled = rows[rows.sum(axis=1) == 1]
        assert "".join(letters[filled.argmax(axis=1)]) == seq


@FAST
@given(st.lists(dna_or_rna, min_size=1, max_size=16))
def test_dna_t_is_read_as_u_before_encoding(sequences):
    rna_sequences = [clean_sequence(s) for s in sequences]
    assert rna_sequences == [s.replace("T", "U") for s in sequences]
    encoded = one_hot(rna_sequences)
    assert decode(encoded) == rna_sequences
    check_centred(encoded, rna_sequences, MAX_LENGTH)
    # The encoder itself takes ACGU only: T must have been converted by a reader.
    if any("T" in s for s in sequences):
        with pytest.raises(InputError, match="'T' at position"):
            one_hot(sequences)


@FAST
@given(st.text(alphabet="ACGU", min_size=MAX_LENGTH + 1, max_size=60))
def test_over_long_probe_is_rejected(sequence):
    with pytest.raises(InputError, match=f"sequence 0 is {len(sequence)} nt"):
        one_hot([sequence])


# --- readers --------------------------------------------------------------------------


def format_value(value: float | None, missing: str) -> str:
    # repr of the float32 value as a double: parses back to the same float32 bit for bit.
    return missing if value is None else repr(float(np.float32(value)))


def expected_targets(values: list[list[float | None]]) -> np.ndarray:
    return np.array(
        [[np.nan if v is None else v for v in row] for row in values], dtype=np.float32
    ).reshape(len(values), -1)


def assert_same_floats(got: np.ndarray, expected: np.ndarray) -> None:
    missing = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(got), missing)
    # Bit-level: exact float32 values, signed zeros included.
    np.testing.assert_array_equal(
        got[~missing].astype(np.float32).view(np.uint32), expected[~missing].view(np.uint32)
    )


def write(path: Path, text: str, gz: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


@st.composite
def tables(draw, max_rows: int = 15):
    """(labels, sequences, experiments, values) of a valid probe x experiment table."""
    n_rows = draw(st.integers(1, max_rows))
    n_experiments = draw(st.integers(1, 4))
    labels = draw(
        st.lists(st.sampled_from(["A", "B", "SetA", "SetB"]), min_size=n_rows, max_size=n_rows)
    )
    sequences = draw(st.lists(dna_or_rna, min_size=n_rows, max_size=n_rows))
    values = draw(
        st.lists(
            st.lists(cell, min_size=n_experiments, max_size=n_experiments),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    experiments = [f"RNCMPT{i:05d}" for i in range(n_experiments)]
    return labels, sequences, experiments, values


def table_text(table, sep: str, missing: list[str]) -> str:
    labels, sequences, experiments, values = table
    lines = [sep.join(["Probe_Set", "RNA_Seq", *experiments])]
    for i, (label, seq, row) in enumerate(zip(labels, sequences, values, strict=True)):
        cells = [format_value(v, missing[(i + j) % len(missing)]) for j, v in enumerate(row)]
        lines.append(sep.join([label, seq, *cells]))
    return "\n".join(lines) + "\n"


@FAST
@given(
    table=tables(),
    sep=st.sampled_from(["\t", " ", "  "]),
    gz=st.booleans(),
    missing=st.lists(st.sampled_from(["NaN", "nan", "NA", ""]), min_size=1, max_size=3),
)
def test_rnacompete_table_is_read_back_exactly(table, sep, gz, missing):
    if sep != "\t":  # only a tab-separated file can hold an empty cell
        missing = [m for m in missing if m] or ["NaN"]
    labels, sequences, experiments, values = table
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "norm_data.txt", table_text(table, sep, missing), gz)
        probes = read_rnacompete_table(path)
    assert probes.sequences.tolist() == [s.replace("T", "U") for s in sequences]
    assert probes.sets.tolist() == [label[-1] for label in labels]
    assert probes.experiments == experiments
    assert_same_floats(probes.targets.to_numpy(), expected_targets(values))


@FAST
@given(table=tables(), row=st.data(), letter=invalid_letter, gz=st.booleans())
def test_rnacompete_table_rejects_a_bad_letter_on_its_line(table, row, letter, gz):
    labels, sequences, experiments, values = table
    index = row.draw(st.integers(0, len(sequences) - 1))
    position = row.draw(st.integers(0, len(sequences[index]) - 1))
    seq = sequences[index]
    sequences = list(sequences)
    sequences[index] = seq[:position] + letter + seq[position + 1 :]
    text = table_text((labels, sequences, experiments, values), "\t", ["NaN"])
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "norm_data.txt", text, gz)
        with pytest.raises(InputError) as caught:
            read_rnacompete_table(path)
    assert str(caught.value).startswith(f"{path}:{index + 2}: sequence ")
    assert f"has {letter!r} at position {position + 1};" in str(caught.value)


def deepbind_files(directory: Path, table, missing: str, gz: bool) -> None:
    labels, sequences, experiments, values = table
    seq_lines = ["Fold ID\tEvent ID\tseq"]
    seq_lines += [
        f"{label[-1]}\tRNCMPT_{label[-1]}_{i}\t{seq}"
        for i, (label, seq) in enumerate(zip(labels, sequences, strict=True))
    ]
    target_lines = ["\t".join(experiments)]
    target_lines += ["\t".join(format_value(v, missing) for v in row) for row in values]
    write(directory / "sequences.tsv", "\n".join(seq_lines) + "\n", gz)
    write(directory / "targets.tsv", "\n".join(target_lines) + "\n", not gz)


@FAST
@given(table=tables(), missing=st.sampled_from(["NaN", ""]), gz=st.booleans())
def test_deepbind_is_read_back_exactly(table, missing, gz):
    labels, sequences, experiments, values = table
    with tempfile.TemporaryDirectory() as tmp:
        deepbind_files(Path(tmp), table, missing, gz)
        probes = read_deepbind(tmp)
    assert probes.sequences.tolist() == [s.replace("T", "U") for s in sequences]
    assert probes.sets.tolist() == [label[-1] for label in labels]
    assert probes.experiments == experiments
    assert_same_floats(probes.targets.to_numpy(), expected_targets(values))


@FAST
@given(table=tables(), row=st.data(), letter=invalid_letter)
def test_deepbind_rejects_a_bad_letter_on_its_line(table, row, letter):
    labels, sequences, experiments, values = table
    index = row.draw(st.integers(0, len(sequences) - 1))
    position = row.draw(st.integers(0, len(sequences[index]) - 1))
    sequences = list(sequences)
    seq = sequences[index]
    sequences[index] = seq[:position] + letter + seq[position + 1 :]
    with tempfile.TemporaryDirectory() as tmp:
        deepbind_files(Path(tmp), (labels, sequences, experiments, values), "NaN", False)
        with pytest.raises(InputError) as caught:
            read_deepbind(tmp)
        assert str(caught.value).startswith(f"{Path(tmp) / 'sequences.tsv'}:{index + 2}: ")
    assert f"has {letter!r} at position {position + 1};" in str(caught.value)


# Short sequences over two letters repeat often, which exercises the occurrence matching.
short_probe = st.text(alphabet="AT", min_size=1, max_size=3)
score = st.one_of(float32_value, st.none())


@st.composite
def per_rbp_samples(draw):
    """Per set, the probes of experiment E1 and a shuffled copy of them for E2, with scores."""
    samples = {}
    for label in "AB":
        sequences = draw(st.lists(short_probe, min_size=1, max_size=12))
        n = len(sequences)
        first = draw(st.lists(score, min_size=n, max_size=n))
        second = draw(st.lists(score, min_size=n, max_size=n))
        order = draw(st.permutations(range(n)))
        samples[label] = (sequences, first, second, order)
    return samples


def occurrence_keys(sequences: list[str]) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    keys = []
    for seq in sequences:
        keys.append((seq, seen.get(seq, 0)))
        seen[seq] = seen.get(seq, 0) + 1
    return keys


@FAST
@given(samples=per_rbp_samples(), gz=st.booleans(), sep=st.sampled_from([" ", "\t", "   "]))
def test_per_rbp_files_are_merged_exactly(samples, gz, sep):
    with tempfile.TemporaryDirectory() as tmp:
        for label, (sequences, first, second, order) in samples.items():
            lines_1 = [
                f"{format_value(v, 'NaN')}{sep}{s}" for s, v in zip(sequences, first, strict=True)
            ]
            lines_2 = [f"{format_value(second[i], 'NaN')}{sep}{sequences[i]}" for i in order]
            suffix = ".gz" if gz else ""
            write(Path(tmp) / f"E1_set{label}.txt{suffix}", "\n".join(lines_1) + "\n", gz)
            write(Path(tmp) / f"E2_set{label}.txt", "\n".join(lines_2) + "\n", False)
        probes = read_per_rbp_files(tmp)
    expected_sequences, expected_sets, expected_rows = [], [], []
    for label, (sequences, first, second, order) in samples.items():
        # E2 holds the same probes in another order: its k-th copy of a sequence is matched
        # with E1's k-th copy, so identical sequences may swap scores; compute E2's scores
        # per (sequence, occurrence) key as the reader defines them.
        e2_sequences = [sequences[i] for i in order]
        e2_scores = dict(
            zip(occurrence_keys(e2_sequences), [second[i] for i in order], strict=True)
        )
        for key, value in zip(occurrence_keys(sequences), first, strict=True):
            expected_sequences.append(key[0].replace("T", "U"))
            expected_sets.append(label)
            expected_rows.append([value, e2_scores[key]])
    assert probes.experiments == ["E1", "E2"]
    assert probes.sequences.tolist() == expected_sequences
    assert probes.sets.tolist() == expected_sets
    assert_same_floats(probes.targets.to_numpy(), expected_targets(expected_rows))


@FAST
@given(
    sequences=st.lists(dna_or_rna, min_size=1, max_size=10),
    row=st.data(),
    letter=invalid_letter,
)
def test_per_rbp_files_reject_a_bad_letter_on_its_line(sequences, row, letter):
    index = row.draw(st.integers(0, len(sequences) - 1))
    position = row.draw(st.integers(0, len(sequences[index]) - 1))
    bad = list(sequences)
    bad[index] = bad[index][:position] + letter + bad[index][position + 1 :]
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "E1_setA.txt", "".join(f"1.0 {s}\n" for s in sequences), False)
        path = write(Path(tmp) / "E1_setB.txt", "".join(f"2.0 {s}\n" for s in bad), False)
        with pytest.raises(InputError) as caught:
            read_per_rbp_files(tmp)
    assert str(caught.value).startswith(f"{path}:{index + 1}: ")
    assert f"has {letter!r} at position {position + 1};" in str(caught.value)


# --- names that become paths ----------------------------------------------------------


@FAST
@given(
    st.one_of(
        st.text(min_size=1, max_size=40),
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_./\\-]{0,30}", fullmatch=True),
    )
)
def test_accepted_names_stay_inside_their_directory(name):
    try:
        check_name(name)
    except InputError:
        return
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith((".", "-"))
    base = Path("/results/models")
    assert (base / name).parent == base
    assert (base / name).resolve().parent == base.resolve()


@FAST
@given(
    st.text(alphabet="AB1_.-", max_size=8),
    st.sampled_from(["/", "\\", " ", ":", "\n", "\x00", "*", "$", "~", "é"]),
    st.text(alphabet="AB1_.-", max_size=8),
)
def test_names_with_path_characters_are_rejected(before, bad, after):
    with pytest.raises(InputError, match="is not allowed"):
        check_name(before + bad + after)


@FAST
@given(st.sampled_from([".", "-", "_"]), st.text(alphabet="AB1_.-", max_size=8))
def test_names_starting_with_a_dot_dash_or_underscore_are_rejected(first, rest):
    # Covers ".", "..", "../x", hidden files and names read as command-line options.
    with pytest.raises(InputError, match="is not allowed"):
        check_name(first + rest)
