"""A seed ensemble as one Keras model: the mean of its members, saved and loaded as one."""

import numpy as np
import pytest

from rbpgia.errors import InputError
from rbpgia.gia.model_io import open_model
from rbpgia.models import build_model
from rbpgia.models.ensemble import average_models
from rbpgia.train import load_model, make_predict_fn, save_model


@pytest.fixture(scope="module")
def members():
    return [build_model("residualbind", (41, 6), seed=seed) for seed in range(3)]


def test_the_ensemble_predicts_its_members_mean(members):
    x = np.random.default_rng(0).random((64, 41, 6)).astype(np.float32)
    each = np.stack([make_predict_fn(model)(x) for model in members])
    assert np.ptp(each, axis=0).max() > 1e-3  # members that disagree, so the mean is a test
    ensemble = average_models(members)
    np.testing.assert_allclose(make_predict_fn(ensemble)(x), each.mean(axis=0), atol=1e-6)
    assert ensemble.count_params() == sum(model.count_params() for model in members)


def test_the_ensemble_saves_and_loads_in_safe_mode_as_any_model(tmp_path, members):
    path = tmp_path / "ensemble.keras"
    ensemble = average_models(members)
    save_model(ensemble, path)
    x = np.random.default_rng(1).random((16, 41, 6)).astype(np.float32)
    expected = make_predict_fn(ensemble)(x)
    np.testing.assert_allclose(make_predict_fn(load_model(path))(x), expected, atol=1e-6)
    # GIA opens it like a single model: a pu model of 41 nt.
    opened = open_model(path)
    assert (opened.kind, opened.length, opened.input_type) == ("keras", 41, "pu")


def test_one_member_is_the_model_itself(members):
    assert average_models(members[:1]) is members[0]


def test_bad_members_are_refused(members):
    with pytest.raises(InputError, match="at least one model"):
        average_models([])
    seq = build_model("residualbind", (41, 4), seed=0)
    with pytest.raises(InputError, match="different input shapes"):
        average_models([members[0], seq])
