"""Training loop rules, the shared predict function, metrics and model files."""

from __future__ import annotations

import subprocess
import sys
import warnings

import keras
import numpy as np
import pandas as pd
import pytest

from rbpgia import train
from rbpgia.errors import InputError
from rbpgia.metrics import pearson_r, spearman_r
from rbpgia.models import build_deepbind_cnn, build_residualbind

# --- metrics ------------------------------------------------------------------------------


def test_pearson_and_spearman_by_hand():
    # centred y = (-1, 0, 1), centred p = (-4/3, -1/3, 5/3): r = 3 / sqrt(2 * 42/9)
    assert pearson_r([1, 2, 3], [1, 2, 4]) == pytest.approx(3 / np.sqrt(2 * 42 / 9), abs=1e-12)
    assert spearman_r([1, 2, 3], [1, 2, 4]) == 1.0
    assert spearman_r([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    # ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): the tie is averaged
    assert spearman_r([1, 5, 5, 9], [1, 2, 3, 4]) == pytest.approx(4.5 / np.sqrt(4.5 * 5))


def test_constant_predictions_give_nan_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(pearson_r([1.0, 2.0, 3.0], [0.5, 0.5, 0.5]))
        assert np.isnan(spearman_r([1.0, 2.0, 3.0], [0.5, 0.5, 0.5]))
        assert np.isnan(pearson_r([1.0], [2.0]))
    with pytest.raises(ValueError, match="3 vs 2"):
        pearson_r([1, 2, 3], [1, 2])


def test_evaluate_reports_all_metrics():
    x = np.array([[[1.0]], [[2.0]], [[4.0]]], dtype=np.float32)
    result = train.evaluate(lambda x: x[:, 0, 0], x, np.array([1.0, 2.0, 3.0]))
    assert result == {
        "pearson_r": pytest.approx(3 / np.sqrt(2 * 42 / 9)),
        "spearman_r": 1.0,
        "n": 3,
        "mse": pytest.approx(1 / 3),
    }


# --- the shared predict function ----------------------------------------------------------


@pytest.fixture(scope="module")
def residualbind():
    return build_residualbind((41, 4), seed=0)


def test_predict_fn_equals_calling_the_model(residualbind):
    x = np.random.default_rng(0).random((300, 41, 4), dtype=np.float32)
    expected = keras.ops.convert_to_numpy(residualbind(x, training=False)).ravel()
    predict = train.make_predict_fn(residualbind, batch_size=128)  # 300 = 2 * 128 + 44
    for n in (300, 128, 1):
        out = predict(x[:n])
        assert out.shape == (n,)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected[:n], rtol=1e-5, atol=1e-5)
    assert predict(x[:0]).shape == (0,)
    if keras.backend.backend() == "tensorflow":
        # One input shape, one trace, however many calls and sizes.
        assert residualbind.predict_function.experimental_get_tracing_count() == 1
    with pytest.raises(InputError, match="shape"):
        predict(x[:, :40])


# --- fit ----------------------------------------------------------------------------------


def test_fit_learns_a_motif_count(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task
    model = build_deepbind_cnn((41, 4), seed=0)
    lines = []
    history = train.fit(
        model,
        x_train,
        y_train,
        x_valid,
        y_valid,
        epochs=8,
        learning_rate=0.01,
        lr_patience=100,
        seed=0,
        log=lines.append,
    )
    assert list(history.columns) == train.HISTORY_COLUMNS
    assert history["epoch"].tolist() == list(range(1, 9))
    assert history["lr"].tolist() == pytest.approx([0.01] * 8)
    assert (history["seconds"] > 0).all()
    assert history["val_pearson_r"].max() > 0.5
    assert len(lines) == 9
    assert lines[0].startswith("epoch 1/8 loss ")

    # The best epoch's weights are back: evaluating reproduces its validation scores.
    best = history.loc[history["val_pearson_r"].idxmax()]
    result = train.evaluate(train.make_predict_fn(model), x_valid, y_valid)
    assert result["pearson_r"] == pytest.approx(best["val_pearson_r"], abs=1e-6)
    assert result["mse"] == pytest.approx(best["val_loss"], abs=1e-6)
    assert f"restored epoch {int(best['epoch'])}" in lines[-1]


def script_validation_r(monkeypatch, values):
    """Make ``fit`` see ``values`` as its validation r, one per epoch.

    Returns the list that collects the validation predictions of each epoch.
    """
    script = iter(values)
    seen = []

    def scripted_pearson(y, predictions):
        seen.append(np.array(predictions))
        return next(script)

    monkeypatch.setattr(train, "pearson_r", scripted_pearson)
    return seen


def test_fit_schedule_follows_the_rules(motif_task, monkeypatch):
    """A scripted validation r drives the LR cuts, the early stop and the restored epoch."""
    x_train, y_train, x_valid, y_valid = motif_task
    seen = script_validation_r(monkeypatch, [0.1, 0.2, 0.15, 0.15, 0.3] + [0.1] * 7)
    model = build_deepbind_cnn((41, 4), seed=0)
    history = train.fit(
        model,
        x_train[:300],
        y_train[:300],
        x_valid,
        y_valid,
        epochs=50,
        learning_rate=1e-3,
        patience=4,
        lr_patience=2,
        lr_factor=0.5,
        min_lr=3e-4,
        seed=0,
    )
    # Epochs 3-4 do not improve: cut after 4. Epoch 5 is a new best and resets both
    # counters; 6-7 do not improve: cut after 7 to max(2.5e-4, 3e-4); stop after 9.
    assert history["epoch"].tolist() == list(range(1, 10))
    assert history["val_pearson_r"].tolist() == [0.1, 0.2, 0.15, 0.15, 0.3, 0.1, 0.1, 0.1, 0.1]
    lr = [1e-3, 1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 3e-4, 3e-4]
    assert history["lr"].tolist() == pytest.approx(lr, rel=1e-6)

    restored = train.make_predict_fn(model)(x_valid)
    np.testing.assert_allclose(restored, seen[4], rtol=0, atol=1e-6)
    assert np.abs(restored - seen[-1]).max() > 1e-3


@pytest.mark.parametrize(
    ("min_delta", "epochs", "lr"),
    [
        # Gains below 0.001 are no progress: a cut after epoch 3; epoch 4's rise adds
        # up to more than 0.001 and resets; 5-6 wait and cut, 7 is the third wait: stop.
        (0.001, 7, [1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4]),
        # Every rise counts: no cut, no stop before the script ends.
        (0.0, 8, [1e-3] * 8),
    ],
)
def test_fit_min_delta_ignores_creeping_gains(motif_task, monkeypatch, min_delta, epochs, lr):
    x_train, y_train, x_valid, y_valid = motif_task
    seen = script_validation_r(
        monkeypatch, [0.5, 0.5005, 0.5008, 0.5012, 0.5013, 0.5014, 0.5015, 0.5016]
    )
    model = build_deepbind_cnn((41, 4), seed=0)
    lines = []
    history = train.fit(
        model,
        x_train[:300],
        y_train[:300],
        x_valid,
        y_valid,
        epochs=8,
        patience=3,
        lr_patience=2,
        lr_factor=0.5,
        min_delta=min_delta,
        seed=0,
        log=lines.append,
    )
    assert history["epoch"].tolist() == list(range(1, epochs + 1))
    assert history["lr"].tolist() == pytest.approx(lr, rel=1e-6)
    # Each epoch was a new best, so the last one's weights are kept.
    restored = train.make_predict_fn(model)(x_valid)
    np.testing.assert_allclose(restored, seen[-1], rtol=0, atol=1e-6)
    assert f"restored epoch {epochs}" in lines[-1]


def test_fit_rejects_a_negative_min_delta(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task
    with pytest.raises(InputError, match="min_delta"):
        train.fit(
            build_deepbind_cnn((41, 4), seed=0), x_train, y_train, x_valid, y_valid, min_delta=-0.1
        )


HISTORY_VALUES = ["loss", "val_loss", "val_pearson_r", "lr"]


def channel_sum_task(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs; y = the G channel summed over positions 10-19, plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 41, 4), dtype=np.float32)
    y = x[:, 10:20, 2].sum(axis=1) + rng.normal(scale=0.1, size=n).astype(np.float32)
    return x, y


def test_fit_is_deterministic_for_a_seed():
    """ResidualBind (batch norm, dropout, shuffling) trained twice gives the same history."""
    x, y = channel_sum_task(300, seed=3)

    def run(seed):
        model = build_residualbind((41, 4), seed=1)
        return train.fit(model, x[:200], y[:200], x[200:], y[200:], epochs=2, seed=seed)

    first, second = run(0), run(0)
    pd.testing.assert_frame_equal(
        first[HISTORY_VALUES], second[HISTORY_VALUES], rtol=1e-6, atol=1e-6
    )
    assert first["loss"].iloc[0] != first["loss"].iloc[1]


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="PyTorch runs one step per call")
def test_fit_steps_per_execution_changes_nothing_but_speed():
    """Several batches per backend call (with a partial last call) train the same weights."""
    x, y = channel_sum_task(260, seed=4)

    def run(steps):
        model = build_residualbind((41, 4), seed=1)
        history = train.fit(
            model,
            x[:200],
            y[:200],
            x[200:],
            y[200:],
            epochs=2,
            batch_size=16,
            seed=0,
            steps_per_execution=steps,
        )
        return history, model.get_weights()

    (one, weights_one), (five, weights_five) = run(1), run(5)  # 13 batches: 5 + 5 + 3
    default, weights_default = run(None)
    for history in (five, default):
        pd.testing.assert_frame_equal(
            one[HISTORY_VALUES], history[HISTORY_VALUES], rtol=1e-6, atol=1e-7
        )
    for a, b, c in zip(weights_one, weights_five, weights_default, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
    with pytest.raises(InputError, match="steps_per_execution"):
        train.fit(build_deepbind_cnn((41, 4), seed=0), x, y, x, y, steps_per_execution=0)


def test_fit_seed_changes_the_shuffling(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task

    def run(seed):
        model = build_deepbind_cnn((41, 4), seed=1)
        return train.fit(model, x_train[:500], y_train[:500], x_valid, y_valid, epochs=2, seed=seed)

    # Same initial weights and dropout seeds (model seed 1): only the batch order differs.
    assert np.abs(run(0)["loss"] - run(1)["loss"]).max() > 1e-4


def test_fit_rejects_bad_targets(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task
    y_bad = y_train.copy()
    y_bad[3] = np.nan
    model = build_deepbind_cnn((41, 4))
    with pytest.raises(InputError, match="training targets contain NaN"):
        train.fit(model, x_train, y_bad, x_valid, y_valid, epochs=1)
    with pytest.raises(InputError, match="validation set has 500 inputs and 499 targets"):
        train.fit(model, x_train, y_train, x_valid, y_valid[:-1], epochs=1)
    with pytest.raises(InputError, match="training set has 0 inputs and 0 targets"):
        train.fit(model, x_train[:0], y_train[:0], x_valid, y_valid, epochs=1)


# --- model files --------------------------------------------------------------------------


def test_save_load_round_trip(residualbind, tmp_path):
    x = np.random.default_rng(4).random((50, 41, 4), dtype=np.float32)
    path = tmp_path / "out" / "model.keras"
    train.save_model(residualbind, path)
    assert [p.name for p in path.parent.iterdir()] == ["model.keras"]  # no temp left over
    loaded = train.load_model(path)
    assert loaded.count_params() == 216_321
    np.testing.assert_array_equal(
        train.make_predict_fn(loaded)(x), train.make_predict_fn(residualbind)(x)
    )


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="XLA is opt-in on TF only")
def test_predict_fn_compiles_with_xla_unless_determinism_is_on():
    # A fresh interpreter: op determinism, once on (any fit in this process), stays on.
    script = (
        "import warnings, numpy as np, keras\n"
        "warnings.simplefilter('error')\n"
        "from rbpgia import train\n"
        "from rbpgia.models import build_residualbind\n"
        "model = build_residualbind((41, 4), seed=0)\n"
        "x = np.random.default_rng(0).random((300, 41, 4), dtype=np.float32)\n"
        "graph = train.make_predict_fn(model, 128, jit_compile=False)(x)\n"
        "xla_fn = train.make_predict_fn(model, 128)\n"
        "xla = xla_fn(x)\n"
        "print(model.jit_compile)\n"
        "print(float(np.abs(xla - graph).max()))\n"
        "train.set_seeds(0)\n"
        "again = build_residualbind((41, 4), seed=0)\n"
        "same = train.make_predict_fn(again, 128)(x)\n"
        "print(again.jit_compile, float(np.abs(same - graph).max()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-2000:]
    flags, xla_gap, determinism = result.stdout.strip().splitlines()
    assert flags == "False"  # the model's own flag is restored
    # XLA fuses and reorders, so its rounding differs from graph mode's, slightly.
    assert 0.0 < float(xla_gap) < 1e-4
    assert determinism.split() == ["False", "0.0"]  # refused quietly: graph mode, same numbers


def test_model_file_errors(residualbind, tmp_path):
    with pytest.raises(InputError, match=r"model.h5: model files must end in '.keras'"):
        train.save_model(residualbind, tmp_path / "model.h5")
    with pytest.raises(InputError, match="missing.keras: model file not found"):
        train.load_model(tmp_path / "missing.keras")


def test_one_epoch_of_residualbind_lowers_the_training_loss(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task
    x_small, y_small = x_train[:500], y_train[:500]
    model = build_residualbind((41, 4), seed=0)
    before = train.evaluate(train.make_predict_fn(model), x_small, y_small)["mse"]
    train.fit(model, x_small, y_small, x_valid[:100], y_valid[:100], epochs=1, seed=0)
    after = train.evaluate(train.make_predict_fn(model), x_small, y_small)["mse"]
    assert after < before


def test_limit_threads_sets_the_backend_pools():
    script = (
        "import keras\n"
        "from rbpgia.train import limit_threads\n"
        "limit_threads(1)\n"
        "keras.ops.ones((2, 2))\n"
        "if keras.backend.backend() == 'tensorflow':\n"
        "    import tensorflow as tf\n"
        "    print(tf.config.threading.get_intra_op_parallelism_threads(),\n"
        "          tf.config.threading.get_inter_op_parallelism_threads())\n"
        "elif keras.backend.backend() == 'torch':\n"
        "    import torch\n"
        "    print(torch.get_num_threads(), 1)\n"
        "else:\n"
        "    print(1, 1)\n"
        "limit_threads(2)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["1", "1"]
    if keras.backend.backend() == "tensorflow":
        # A late call warns (an error here, by -W) instead of failing inside TensorFlow.
        assert result.returncode != 0
        assert "came after TensorFlow started" in result.stderr
    with pytest.raises(ValueError, match="threads must be >= 1"):
        train.limit_threads(0)
