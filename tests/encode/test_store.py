"""The encoded-probe HDF5 file: round trip, partial reads and broken files."""

import h5py
import numpy as np
import pandas as pd
import pytest

from rbpgia.data.probes import Probes
from rbpgia.encode.onehot import one_hot
from rbpgia.encode.store import (
    UnknownExperimentError,
    encode_probes,
    list_experiments,
    read_attrs,
    read_inputs,
    read_lengths,
    read_names,
    read_sequences,
    read_sets,
    read_targets,
    write_probes_h5,
)
from rbpgia.encode.structure import structure_profiles, viennarna_version
from rbpgia.errors import InputError

SEQUENCES = [
    "A" * 11 + "GGGGGCAAAAGCCCCC" + "A" * 11,
    "ACGUACGUACGUACGUACGUACGUACGUACG",
    "GAUCCGAUGCAUGCAUGCUAGCUAGCAUCGAUCGAUCGAUU",
    "UUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUU",
]


@pytest.fixture(scope="module")
def probes():
    targets = pd.DataFrame(
        {
            "RNCMPT00001": [1.5, np.nan, -0.25, 3.0],
            "RNCMPT00002": [0.0, 2.0, np.nan, np.nan],
        }
    )
    return Probes(np.array(SEQUENCES), np.array(["A", "B", "A", "B"]), targets, "pool.txt")


@pytest.fixture(scope="module")
def encoded(probes):
    return encode_probes(probes)


@pytest.fixture(scope="module")
def h5_path(tmp_path_factory, probes, encoded):
    path = tmp_path_factory.mktemp("encoded") / "probes.h5"
    write_probes_h5(path, probes, *encoded, attrs={"window": 41, "span": 41})
    return path


def test_encode_probes_combines_both_encodings(probes, encoded):
    onehot, structure = encoded
    np.testing.assert_array_equal(onehot, one_hot(SEQUENCES))
    np.testing.assert_array_equal(structure, structure_profiles(SEQUENCES))


def test_probes_longer_than_the_frame_are_named_with_the_file(probes):
    named = Probes(
        probes.sequences,
        probes.sets,
        probes.targets,
        "pool.txt",
        names=np.array(["p1", "p2", "p3", "p4"]),
    )
    with pytest.raises(InputError) as error:
        encode_probes(named, max_length=35)
    message = str(error.value)
    # Probes 1 (38 nt) and 3 (41 nt) are too long; the first is named, by its ID.
    assert message.startswith("pool.txt: 2 probe(s) longer than encode.max_length=35 nt")
    assert "the longest 41 nt" in message
    assert "probe p1 (Set A, 38 nt: AAAAAAAAAAAGGGGGC" in message
    # Without IDs, by its row.
    with pytest.raises(InputError, match=r"1 probe\(s\).*row 2 of the pool \(Set A, 41 nt"):
        encode_probes(probes, max_length=40)


def test_round_trip_datasets(h5_path, encoded):
    onehot, structure = encoded
    with h5py.File(h5_path) as h5:
        assert h5["onehot"].dtype == np.uint8
        assert h5["structure"].dtype == np.float32
        assert h5["length"].dtype == np.int16
        assert h5["set"].dtype == np.dtype("S1")
        np.testing.assert_array_equal(h5["onehot"][()], onehot)
        np.testing.assert_array_equal(h5["structure"][()], structure)
        assert sorted(h5["targets"]) == ["RNCMPT00001", "RNCMPT00002"]
    np.testing.assert_array_equal(read_lengths(h5_path), [38, 31, 41, 32])
    np.testing.assert_array_equal(read_sets(h5_path), ["A", "B", "A", "B"])
    assert read_sequences(h5_path).tolist() == SEQUENCES
    # A pool without probe IDs is named by row.
    with h5py.File(h5_path) as h5:
        assert "name" not in h5
    assert read_names(h5_path).tolist() == ["0", "1", "2", "3"]


