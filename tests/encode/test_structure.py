"""Structure profiles: designed folds at exact positions, normalisation, threads, inputs."""

import gzip
from pathlib import Path

import numpy as np
import pytest
import RNA

from rbpgia.encode import structure
from rbpgia.encode.onehot import one_hot
from rbpgia.encode.structure import (
    STRUCTURE_CHANNELS,
    model_inputs,
    pu_profiles,
    structure_profiles,
    viennarna_version,
)

PAIRED, HAIRPIN, INTERIOR, MULTI, EXTERIOR = range(5)
SUBSET = Path(__file__).parents[2] / "resources/rnacompete2013_subset/RNCMPT00001_setB.txt.gz"


@pytest.fixture(scope="module")
def real_probes():
    """Every 150th probe of a real RNAcompete pool (200 probes, 30-41 nt)."""
    with gzip.open(SUBSET, "rt") as handle:
        return [line.split()[1] for line in handle][::150]


def real_rows(sequences, max_length=41):
    lengths = np.array([len(s) for s in sequences])
    left = (max_length - lengths) // 2
    column = np.arange(max_length)
    return (column >= left[:, None]) & (column < (left + lengths)[:, None])


def test_stem_loop_in_a_rich_context():
    # 11 A + 6-bp stem GGGGGC/GCCCCC around an AAAA loop + 11 A = 38 nt, so it sits in
    # columns 1..38 of 41: the stem in columns 12-17 and 22-27, the loop in 18-21.
    probe = "A" * 11 + "GGGGGCAAAAGCCCCC" + "A" * 11
    profile = structure_profiles([probe])[0]
    stem = np.r_[12:18, 22:28]
    loop = np.r_[18:22]
    flanks = np.r_[1:12, 28:39]
    assert (profile[stem, PAIRED] > 0.8).all()
    assert (profile[loop, HAIRPIN] > 0.8).all()
    assert (profile[flanks, EXTERIOR] > 0.8).all()
    np.testing.assert_array_equal(profile[[0, 39, 40]], 0)


def test_interior_loop():
    # Two 5-bp stems split by a symmetric 2x2 interior loop (AA/AA); 34 nt -> left pad 3.
    probe = "AAAGGGGCAAGGGGCAAAAGCCCCAAGCCCCAAA"
    profile = structure_profiles([probe])[0]
    interior = 3 + np.array([8, 9, 24, 25])
    hairpin = 3 + np.arange(15, 19)
    assert (profile[interior, INTERIOR] > 0.8).all()
    assert (profile[hairpin, HAIRPIN] > 0.8).all()


def test_multiloop():
    # Outer CCCC/GGGG helix closing two hairpins; the AA linkers are multiloop; 40 nt -> pad 0.
    probe = "CCCCAAGGGCGAAAGCCCAAGGCGCGAAAGCGCCAAGGGG"
    profile = structure_profiles([probe])[0]
    assert (profile[[4, 5, 18, 19, 34, 35], MULTI] > 0.8).all()
    assert (profile[np.r_[10:14, 25:29], HAIRPIN] > 0.8).all()
    np.testing.assert_array_equal(profile[40], 0)


def test_poly_a_cannot_pair():
    profile = structure_profiles(["A" * 30])[0]
    np.testing.assert_allclose(profile[5:35, EXTERIOR], 1.0, atol=1e-6)
    np.testing.assert_array_equal(profile[5:35, :EXTERIOR], 0.0)


def test_rows_sum_to_one_and_padding_is_zero(real_probes):
    profiles = structure_profiles(real_probes)
    assert profiles.shape == (len(real_probes), 41, 5)
    assert profiles.dtype == np.float32
    real = real_rows(real_probes)
    assert not real.all()  # the sample has probes shorter than 41 nt
    np.testing.assert_allclose(profiles.sum(axis=2)[real], 1.0, atol=1e-5)
    np.testing.assert_array_equal(profiles[~real], 0.0)
    assert profiles.min() >= 0.0


def test_paired_matches_global_partition_function(real_probes):
    # A probe no longer than the window (41) is folded whole, so the paired channel must
    # equal the per-base pair probability of a plain partition function with span 41.
    md = RNA.md()
    md.max_bp_span = 41
    probes = real_probes[:20]
    profiles = structure_profiles(probes)
    for probe, profile in zip(probes, profiles, strict=True):
        fc = RNA.fold_compound(probe, md)
        fc.pf()
        bpp = np.array(fc.bpp())[1:, 1:]
        paired = (bpp + bpp.T).sum(axis=1)
        left = (41 - len(probe)) // 2
        np.testing.assert_allclose(profile[left : left + len(probe), PAIRED], paired, atol=1e-5)


def test_two_processes_give_identical_results_and_report_progress(real_probes):
    calls = []
    single = structure_profiles(real_probes, threads=1)
    double = structure_profiles(real_probes, threads=2, progress=lambda d, n: calls.append((d, n)))
    np.testing.assert_array_equal(single, double)
    # 200 probes over 2 processes: chunks of ceil(200 / 8) = 25 probes.
    assert calls == [(25 * k, 200) for k in range(1, 9)]


def test_empty_pool():
    assert structure_profiles([]).shape == (0, 41, 5)


def test_bad_input():
    with pytest.raises(ValueError, match="sequence 1"):
        structure_profiles(["ACGU", "ACGX"])
    with pytest.raises(ValueError, match="span"):
        structure_profiles(["ACGU"], window=20, span=30)


def test_pu_profiles_and_model_inputs():
    onehot = one_hot(["ACG"], max_length=5)
    struct = np.zeros((1, 5, 5), dtype=np.float32)
    struct[0, 1:4] = [[0.5, 0.2, 0.1, 0.1, 0.1], [1, 0, 0, 0, 0], [0, 0, 0, 0.25, 0.75]]

    pu = pu_profiles(struct)
    np.testing.assert_allclose(pu[0], [[0, 0], [0.5, 0.5], [1, 0], [0, 1], [0, 0]], atol=1e-7)

    seq_in = model_inputs(onehot, None, "seq")
    pu_in = model_inputs(onehot, struct, "pu")
    struct_in = model_inputs(onehot, struct, "struct")
    assert seq_in.shape == (1, 5, 4)
    assert pu_in.shape == (1, 5, 6)
    assert struct_in.shape == (1, 5, 9)
    assert struct_in.dtype == np.float32
    np.testing.assert_array_equal(pu_in[..., :4], onehot)
    np.testing.assert_array_equal(pu_in[..., 4:], pu)
    np.testing.assert_array_equal(struct_in[..., :4], onehot)
    np.testing.assert_array_equal(struct_in[..., 4:], struct)
    with pytest.raises(ValueError, match="needs structure"):
        model_inputs(onehot, None, "struct")
    with pytest.raises(ValueError, match="do not match"):
        model_inputs(onehot, struct[:, :4], "pu")


def test_report_order_guard(monkeypatch):
    # The fast path trusts ViennaRNA's reporting order; a changed order must be caught.
    structure._check_report_order.__wrapped__()
    monkeypatch.setattr(
        structure, "_REPORTED_LOOPS", (RNA.HP_LOOP, RNA.EXT_LOOP, RNA.INT_LOOP, RNA.MB_LOOP)
    )
    with pytest.raises(RuntimeError, match="unexpected order"):
        structure._check_report_order.__wrapped__()


def test_metadata():
    assert STRUCTURE_CHANNELS == ("paired", "hairpin", "interior", "multi", "exterior")
    assert viennarna_version() == RNA.__version__
    assert viennarna_version().startswith("2.")
