"""The package on Keras's JAX backend: the same predictions, training and k-mer search.

Models and GIA use the Keras 3 public API and ``keras.ops`` only, so that a user can run the
workflow with ``KERAS_BACKEND=jax`` (for instance on a GPU). The backend is chosen when
Keras is first imported, so the JAX side runs in a child process; the models travel
between the two backends as ``.keras`` files. JAX comes from ``.venv/jax`` (``make venv``
puts it there, outside the environment, so that TensorFlow jobs do not import it) or from
the environment itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rbpgia import train
from rbpgia.models import build_deepbind_cnn, build_residualbind
from rbpgia.train import load_model, make_predict_fn, save_model

# Where `make venv` installs requirements-jax.txt.
JAX_SITE = Path(sys.prefix) / "jax"
if not (JAX_SITE / "jax").is_dir() and importlib.util.find_spec("jax") is None:
    pytest.skip(f"JAX is not installed (make venv puts it in {JAX_SITE})", allow_module_level=True)

# As tests/models/test_train.py's motif test: the small CNN learns GCAUG counts in 8 epochs.
FIT = {"epochs": 8, "learning_rate": 0.01, "lr_patience": 100, "seed": 0}

CHILD = r"""
import json, sys
import numpy as np
import keras
from rbpgia import train
from rbpgia.gia.kmer_search import adaptive_kmer_search, kmer_search
from rbpgia.gia.predictor import Predictor
from rbpgia.models import build_deepbind_cnn

folder = sys.argv[1]
data = np.load(f"{folder}/data.npz")
out = {"backend": keras.backend.backend()}

# A model saved by TensorFlow, predicted on JAX.
np.save(f"{folder}/jax_predictions.npy", train.make_predict_fn(
    train.load_model(f"{folder}/tf_model.keras"), batch_size=128)(data["x"]))

# Training on JAX: the workflow's fit, seeded.
train.set_seeds(0)
model = build_deepbind_cnn(data["x_train"].shape[1:], seed=0)
history = train.fit(model, data["x_train"], data["y_train"], data["x_valid"], data["y_valid"],
                    **json.loads(sys.argv[2]))
out["val_pearson_r"] = history["val_pearson_r"].tolist()
out["loss"] = history["loss"].tolist()
train.save_model(model, f"{folder}/jax_model.keras")
predict = train.make_predict_fn(model, batch_size=1024)
np.save(f"{folder}/jax_trained_predictions.npy", predict(data["x_valid"]))

# The k-mer searches on JAX, through a Predictor as in the workflow.
nulls = data["nulls"]
predictor = Predictor(predict, "seq")
exhaustive = kmer_search(predictor, nulls, k=5, rng=0)
fast = adaptive_kmer_search(predictor, nulls, k=5, n_screen=20, rng=0)
out["exhaustive_top10"] = exhaustive["kmer"][:10].tolist()
out["fast_top10"] = fast["kmer"][:10].tolist()
json.dump(out, open(f"{folder}/out.json", "w"))
"""


def run_on_jax(folder) -> dict:
    path = os.pathsep.join(p for p in (str(JAX_SITE), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": path}
    script = folder / "child.py"
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, str(script), str(folder), json.dumps(FIT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / "out.json").read_text())


@pytest.fixture(scope="module")
def jax_run(tmp_path_factory, motif_task):
    folder = tmp_path_factory.mktemp("jax")
    x_train, y_train, x_valid, y_valid = motif_task
    rng = np.random.default_rng(3)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (300, 41))]
    nulls = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (60, 41))]
    np.savez(
        folder / "data.npz",
        x=x,
        x_train=x_train,
        y_train=y_train,
        x_valid=x_valid,
        y_valid=y_valid,
        nulls=nulls,
    )
    model = build_residualbind((41, 4), seed=1)
    save_model(model, folder / "tf_model.keras")
    tf_predictions = make_predict_fn(model, batch_size=128)(x)
    return folder, run_on_jax(folder), tf_predictions


def test_the_child_really_ran_on_jax(jax_run):
    assert jax_run[1]["backend"] == "jax"


def test_a_tensorflow_model_predicts_the_same_on_jax(jax_run):
    folder, _, tf_predictions = jax_run
    jax_predictions = np.load(folder / "jax_predictions.npy")
    assert np.abs(tf_predictions).max() > 1e-3  # not a trivially zero model
    np.testing.assert_allclose(jax_predictions, tf_predictions, rtol=1e-4, atol=1e-5)


def test_training_on_jax_learns_as_on_tensorflow_and_reloads_there(jax_run, motif_task):
    folder, out, _ = jax_run
    x_train, y_train, x_valid, y_valid = motif_task
    assert len(out["loss"]) == FIT["epochs"]
    assert out["loss"][-1] < out["loss"][0]
    assert max(out["val_pearson_r"]) > 0.9
    train.set_seeds(0)
    model = build_deepbind_cnn((41, 4), seed=0)
    on_tf = train.fit(model, x_train, y_train, x_valid, y_valid, **FIT)
    # The backends draw other initial weights and batch orders from the same seed, so the runs
    # differ; they must learn as well (measured: best r 0.975 on JAX, 0.972 on TensorFlow).
    assert max(out["val_pearson_r"]) == pytest.approx(on_tf["val_pearson_r"].max(), abs=0.03)
    # Saved on JAX, loaded on TensorFlow: the same predictions.
    x_valid = motif_task[2]
    on_tf = make_predict_fn(load_model(folder / "jax_model.keras"))(x_valid)
    np.testing.assert_allclose(
        on_tf, np.load(folder / "jax_trained_predictions.npy"), rtol=1e-4, atol=1e-4
    )


def test_kmer_searches_on_jax_find_the_motif_and_agree(jax_run):
    out = jax_run[1]
    assert out["exhaustive_top10"][0] == "GCAUG"
    assert set(out["fast_top10"]) == set(out["exhaustive_top10"])
    assert out["fast_top10"][0] == "GCAUG"
