"""ResidualBind matches the published architecture, layer by layer and in size."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rbpgia.errors import ConfigError
from rbpgia.models import MODELS, build_model, build_residualbind


@pytest.mark.parametrize(
    ("channels", "n_params"),
    [
        # 11*C*96 (first conv) + 4*3*96*96 (residual convs) + 5*4*96 (their BN)
        # + 384*256 (dense) + 4*256 (its BN) + 257 (output).
        (4, 216_321),
        (6, 218_433),
        (9, 221_601),
    ],
)
def test_parameter_count_matches_the_paper(channels, n_params):
    model = build_residualbind((41, channels))
    assert model.count_params() == n_params
    assert model.count_params() - sum(int(np.prod(w.shape)) for w in model.trainable_weights) == (
        5 * 2 * 96 + 2 * 256
    )


def test_output_is_one_score_per_probe():
    model = build_residualbind((41, 9), seed=0)
    x = np.random.default_rng(0).random((3, 41, 9), dtype=np.float32)
    assert model.output_shape == (None, 1)
    assert tuple(model(x).shape) == (3, 1)


def test_layer_sequence_is_the_published_one():
    model = build_residualbind((41, 4), seed=0)
    kinds = [type(layer).__name__ for layer in model.layers]
    block = ["Conv1D", "BatchNormalization"]
    step = ["Activation", "Dropout", "Conv1D", "BatchNormalization"]
    assert kinds == (
        ["InputLayer", "Conv1D", "BatchNormalization", "Activation", "Dropout"]
        + block
        + step * 3
        + ["Add", "Activation", "AveragePooling1D", "Dropout", "Flatten"]
        + ["Dense", "BatchNormalization", "Activation", "Dropout", "Dense"]
    )

    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [c.kernel_size[0] for c in convs] == [11, 3, 3, 3, 3]
    assert [c.dilation_rate[0] for c in convs] == [1, 1, 2, 4, 8]
    assert [c.filters for c in convs] == [96] * 5
    assert {c.padding for c in convs} == {"same"}
    assert not any(c.use_bias for c in convs)

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [(d.units, d.use_bias) for d in dense] == [(256, False), (1, True)]
    drops = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert drops == [0.1, 0.1, 0.1, 0.1, 0.2, 0.5]
    assert model.get_layer("avg_pool").pool_size[0] == 10
    assert {a.activation.__name__ for a in model.layers if type(a).__name__ == "Activation"} == {
        "relu"
    }

    # The skip connection adds the block input (after the first conv's dropout).
    add_inputs = model.get_layer("res_add").input
    assert add_inputs[0] is model.get_layer("motif_dropout").output
    assert add_inputs[1] is model.get_layer("res4_bn").output


def test_seed_fixes_the_initial_weights():
    a = build_residualbind(seed=3).get_weights()
    b = build_residualbind(seed=3).get_weights()
    c = build_residualbind(seed=4).get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_registry_builds_by_name_and_rejects_unknown_names():
    assert set(MODELS) == {"residualbind", "deepbind_cnn"}
    assert build_model("residualbind", (41, 6), seed=0).count_params() == 218_433
    assert build_model("deepbind_cnn", (41, 4), n_filters=8).get_layer("motif_conv").filters == 8
    with pytest.raises(ConfigError, match=r"'resnet'.*\['deepbind_cnn', 'residualbind'\]"):
        build_model("resnet", (41, 4))
