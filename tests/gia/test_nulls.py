"""Null generators: padding stays padding, and each keeps what it promises to keep."""

from collections import Counter

import numpy as np
import pytest
from scipy import stats

from rbpgia.encode.onehot import decode, one_hot, pad_offsets
from rbpgia.errors import InputError
from rbpgia.gia.embed import real_regions
from rbpgia.gia.nulls import (
    NULL_KINDS,
    dinuc_nulls,
    gc_matched_nulls,
    make_nulls,
    profile_nulls,
    quartile_nulls,
    shuffle_nulls,
)
from rbpgia.sequence import ALPHABET, gc_content


def assert_centred_padding(nulls, allowed_lengths):
    """Every null is one centred run of real letters of a length some base probe has."""
    starts, lengths = real_regions(nulls)
    assert set(lengths.tolist()) <= set(allowed_lengths)
    np.testing.assert_array_equal(starts, pad_offsets(lengths))


def dinucleotides(sequence):
    return Counter(sequence[i : i + 2] for i in range(len(sequence) - 1))


@pytest.mark.parametrize("kind", NULL_KINDS)
def test_every_kind_keeps_padding_and_shape(kind, pool, pool_sequences):
    measured = np.random.default_rng(0).normal(size=len(pool))
    nulls = make_nulls(kind, pool, 300, np.random.default_rng(1), measured=measured)
    assert nulls.shape == (300, 41, 4)
    assert nulls.dtype == np.float32
    assert set(np.unique(nulls.sum(axis=-1))) <= {0.0, 1.0}
    assert_centred_padding(nulls, {len(s) for s in pool_sequences})


def test_profile_nulls_follow_position_specific_frequencies():
    rng = np.random.default_rng(2)
    # Column-dependent composition: frame column j favours letter j % 4 (p = 0.7).
    lengths = rng.choice([30, 41], size=4000)
    probes = []
    for length in lengths:
        favoured = (pad_offsets([length])[0] + np.arange(length)) % 4
        letters = np.where(rng.random(length) < 0.6, favoured, rng.integers(0, 4, length))
        probes.append("".join(ALPHABET[c] for c in letters))
    base = one_hot(probes)
    nulls = profile_nulls(base, 10000, np.random.default_rng(3))
    assert_centred_padding(nulls, {30, 41})
    # Columns 5..35 are real in every probe; compare frequencies column by column.
    base_freq = base[:, 5:35].sum(axis=0) / len(base)
    null_freq = nulls[:, 5:35].sum(axis=0) / len(nulls)
    np.testing.assert_allclose(null_freq, base_freq, atol=0.02)
    assert base_freq.max() > 0.6  # the profile really is position specific
    # About half the nulls borrow a 30-nt padding mask, as in the base.
    assert abs(np.mean(real_regions(nulls)[1] == 30) - np.mean(lengths == 30)) < 0.02


def test_shuffle_nulls_keep_letter_counts_of_their_source():
    sources = ["AAAACCCGGU", "GGGGGGUUUUAAC" * 3, "ACGUACGUACGUACGUACGUACGUACGUACGUA"]
    base = one_hot(sources)
    nulls = shuffle_nulls(base, 3, np.random.default_rng(4))  # without replacement: each once
    shuffled = decode(nulls)
    assert sorted(sorted(Counter(s).items()) for s in shuffled) == sorted(
        sorted(Counter(s).items()) for s in sources
    )
    assert sorted(len(s) for s in shuffled) == sorted(len(s) for s in sources)
    many = decode(shuffle_nulls(base, 300, np.random.default_rng(5)))  # with replacement
    counts = {tuple(sorted(Counter(s).items())) for s in sources}
    assert all(tuple(sorted(Counter(s).items())) in counts for s in many)
    assert len(set(many)) > 200  # real shuffles, not copies


def test_dinuc_nulls_keep_every_dinucleotide_count_exactly(pool, pool_sequences):
    nulls = dinuc_nulls(pool, len(pool), np.random.default_rng(6))  # a permutation of the pool
    shuffled = decode(nulls)

    def signature(s):
        return (s[0], s[-1], tuple(sorted(dinucleotides(s).items())))

    assert sorted(map(signature, shuffled)) == sorted(map(signature, pool_sequences))
    assert (
        np.mean([a != b for a, b in zip(sorted(shuffled), sorted(pool_sequences), strict=True)])
        > 0.9
    )


