"""ONNX export of the project's Keras models: ONNX Runtime gives the Keras numbers."""

import keras
import numpy as np
import pytest

from rbpgia.errors import InputError
from rbpgia.gia.model_io import open_model
from rbpgia.models import build_model
from rbpgia.models.onnx_export import keras_to_onnx
from rbpgia.train import make_predict_fn


def scrambled(model: keras.Model, seed: int) -> keras.Model:
    """``model`` with every weight drawn at random: batch normalisation's moving means and
    variances too, so that none of its layers is an identity the export could get wrong."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        if "variance" in variable.path:
            variable.assign(rng.uniform(0.5, 2.0, shape).astype(np.float32))
        else:
            variable.assign(rng.normal(0, 0.3, shape).astype(np.float32))
    return model


@pytest.mark.parametrize(
    ("arch", "shape"),
    [("residualbind", (41, 4)), ("residualbind", (41, 6)), ("deepbind_cnn", (41, 4))],
)
def test_onnx_runtime_gives_the_keras_predictions(tmp_path, arch, shape):
    model = scrambled(build_model(arch, shape, seed=3), seed=4)
    path = keras_to_onnx(model, tmp_path / f"{arch}.onnx")
    x = np.random.default_rng(5).random((300, *shape)).astype(np.float32)
    exported = open_model(path)
    assert exported.kind == "onnx"
    assert (exported.length, exported.layout.channels) == shape
    assert exported.names == ["score"]
    keras_scores = make_predict_fn(model)(x)
    assert np.abs(keras_scores).max() > 0.1  # a model that answers, not zeros
    np.testing.assert_allclose(exported.predict(x), keras_scores, rtol=1e-5, atol=1e-5)


def test_a_layer_without_export_is_named(tmp_path):
    inputs = keras.Input((41, 4))
    x = keras.layers.LSTM(4, name="recurrent")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    with pytest.raises(InputError, match=r"layer recurrent \(LSTM\) has no ONNX export"):
        keras_to_onnx(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
