"""One-hot encoding: centring, exact arrays, round trip and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rbpgia.encode.onehot import (
    INPUT_CHANNELS,
    channel_sums,
    channels_for,
    check_sequences,
    decode,
    one_hot,
    pad_offsets,
)
from rbpgia.errors import ConfigError, InputError


def test_short_probes_exact_arrays():
    # 3 nt in 6: left pad (6 - 3) // 2 = 1, right pad 2; 4 nt: 1 and 1.
    got = one_hot(["ACG", "UGCA"], max_length=6)
    expected = np.array(
        [
            [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
            [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]],
        ],
        dtype=np.float32,
    )
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_38nt_probe_has_one_pad_row_left_and_two_right():
    probe = "G" * 38
    encoded = one_hot([probe])[0]
    assert encoded.shape == (41, 4)
    filled = encoded.sum(axis=1)
    np.testing.assert_array_equal(filled, [0] + [1] * 38 + [0, 0])
    assert (encoded[1:39, 2] == 1).all()


def test_full_length_and_single_nucleotide():
    encoded = one_hot(["U" * 41, "C"])
    assert (encoded[0, :, 3] == 1).all()
    # 1 nt in 41: 20 pad rows on each side.
    np.testing.assert_array_equal(np.flatnonzero(encoded[1].sum(axis=1)), [20])
    assert encoded[1, 20, 1] == 1


def test_pad_offsets():
    np.testing.assert_array_equal(pad_offsets([41, 40, 38, 30, 1], 41), [0, 0, 1, 5, 20])
    with pytest.raises(InputError, match="sequence 1 is 42 nt"):
        pad_offsets([41, 42], 41)


def test_numpy_string_array_input():
    np.testing.assert_array_equal(one_hot(np.array(["AC", "GU"])), one_hot(["AC", "GU"]))


def test_empty_pool():
    assert one_hot([]).shape == (0, 41, 4)
    assert decode(one_hot([])) == []


@pytest.mark.parametrize(
    ("sequences", "message"),
    [
        (["ACGU", "ACGT"], r"sequence 1 \('ACGT'\) has 'T' at position 4"),
        (["ACGU", "AC", "acgu"], r"sequence 2 .* has 'a' at position 1"),
        (["AN"], r"sequence 0 .* has 'N' at position 2"),
        (["A", "Aé"], r"sequence 1 .* has 'é' at position 2"),
        (["A", "A" * 42], "sequence 1 is 42 nt, longer than max_length=41"),
        (["A", ""], "sequence 1 is empty"),
    ],
)
def test_bad_sequences_raise_value_error_naming_index(sequences, message):
    with pytest.raises(ValueError, match=message):
        one_hot(sequences)
    with pytest.raises(InputError, match=message):
        check_sequences(sequences)


def test_decode_rejects_non_one_hot():
    with pytest.raises(ValueError, match="not a one-hot"):
        decode(np.full((1, 3, 4), 0.5))
    with pytest.raises(ValueError, match="shape"):
        decode(np.zeros((3, 4)))


def test_decode_accepts_uint8():
    assert decode(one_hot(["GAUC", "A"]).astype(np.uint8)) == ["GAUC", "A"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ACGU", min_size=1, max_size=41), min_size=1, max_size=20))
def test_round_trip(sequences):
    encoded = one_hot(sequences)
    assert decode(encoded) == sequences
    # Centring: the first filled row of each probe is its left pad.
    lengths = np.array([len(s) for s in sequences])
    first = encoded.sum(axis=2).argmax(axis=1)
    np.testing.assert_array_equal(first, (41 - lengths) // 2)


def test_channels():
    assert INPUT_CHANNELS == {"seq": 4, "pu": 6, "struct": 9}
    assert [channels_for(t) for t in ("seq", "pu", "struct")] == [4, 6, 9]
    with pytest.raises(ConfigError, match="input_type 'rna'"):
        channels_for("rna")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, bool])
def test_channel_sums_equal_the_plain_sum(dtype):
    rng = np.random.default_rng(3)
    x = (rng.random((50, 41, 4)) < 0.4).astype(dtype)  # rows with 0 to 4 ones
    sums = channel_sums(x)
    assert sums.shape == (50, 41)
    np.testing.assert_array_equal(sums, x.sum(axis=-1))
    assert sums.max() >= 2  # rows of several ones are counted, not or-ed


def test_decode_rejects_a_boolean_row_of_two_ones():
    x = one_hot(["ACGU"])
    x[0, 18, :2] = 1
    with pytest.raises(ValueError, match="not a one-hot"):
        decode(x.astype(bool))