def test_dinuc_shuffle_is_uniform_over_sequences_with_the_same_dinucleotides():
    source = "ACAGAUACGAUCA"

    def walks(sequence, left):
        """Every sequence that continues ``sequence`` using up the dinucleotides ``left``."""
        if not sum(left.values()):
            yield sequence
        for pair in [p for p, c in left.items() if c and p[0] == sequence[-1]]:
            yield from walks(sequence + pair[1], left - Counter([pair]))

    valid = set(walks(source[0], dinucleotides(source)))
    assert len(valid) > 5
    draws = Counter(decode(dinuc_nulls(one_hot([source]), 12000, np.random.default_rng(7))))
    assert set(draws) == valid
    observed = np.array([draws[s] for s in sorted(valid)])
    assert stats.chisquare(observed).pvalue > 1e-3


def test_quartile_nulls_come_from_the_requested_quartile(pool, pool_sequences):
    rng = np.random.default_rng(9)
    measured = rng.permutation(len(pool)).astype(float)
    measured[rng.choice(len(pool), 100, replace=False)] = np.nan
    index = {s: i for i, s in enumerate(pool_sequences)}
    finite = np.sort(measured[np.isfinite(measured)])
    bounds = np.array_split(finite, 4)
    for q in (1, 4):
        nulls = quartile_nulls(pool, measured, q, 200, np.random.default_rng(q))
        values = measured[[index[s] for s in decode(nulls)]]
        assert np.isfinite(values).all()
        assert values.min() >= bounds[q - 1][0]
        assert values.max() <= bounds[q - 1][-1]
        assert len(set(values)) == 200  # without replacement


def test_gc_matched_nulls_follow_the_reference_bins(pool):
    reference = np.r_[np.full(30, 0.35), np.full(10, 0.62)]  # 3:1 in bins [.3,.4) and [.6,.7)
    nulls = gc_matched_nulls(pool, reference, 400, np.random.default_rng(10))
    bins = np.floor(gc_content(nulls) * 10).astype(int)
    assert Counter(bins.tolist()) == {3: 300, 6: 100}


def test_gc_matched_from_measured_uses_the_top_quartile(pool):
    gc = gc_content(pool)
    measured = gc.copy()  # strong binders are the GC-rich probes
    nulls = make_nulls("gc_matched", pool, 500, np.random.default_rng(11), measured=measured)
    assert gc_content(nulls).mean() == pytest.approx(np.sort(gc)[-len(gc) // 4 :].mean(), abs=0.02)


def test_gc_matched_rejects_a_bin_the_base_lacks(pool):
    with pytest.raises(InputError, match="GC content in"):
        gc_matched_nulls(pool, np.array([0.99]), 10, np.random.default_rng(0))


def test_bad_requests_raise_input_errors(pool):
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match="unknown null kind"):
        make_nulls("uniform", pool, 10, rng)
    with pytest.raises(InputError, match="measured scores"):
        make_nulls("quartile_lower_mid", pool, 10, rng)
    with pytest.raises(InputError, match="quartile must be"):
        quartile_nulls(pool, np.zeros(len(pool)), 5, 10, rng)
    with pytest.raises(InputError, match="measured values"):
        quartile_nulls(pool, np.zeros(3), 1, 10, rng)
    with pytest.raises(InputError, match="one-hot"):
        profile_nulls(np.full((3, 41, 4), 0.5), 10, rng)


def test_numbered_quartiles_are_refused_with_the_unambiguous_names(pool):
    measured = np.arange(len(pool), dtype=float)
    with pytest.raises(InputError, match="ambiguous.*quartile_top"):
        make_nulls("quartile1", pool, 10, np.random.default_rng(0), measured=measured)
    top = make_nulls("quartile_top", pool, 50, np.random.default_rng(0), measured=measured)
    bottom = make_nulls("quartile_bottom", pool, 50, np.random.default_rng(0), measured=measured)
    rows = {probe.tobytes(): i for i, probe in enumerate(pool)}
    assert min(rows[n.tobytes()] for n in top) >= 3 * len(pool) // 4 - 1
    assert max(rows[n.tobytes()] for n in bottom) < len(pool) // 4 + 1
