"""Embedding: exact letters at exact columns, never into padding; structure refolding."""

import numpy as np
import pytest

from rbpgia.encode.onehot import decode, one_hot
from rbpgia.encode.structure import pu_profiles, structure_profiles
from rbpgia.errors import InputError
from rbpgia.gia.embed import (
    common_starts,
    embed,
    embed_per_sequence,
    real_regions,
    resolve_starts,
    with_structure,
)
from rbpgia.sequence import reverse_complement

# 41, 38, 35 and 30 nt: left pads 0, 1, 3 and 5 in the 41-nt frame.
PROBES = ["A" * 41, "C" * 38, "G" * 35, "U" * 30]


@pytest.fixture
def probes():
    return one_hot(PROBES)


def test_real_regions_match_the_centring(probes):
    starts, lengths = real_regions(probes)
    assert starts.tolist() == [0, 1, 3, 5]
    assert lengths.tolist() == [41, 38, 35, 30]
    holey = probes.copy()
    holey[0, 20] = 0.0
    with pytest.raises(InputError, match="probe 0"):
        real_regions(holey)


def test_embed_writes_exactly_the_pattern_at_an_absolute_column(probes):
    before = probes.copy()
    out = embed(probes, [("GCAUG", 10)])
    np.testing.assert_array_equal(probes, before)  # input untouched
    assert [s[10 - pad : 15 - pad] for s, pad in zip(decode(out), [0, 1, 3, 5], strict=True)] == [
        "GCAUG"
    ] * 4
    changed = np.any(out != probes, axis=-1)
    assert not changed[:, :10].any()
    assert not changed[:, 15:].any()
    assert out.dtype == np.float32


def test_relative_position_specs(probes):
    # 6-mer: the centre is column 17 whatever the length; 5-mer: 18 for 41 nt, 17 for 30.
    assert resolve_starts(probes, 6, "centre").tolist() == [17, 17, 17, 17]
    assert resolve_starts(probes, 5, "center").tolist() == [18, 17, 18, 17]
    assert resolve_starts(probes, 5, "centre-3").tolist() == [15, 14, 15, 14]
    assert resolve_starts(probes, 4, "5p").tolist() == [0, 1, 3, 5]
    assert resolve_starts(probes, 4, "5p+2").tolist() == [2, 3, 5, 7]
    # "3p+2": the pattern ends 2 nt before the last real nucleotide.
    assert resolve_starts(probes, 4, "3p+2").tolist() == [35, 33, 32, 29]
    out = decode(embed(probes, [("GGG", "5p"), ("CCCC", "3p")]))
    assert [s[:3] + s[-4:] for s in out] == ["GGGCCCC"] * 4


def test_later_patterns_overwrite_earlier_ones(probes):
    out = decode(embed(probes[:1], [("GGGG", 10), ("UU", 11)]))[0]
    assert out[10:14] == "GUUG"


def test_a_pattern_is_never_written_into_padding(probes):
    before = probes.copy()
    with pytest.raises(InputError, match=r"overlap padding in 2 of 4 nulls \(columns 5\.\.30 fit"):
        embed(probes, [("GCAUG", 2)])
    with pytest.raises(InputError, match="overlap padding in 1 of 4"):
        embed(probes, [("GCAUG", "5p+26")])  # past the end of the 30-nt probe
    with pytest.raises(InputError, match="not an int column"):
        resolve_starts(probes, 5, "middle")
    np.testing.assert_array_equal(probes, before)
    assert common_starts(probes, 5).tolist() == list(range(5, 31))


def test_embed_per_sequence_uses_each_nulls_own_start(probes):
    out = decode(embed_per_sequence(probes, ["ACG", "UU"], [[0, 1, 3, 5], [10, 10, 10, 10]]))
    assert [s[:3] for s in out] == ["ACG"] * 4
    assert [s[10 - pad : 12 - pad] for s, pad in zip(out, [0, 1, 3, 5], strict=True)] == ["UU"] * 4
    with pytest.raises(InputError, match="padding"):
        embed_per_sequence(probes, ["ACG"], [[0, 0, 0, 0]])


def test_bad_patterns_are_rejected(probes):
    for bad in ["", "GCATG", "gcaug"]:
        with pytest.raises(InputError, match="non-empty string over ACGU"):
            embed(probes, [(bad, "centre")])


def test_reverse_complement():
    assert reverse_complement("GCAUG") == "CAUGC"
    assert reverse_complement("AACG") == "CGUU"


def test_with_structure_is_identity_for_seq_and_refolds_for_pu(probes):
    x, recomputed = with_structure(probes, "seq")
    assert x is probes or np.shares_memory(x, probes)
    assert recomputed is False
    # A strong hairpin written into A-rich probes: its loop becomes unpaired, stem paired.
    hairpin = "GGGGCGAAAAGCCCC"
    folded = embed(one_hot(["A" * 41, "A" * 30]), [(hairpin, "centre")])
    x, recomputed = with_structure(folded, "pu")
    assert recomputed is True
    assert x.shape == (2, 41, 6)
    np.testing.assert_array_equal(x[..., :4], folded)
    expected = pu_profiles(structure_profiles(decode(folded)))
    np.testing.assert_allclose(x[..., 4:], expected)
    loop = 13 + 6  # hairpin starts at column 13 in the 41-nt probe; loop AAAA at +6
    assert x[0, loop : loop + 4, 5].min() > 0.9
    assert x[0, 13:17, 4].min() > 0.9
    assert with_structure(folded, "struct").x.shape == (2, 41, 9)
