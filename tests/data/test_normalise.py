"""Normalisation fitted on training targets, checked against hand-computed numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rbpgia.data import apply_normaliser, fit_normaliser
from rbpgia.data.normalise import at_cap
from rbpgia.errors import ConfigError


def test_clip_without_clipping_six_values():
    # mean 3.5, population SD sqrt(35/12); six values can never reach mean + 4 SD
    # (the largest possible z-score of n values is sqrt(n - 1)).
    y = np.array([1, 2, 3, 4, 5, 6], dtype=np.float32)
    params = fit_normaliser(y, "clip")
    sd = math.sqrt(35 / 12)
    assert params["method"] == "clip"
    assert params["clip_max"] == pytest.approx(3.5 + 4 * sd)
    assert params["mean"] == pytest.approx(3.5)
    assert params["std"] == pytest.approx(sd)
    z = apply_normaliser(y, params)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, (np.arange(1, 7) - 3.5) / sd, rtol=1e-6)
    # Another split: a value above the training threshold maps to exactly 4 SD.
    other = apply_normaliser(np.array([100.0, 3.5, np.nan]), params)
    np.testing.assert_allclose(other[:2], [4.0, 0.0], atol=1e-6)
    assert np.isnan(other[2])


def test_clip_with_clipping_eighteen_values():
    # 17 zeros and one 18: mean 1, SD sqrt(17), threshold t = 1 + 4 sqrt(17) < 18.
    # After clipping: mean t/18, SD t sqrt(17)/18, so the zeros map to -1/sqrt(17)
    # and the clipped value to sqrt(17), whatever t is.
    y = np.array([0.0] * 17 + [18.0])
    params = fit_normaliser(y, "clip")
    t = 1 + 4 * math.sqrt(17)
    assert params["clip_max"] == pytest.approx(t)
    assert params["mean"] == pytest.approx(t / 18)
    assert params["std"] == pytest.approx(t * math.sqrt(17) / 18)
    z = apply_normaliser(y, params)
    np.testing.assert_allclose(z[:17], -1 / math.sqrt(17), rtol=1e-6)
    assert z[17] == pytest.approx(math.sqrt(17), rel=1e-6)
    # The training mean of the raw values (1) is not the clipped mean.
    assert apply_normaliser([1.0], params)[0] == pytest.approx(
        (1 - t / 18) / (t * math.sqrt(17) / 18)
    )


@pytest.mark.parametrize("shift", [0.0, 10.0, -3.0])
def test_log_hand_computed(shift):
    # log(y - min + 1) of [0, 1, 3] + shift is [0, ln 2, 2 ln 2]: mean ln 2,
    # SD ln 2 sqrt(2/3), so z = [-sqrt(3/2), 0, sqrt(3/2)].
    y = np.array([0.0, 1.0, 3.0]) + shift
    params = fit_normaliser(y, "log")
    assert params == pytest.approx(
        {"method": "log", "min": shift, "mean": math.log(2), "std": math.log(2) * math.sqrt(2 / 3)}
    )
    np.testing.assert_allclose(
        apply_normaliser(y, params), [-math.sqrt(1.5), 0, math.sqrt(1.5)], rtol=1e-6, atol=1e-7
    )
    # Other splits: 7 + shift -> log 8 = 3 ln 2 -> z = sqrt(6); below the training
    # minimum is raised to it first -> -sqrt(3/2).
    other = apply_normaliser(np.array([7.0, -100.0, np.nan]) + shift, params)
    np.testing.assert_allclose(other[:2], [math.sqrt(6), -math.sqrt(1.5)], rtol=1e-6)
    assert np.isnan(other[2])


@pytest.mark.parametrize("method", ["clip", "log"])
def test_params_are_json_serialisable(method):
    params = fit_normaliser(np.array([0.5, 1.5, 4.0], dtype=np.float32), method)
    restored = json.loads(json.dumps(params))
    assert restored == params
    assert all(type(v) is float for k, v in params.items() if k != "method")
    y = np.array([0.1, 2.0, 9.0])
    np.testing.assert_array_equal(apply_normaliser(y, restored), apply_normaliser(y, params))


@pytest.mark.parametrize("method", ["clip", "log"])
def test_nan_or_constant_training_targets_rejected(method):
    with pytest.raises(ValueError, match="drop probes without a measurement"):
        fit_normaliser(np.array([1.0, np.nan, 2.0]), method)
    with pytest.raises(ValueError, match="no spread"):
        fit_normaliser(np.array([2.0, 2.0, 2.0]), method)
    with pytest.raises(ValueError, match="empty"):
        fit_normaliser(np.array([]), method)


def test_unknown_method():
    with pytest.raises(ConfigError, match="unknown normalisation method 'zscore'"):
        fit_normaliser(np.array([1.0, 2.0]), "zscore")
    with pytest.raises(ConfigError, match="unknown normalisation method 'zscore'"):
        apply_normaliser(np.array([1.0]), {"method": "zscore", "mean": 0.0, "std": 1.0})
    with pytest.raises(ConfigError, match="lack clip_max"):
        apply_normaliser(np.array([1.0]), {"method": "clip", "mean": 0.0, "std": 1.0})


def test_at_cap_marks_the_values_clip_caps():
    # 17 zeros and one 18: only the 18 lies above 1 + 4 sqrt(17).
    y = np.array([0.0] * 17 + [18.0, np.nan])
    params = fit_normaliser(y[:18], "clip")
    assert at_cap(y, params).tolist() == [False] * 17 + [True, False]
    assert not at_cap(y, fit_normaliser(y[:18], "log")).any()


def test_summary_counts_set_a_probes_at_the_cap(tmp_path):
    import pandas as pd

    from rbpgia.data.probes import Probes
    from rbpgia.data.summary import summarise_h5
    from rbpgia.encode.onehot import one_hot
    from rbpgia.encode.store import write_probes_h5

    # Set A: 17 zeros and one 18 (one probe at the cap); Set B's 100 is not counted.
    values = [0.0] * 17 + [18.0, 100.0]
    sequences = np.array(["ACGUACGU"] * 19)
    probes = Probes(
        sequences=sequences,
        sets=np.array(["A"] * 18 + ["B"]),
        targets=pd.DataFrame({"RBP": values}),
        source="test",
    )
    onehot = one_hot(sequences, 41)
    write_probes_h5(tmp_path / "p.h5", probes, onehot, np.zeros((19, 41, 5), np.float32))
    table, _ = summarise_h5(tmp_path / "p.h5")
    row = table.set_index("experiment").loc["RBP"]
    assert row["n_capped"] == 1
    assert row["capped_fraction"] == pytest.approx(1 / 18)
