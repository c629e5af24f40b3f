"""Train/valid/test split: Set A (seeded validation share) vs Set B, NaN targets dropped."""

from __future__ import annotations

import numpy as np
import pytest

from rbpgia.data import split_indices


def pool(n_a: int = 200, n_b: int = 50, nan_every: int = 7):
    sets = np.array(["A"] * n_a + ["B"] * n_b)
    target = np.arange(n_a + n_b, dtype=np.float64)
    target[::nan_every] = np.nan
    return sets, target


def test_split_properties():
    sets, target = pool()
    splits = split_indices(sets, target, valid_fraction=0.1, seed=3)
    assert set(splits) == {"train", "valid", "test"}
    measured_a = np.flatnonzero((sets == "A") & ~np.isnan(target))
    assert measured_a.size == 171  # 200 minus the 29 multiples of 7 below 200
    np.testing.assert_array_equal(splits["test"], np.flatnonzero((sets == "B") & ~np.isnan(target)))
    assert splits["test"].size == 43  # 50 minus 7 NaN (203, 210, ..., 245)
    assert splits["valid"].size == 17  # round(0.1 * 171)
    assert splits["train"].size == 171 - 17
    np.testing.assert_array_equal(np.union1d(splits["train"], splits["valid"]), measured_a)
    assert np.intersect1d(splits["train"], splits["valid"]).size == 0
    for indices in splits.values():
        assert indices.dtype == np.int64
        assert np.all(np.diff(indices) > 0)  # sorted, no repeats
        assert not np.isnan(target[indices]).any()


def test_split_accepts_byte_labels():
    sets, target = pool()
    as_bytes = split_indices(sets.astype("S1"), target, seed=5)
    as_str = split_indices(sets, target, seed=5)
    for name in as_str:
        np.testing.assert_array_equal(as_bytes[name], as_str[name])


def test_split_reproducible_from_seed():
    sets, target = pool()
    first = split_indices(sets, target, seed=11)
    again = split_indices(sets, target, seed=11)
    other = split_indices(sets, target, seed=12)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["valid"], other["valid"])
    np.testing.assert_array_equal(first["test"], other["test"])
    # The validation draw is a permutation from default_rng(seed) over the measured Set A.
    measured_a = np.flatnonzero((sets == "A") & ~np.isnan(target))
    expected = np.sort(measured_a[np.random.default_rng(11).permutation(measured_a.size)[:17]])
    np.testing.assert_array_equal(first["valid"], expected)


def test_split_empty_or_invalid():
    sets, target = pool(n_b=0)
    with pytest.raises(ValueError, match="test split is empty"):
        split_indices(sets, target)
    sets, target = pool(n_a=4)
    with pytest.raises(ValueError, match="valid split is empty"):
        split_indices(sets, target, valid_fraction=0.1)  # round(0.1 * 3) == 0
    sets, target = pool()
    target[sets == "B"] = np.nan
    with pytest.raises(ValueError, match="test split is empty"):
        split_indices(sets, target)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        split_indices(*pool(), valid_fraction=1.0)
    with pytest.raises(ValueError, match=r"unknown set labels \['C'\]"):
        split_indices(np.array(["A", "C"]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="same length"):
        split_indices(np.array(["A", "B"]), np.array([1.0]))


@pytest.mark.parametrize(
    ("n_set_a", "fraction", "ok"),
    [(24, 0.02, False), (25, 0.02, False), (26, 0.02, True), (3, 0.5, False), (4, 0.5, True)],
)
def test_split_problem_needs_one_validation_and_two_training_probes(n_set_a, fraction, ok):
    """What the workflow skips before any job: an empty validation split (split_indices
    refuses it) or a single training probe (no spread to standardise by)."""
    from rbpgia.data.splits import split_problem

    sets = np.array(["A"] * n_set_a + ["B"] * 5)
    target = np.arange(n_set_a + 5, dtype=np.float64)
    problem = split_problem(n_set_a, fraction)
    assert (problem is None) == ok
    if round(n_set_a * fraction) == 0:  # what split_indices itself refuses
        with pytest.raises(ValueError, match="the valid split is empty"):
            split_indices(sets, target, valid_fraction=fraction)
    else:
        splits = split_indices(sets, target, valid_fraction=fraction)
        assert (len(splits["valid"]) >= 1 and len(splits["train"]) >= 2) == ok
    if not ok:
        assert f"{n_set_a} measured Set A probes give" in problem