def test_probe_ids_are_stored_and_read_back(tmp_path, probes, encoded):
    ids = np.array([f"RBD_v3_{i:06d}" for i in (7, 1, 3, 2)])
    named = Probes(probes.sequences, probes.sets, probes.targets, probes.source, names=ids)
    path = tmp_path / "named.h5"
    write_probes_h5(path, named, *encoded)
    assert read_names(path).tolist() == [
        "RBD_v3_000007",
        "RBD_v3_000001",
        "RBD_v3_000003",
        "RBD_v3_000002",
    ]
    assert read_sequences(path).tolist() == SEQUENCES


def test_round_trip_attrs(h5_path):
    assert read_attrs(h5_path) == {
        "max_length": 41,
        "alphabet": "ACGU",
        "structure_channels": "paired,hairpin,interior,multi,exterior",
        "viennarna_version": viennarna_version(),
        "window": 41,
        "span": 41,
        "experiments": ["RNCMPT00001", "RNCMPT00002"],
        "format_version": 1,
        "source": "pool.txt",
    }
    assert list_experiments(h5_path) == ["RNCMPT00001", "RNCMPT00002"]


def test_read_targets_of_one_experiment(h5_path):
    got = read_targets(h5_path, "RNCMPT00001")
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.array([1.5, np.nan, -0.25, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(read_targets(h5_path, "RNCMPT00002"), [0, 2, np.nan, np.nan])


def test_unknown_experiment_lists_the_available_ones(h5_path):
    with pytest.raises(UnknownExperimentError, match="RNCMPT00001, RNCMPT00002") as info:
        read_targets(h5_path, "RNCMPT99999")
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, InputError)
    assert "'RNCMPT99999'" in str(info.value)


def test_read_inputs(h5_path, encoded):
    onehot, structure = encoded
    seq = read_inputs(h5_path, "seq")
    assert seq.dtype == np.float32
    np.testing.assert_array_equal(seq, onehot)

    struct = read_inputs(h5_path, "struct", indices=np.array([1, 3]))
    assert struct.shape == (2, 41, 9)
    np.testing.assert_array_equal(struct[..., :4], onehot[[1, 3]])
    np.testing.assert_array_equal(struct[..., 4:], structure[[1, 3]])

    pu = read_inputs(h5_path, "pu", indices=[0, 2])
    assert pu.shape == (2, 41, 6)
    np.testing.assert_array_equal(pu[..., 4], structure[[0, 2], :, 0])
    np.testing.assert_allclose(pu[..., 5], structure[[0, 2], :, 1:].sum(axis=2), atol=1e-7)

    assert read_inputs(h5_path, "seq", indices=np.array([], dtype=int)).shape == (0, 41, 4)
    with pytest.raises(ValueError, match="sorted"):
        read_inputs(h5_path, "seq", indices=[2, 1])
    with pytest.raises(ValueError, match="within 0..3"):
        read_inputs(h5_path, "seq", indices=[4])


def test_write_is_atomic_and_checks_shapes(tmp_path, probes, encoded):
    onehot, structure = encoded
    target = tmp_path / "probes.h5"
    with pytest.raises(ValueError, match="structure array"):
        write_probes_h5(target, probes, onehot, structure[:, :40])
    with pytest.raises(ValueError, match="one-hot row 0 does not encode probe 0"):
        write_probes_h5(target, probes, onehot[::-1], structure)
    with pytest.raises(ValueError, match="not a one-hot"):
        write_probes_h5(target, probes, onehot * 2, structure)
    # A failure half-way through writing (an attribute h5py cannot store) leaves nothing.
    with pytest.raises(TypeError):
        write_probes_h5(target, probes, onehot, structure, attrs={"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.h5"
    with pytest.raises(InputError, match=f"{missing}: encoded probe file not found"):
        read_inputs(missing, "seq")


def test_truncated_file(tmp_path, h5_path):
    broken = tmp_path / "probes.h5"
    broken.write_bytes(h5_path.read_bytes()[:2000])
    with pytest.raises(InputError, match=f"{broken}: cannot read HDF5 file"):
        read_targets(broken, "RNCMPT00001")
    with pytest.raises(InputError, match=str(broken)):
        read_inputs(broken, "struct")


def test_not_an_encoded_file(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as h5:
        h5["x"] = [1]
    with pytest.raises(InputError, match="format_version"):
        read_sets(other)
