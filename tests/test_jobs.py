"""One modelling job reads one RBP, normalises with training statistics, keeps splits aligned."""

import numpy as np
import pandas as pd
import pytest

from rbpgia.data.probes import Probes
from rbpgia.encode.onehot import decode
from rbpgia.encode.store import encode_probes, write_probes_h5
from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.nulls import quartile_members
from rbpgia.gia.run import Prepared, run_experiment, search, settings
from rbpgia.workflow.jobs import (
    capped_motif_note,
    external_job,
    gia_background,
    gia_prepare,
    gia_training,
    load_job_data,
    open_gia_model,
    parse_model_id,
    probes_in_frame,
    train_kmer_ridge_job,
)


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    rng = np.random.default_rng(3)
    n = 400
    sequences = np.array(["".join(rng.choice(list("ACGU"), 36)) for _ in range(n)])
    counts = np.array([s.count("GCA") for s in sequences], dtype=np.float32)
    targets = pd.DataFrame(
        {
            "R1": counts + rng.normal(0, 0.1, n).astype(np.float32),
            "R2": np.where(np.arange(n) % 10 == 0, np.nan, 5.0 * counts).astype(np.float32),
        }
    )
    sets = np.where(np.arange(n) < 250, "A", "B")
    probes = Probes(sequences, sets, targets, "test")
    onehot, structure = encode_probes(probes)
    path = tmp_path_factory.mktemp("pool") / "probes.h5"
    write_probes_h5(path, probes, onehot, structure)
    return path, probes


def test_parse_model_id():
    assert parse_model_id("residualbind_seq_clip") == ("residualbind", "seq", "clip")
    assert parse_model_id("deepbind_cnn_struct_log") == ("deepbind_cnn", "struct", "log")


def test_splits_use_training_statistics_and_drop_nan(pool):
    path, probes = pool
    data = load_job_data(path, "R2", "pu", "clip", valid_fraction=0.2, seed=1)
    assert data.x["train"].shape[1:] == (41, 6)
    used = np.concatenate([data.indices[s] for s in ("train", "valid", "test")])
    assert len(used) == len(set(used)) == 360  # every 10th probe has no measurement
    assert set(probes.sets[data.indices["test"]]) == {"B"}
    raw = probes.targets["R2"].to_numpy()
    train = raw[data.indices["train"]]
    expected_test = (raw[data.indices["test"]] - train.mean()) / train.std()
    np.testing.assert_allclose(data.y["test"], expected_test, rtol=1e-5, atol=1e-5)
    assert abs(data.y["train"].mean()) < 1e-5


def test_kmer_ridge_job_predictions_are_aligned(pool):
    path, _ = pool
    data = load_job_data(path, "R1", "seq", "clip", seed=0)
    result = train_kmer_ridge_job(data)
    assert result.metrics["n_test"] == 150
    assert result.metrics["pearson_r"] > 0.8
    np.testing.assert_array_equal(result.predictions["probe"], data.indices["test"])
    np.testing.assert_allclose(result.predictions["measured"], data.y["test"], rtol=1e-6)
    # A pool without probe IDs names each probe by its row.
    assert result.predictions["probe_id"].tolist() == [str(i) for i in data.indices["test"]]


def test_predictions_name_probes_by_their_ids(pool, tmp_path):
    _, probes = pool
    ids = np.array([f"RBD_v3_{i + 1:06d}" for i in range(len(probes))])
    named = Probes(probes.sequences, probes.sets, probes.targets, "test", names=ids)
    path = tmp_path / "named.h5"
    write_probes_h5(path, named, *encode_probes(named))
    data = load_job_data(path, "R1", "seq", "clip", seed=0)
    table = train_kmer_ridge_job(data).predictions
    assert list(table.columns) == ["probe", "probe_id", "measured", "predicted"]
    assert table["probe_id"].tolist() == [f"RBD_v3_{i + 1:06d}" for i in table["probe"]]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    from rbpgia.models import build_residualbind
    from rbpgia.train import save_model

    path = tmp_path_factory.mktemp("model") / "model.keras"
    save_model(build_residualbind((41, 4), seed=2), path)
    return path


def test_gia_experiments_in_one_job_do_not_depend_on_their_order(pool, model_path):
    """Each experiment draws from the run's starting state, as in a job of its own."""
    path, _ = pool
    options = settings({"nulls": "profile", "n_null": 30, "seed": 5, "n_boot": 100})

    def run(names):
        prepared = gia_prepare(path, model_path, "R1", options)
        return {name: run_experiment(prepared, name, "GCAUG", options) for name in names}

    alone = run(["gc_bias"])["gc_bias"]
    after_others = run(["motif_count", "spacing", "gc_bias"])["gc_bias"]
    pd.testing.assert_frame_equal(alone, after_others)
    assert (alone["null"] == "profile").all()
    prepared = gia_prepare(path, model_path, "R1", options)
    first, second = prepared.rng(), prepared.rng()
    assert first.random() == second.random()
    # Each call starts over, and leaves the run's own generator where it was.
    assert prepared.rng().random() == prepared.start.random()


def test_gia_prepare_draws_nulls_from_measured_set_b_probes(pool, model_path):
    path, probes = pool
    options = settings({"nulls": "quartile_top", "n_null": 20, "seed": 1})
    prepared = gia_prepare(path, model_path, "R2", options)
    assert isinstance(prepared, Prepared)
    assert prepared.predictor.input_type == "seq"
    assert prepared.null_kind == "quartile_top"
    assert prepared.nulls.shape == (20, 41, 4)
    np.testing.assert_allclose(prepared.baseline, prepared.predictor(prepared.nulls), rtol=1e-6)
    # Real probes of the top quartile of R2 among the Set B probes it was measured on.
    measured = probes.targets["R2"].to_numpy()
    set_b = np.flatnonzero((probes.sets == "B") & np.isfinite(measured))
    top = set(probes.sequences[set_b[quartile_members(measured[set_b], 4)]])
    assert set(decode(prepared.nulls)) <= top


def test_gia_training_is_the_measured_set_a_with_its_profiles(pool):
    path, probes = pool
    training, targets = gia_training(path, "R2")
    # Probes 0..249 are Set A; every 10th has no R2 measurement.
    assert len(training) == 225
    np.testing.assert_array_equal(
        targets, probes.targets["R2"].to_numpy()[:250][np.arange(250) % 10 != 0]
    )
    assert training.has_structure
    gca = sum("GCA" in s for i, s in enumerate(probes.sequences[:250]) if i % 10)
    assert support.counted(training, "GCA")[0] == gca


def test_capped_motif_note_when_the_motif_probes_sit_at_the_cap(pool):
    path, _ = pool
    training, _ = gia_training(path, "R1")
    holds = support.holding(support.hits(training, "GCA"))
    n = int(holds.sum())
    clip = {"method": "clip", "clip_max": 1.0, "mean": 0.0, "std": 1.0}
    # One capped probe in twenty (5%) is not more than MAX_CAPPED_SHARE: no note.
    targets = np.zeros(len(training))
    targets[np.flatnonzero(holds)[: n // 20]] = 2.0
    assert capped_motif_note(training, targets, "GCA", clip) is None
    targets[np.flatnonzero(holds)[:10]] = 2.0
    note = capped_motif_note(training, targets, "GCA", clip)
    assert note.startswith(f"10 of the {n} training probes holding GCA")
    assert "training.norms: [log]" in note
    assert capped_motif_note(training, targets, "GCA", {"method": "log"}) is None


def test_probes_in_frame_centres_the_pool_in_another_length(pool):
    path, probes = pool
    rows = np.array([0, 5, 300])
    # The pool's own frame: its stored one-hot.
    np.testing.assert_array_equal(probes_in_frame(path, rows, 41), probes_in_frame(path, rows))
    # 36-nt probes in a 30-nt frame: their middle 30 nt (3 from each end).
    trimmed = decode(probes_in_frame(path, rows, 30))
    assert trimmed == [probes.sequences[i][3:33] for i in rows]
    # In a 36-nt frame: the whole probe, no padding (the pool's 41-nt frame pads it).
    framed = probes_in_frame(path, rows, 36)
    assert framed.shape == (3, 36, 4)
    assert (framed.sum(axis=2) == 1).all()
    assert decode(framed) == [probes.sequences[i] for i in rows]
    background, measured = gia_background(path, "R1", 30)
    assert background.shape == (150, 30, 4)
    assert len(measured) == 150
    training, _ = gia_training(path, "R2", 30)
    assert len(training) == 225
    assert not training.has_structure


def test_a_frame_the_pool_cannot_fill_is_an_error_naming_it(pool):
    path, _ = pool
    with pytest.raises(InputError, match=r"probes.h5: the pool cannot fill the model's 40-nt"):
        probes_in_frame(path, np.arange(3), 40)


def test_external_job_scores_set_b_as_a_trained_job_does(pool, model_path):
    """The same test probes and normalised measurements as load_job_data's, the model's
    predictions through the shared loader."""
    path, _ = pool
    from rbpgia.train import load_model, make_predict_fn

    result = external_job(path, open_gia_model(model_path), "R2", "clip", seed=0)
    data = load_job_data(path, "R2", "seq", "clip", seed=0)
    table = result.predictions
    np.testing.assert_array_equal(table["probe"], data.indices["test"])
    np.testing.assert_allclose(table["measured"], data.y["test"], rtol=1e-6)
    keras = make_predict_fn(load_model(model_path))(data.x["test"])
    np.testing.assert_allclose(table["predicted"], keras, rtol=1e-5, atol=1e-6)
    assert result.metrics["normaliser"] == data.normaliser
    assert result.metrics["n_test"] == len(data.y["test"])


def test_an_external_models_error_names_its_config_key(tmp_path):
    spec = {"path": str(tmp_path / "absent.onnx"), "key": "models.R1"}
    with pytest.raises(InputError, match=r"^config key models.R1: .*absent.onnx: model file not"):
        open_gia_model(spec)
    model = tmp_path / "m.py"
    model.write_text("def predict(x):\n    return x.sum(axis=(1, 2))\n")
    opened = open_gia_model({"path": f"{model}:predict", "length": 30, "key": "models.R1"})
    assert (opened.kind, opened.length, opened.input_type) == ("python", 30, "seq")


GROUP_SETTINGS = {
    "epochs": 3,
    "batch_size": 50,
    "learning_rate": 0.01,
    "patience": 2,
    "lr_patience": 1,
    "lr_factor": 0.3,
    "min_lr": 1e-6,
    "min_delta": 0.001,
    "seed": 0,
    "valid_fraction": 0.2,
}


def test_group_job_trains_each_rbp_on_its_own_data(pool):
    from rbpgia.workflow.jobs import train_keras_group_job, train_keras_job

    path, _ = pool
    # R2 misses every 10th probe: fewer training probes than R1, and its own split.
    datas = {rbp: load_job_data(path, rbp, "seq", "log", 0.2, seed=0) for rbp in ("R1", "R2")}
    assert len(datas["R2"].y["train"]) < len(datas["R1"].y["train"])
    results = train_keras_group_job(datas, "deepbind_cnn", GROUP_SETTINGS)
    assert list(results) == ["R1", "R2"]
    for rbp, result in results.items():
        metrics = result.metrics
        assert metrics["group_size"] == 2
        assert 1 <= metrics["epochs"] == len(result.history) <= 3
        best = result.history.loc[result.history["val_pearson_r"].idxmax(), "epoch"]
        assert metrics["best_epoch"] == best
        np.testing.assert_array_equal(result.predictions["probe"], datas[rbp].indices["test"])
        np.testing.assert_allclose(result.predictions["measured"], datas[rbp].y["test"], rtol=1e-6)
        assert -1 <= metrics["pearson_r"] <= 1
    # R1, the larger, trains batch for batch as alone; R2 takes its probes in as many steps.
    alone = train_keras_job(datas["R1"], "deepbind_cnn", GROUP_SETTINGS).metrics
    for key in ("pearson_r", "spearman_r", "epochs", "best_epoch", "val_pearson_r"):
        assert results["R1"].metrics[key] == pytest.approx(alone[key], abs=1e-6), key


def test_group_of_one_trains_exactly_as_alone(pool):
    from rbpgia.workflow.jobs import train_keras_group_job, train_keras_job

    path, _ = pool
    data = load_job_data(path, "R1", "seq", "log", 0.2, seed=0)
    alone = train_keras_job(data, "deepbind_cnn", GROUP_SETTINGS).metrics
    grouped = train_keras_group_job({"R1": data}, "deepbind_cnn", GROUP_SETTINGS)["R1"].metrics
    assert grouped["group_size"] == 1
    for key in ("pearson_r", "spearman_r", "epochs", "best_epoch", "val_pearson_r"):
        assert grouped[key] == alone[key], key


def test_compare_group_training_reports_each_rbp_seed_and_mode(pool):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import compare_group_training

    path, _ = pool
    settings = {**GROUP_SETTINGS, "epochs": 1}
    rows = compare_group_training.compare(path, ["R1", "R2"], settings, [0], "deepbind_cnn")
    assert [(row["rbp"], row["mode"]) for row in rows] == [
        ("R1", "alone"),
        ("R2", "alone"),
        ("R1", "group"),
        ("R2", "group"),
    ]
    assert all(row["epochs"] == row["best_epoch"] == 1 for row in rows)


def test_gia_prepare_batch_size_by_device_or_config(pool, model_path):
    """The forward batch: the CPU's 1024 here, or gia.batch_size; the k-mer search then puts
    enough k-mers in each call to fill it, with the same scores either way."""
    path, _ = pool
    options = settings({"n_null": 20, "seed": 1, "k": 3, "adaptive": False, "n_boot": 100})
    tables, calls = {}, {}
    for batch_size in (None, 640):
        run = gia_prepare(path, model_path, "R1", options, batch_size)
        sizes = []
        predict = run.predictor.predict
        run.predictor.predict = lambda x, predict=predict, sizes=sizes: (
            sizes.append(len(x)) or predict(x)
        )
        tables[run.batch_size] = search(run, options)
        calls[run.batch_size] = sizes
    assert sorted(tables) == [640, 1024]  # None -> this machine's CPU default
    # 64 k-mers x 20 nulls: 51 k-mers (1,020 probes) per call at 1024, 32 (640) at 640.
    assert calls[1024] == [1020, 260]
    assert calls[640] == [640, 640]
    pd.testing.assert_frame_equal(tables[640], tables[1024], rtol=1e-5)


def test_an_ensemble_job_keeps_the_mean_of_members_trained_from_consecutive_seeds(pool):
    from rbpgia.train import make_predict_fn
    from rbpgia.workflow.jobs import train_keras_job

    path, _ = pool
    data = load_job_data(path, "R1", "seq", "log", 0.2, seed=0)
    result = train_keras_job(data, "deepbind_cnn", {**GROUP_SETTINGS, "ensemble": 2})
    metrics = result.metrics
    assert metrics["ensemble"] == 2
    assert [member["seed"] for member in metrics["members"]] == [0, 1]
    # Each member's own schedule, stacked in the history.
    history = result.history
    assert sorted(history["member"].unique()) == ["seed0", "seed1"]
    for member in metrics["members"]:
        own = history[history["member"] == f"seed{member['seed']}"]
        assert member["epochs"] == len(own) <= 3
        assert member["best_epoch"] == own.loc[own["val_pearson_r"].idxmax(), "epoch"]
    assert metrics["epochs"] == max(member["epochs"] for member in metrics["members"])
    # The kept model is the members' mean, and the job's predictions are its.
    members = [result.model.get_layer(f"member{i}") for i in range(2)]
    each = np.stack([make_predict_fn(member)(data.x["test"]) for member in members])
    assert np.ptp(each, axis=0).max() > 1e-4
    np.testing.assert_allclose(result.predictions["predicted"], each.mean(axis=0), atol=1e-5)
    assert metrics["pearson_r"] == pytest.approx(
        np.corrcoef(result.predictions["predicted"], data.y["test"])[0, 1], abs=1e-6
    )
    assert metrics["n_parameters"] == 2 * members[0].count_params()
    # Each member is the model its seed trains alone.
    for member, seed in zip(members, (0, 1), strict=True):
        alone = train_keras_job(data, "deepbind_cnn", {**GROUP_SETTINGS, "seed": seed}).model
        np.testing.assert_allclose(
            make_predict_fn(member)(data.x["test"]),
            make_predict_fn(alone)(data.x["test"]),
            rtol=0,
            atol=1e-6,
        )


def test_a_group_job_trains_an_ensemble_per_rbp(pool):
    from rbpgia.workflow.jobs import train_keras_group_job

    path, _ = pool
    datas = {rbp: load_job_data(path, rbp, "seq", "log", 0.2, seed=0) for rbp in ("R1", "R2")}
    results = train_keras_group_job(datas, "deepbind_cnn", {**GROUP_SETTINGS, "ensemble": 2})
    for rbp, result in results.items():
        assert result.metrics["group_size"] == 2
        assert result.metrics["ensemble"] == 2
        assert len(result.metrics["members"]) == 2
        np.testing.assert_array_equal(result.predictions["probe"], datas[rbp].indices["test"])


def test_a_model_constant_in_every_epoch_keeps_epoch_one_with_a_warning(caplog):
    """Validation r NaN in every epoch (a dead model) used to crash after training."""
    import keras

    from rbpgia.workflow.jobs import JobData, keras_result

    inputs = keras.Input((8, 4))
    flat = keras.layers.Flatten()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(flat))
    rng = np.random.default_rng(0)
    x = rng.random((20, 8, 4)).astype(np.float32)
    data = JobData(
        x={"train": x, "test": x},
        y={"train": rng.random(20), "test": rng.random(20)},
        indices={"train": np.arange(20), "test": np.arange(20)},
        normaliser={},
    )
    history = pd.DataFrame({"epoch": [1, 2, 3], "val_pearson_r": [np.nan] * 3})
    with caplog.at_level("WARNING", logger="rbpgia"):
        result = keras_result(model, data, history, seconds=1.0)
    assert result.metrics["best_epoch"] == 1
    assert np.isnan(result.metrics["val_pearson_r"])
    assert np.isnan(result.metrics["pearson_r"])
    assert "undefined in every epoch" in caplog.text
    later = pd.DataFrame({"epoch": [1, 2, 3], "val_pearson_r": [np.nan, 0.4, 0.3]})
    assert keras_result(model, data, later, seconds=1.0).metrics["best_epoch"] == 2


UNPAIRED_MODEL = """
def unpaired(x):
    return x[:, :, -1].sum(axis=1)  # the unpaired channel of a pu input
"""


def test_structure_models_are_refolded_as_their_pool_was_folded(pool, tmp_path):
    """encode.window/span other than 41: GIA, ISM and the benchmark refold with them (they
    refolded at 41 whatever the pool's profiles, the model's training inputs, were)."""
    from rbpgia.encode.store import folding, read_inputs
    from rbpgia.explain import saturation_mutagenesis
    from rbpgia.gia.model_io import open_model
    from rbpgia.gia.predictor import Predictor

    _, probes = pool
    onehot, structure = encode_probes(probes, window=25, span=25)
    path = tmp_path / "w25.h5"
    write_probes_h5(path, probes, onehot, structure, attrs={"window": 25, "span": 25})
    assert folding(path) == {"window": 25, "span": 25}
    (tmp_path / "rules.py").write_text(UNPAIRED_MODEL)
    model = open_model(f"{tmp_path / 'rules.py'}:unpaired", input_type="pu", length=41)
    prepared = gia_prepare(path, model, "R1", settings({"n_null": 20, "seed": 1}))
    assert (prepared.predictor.window, prepared.predictor.span) == (25, 25)
    set_b = np.flatnonzero(probes.sets == "B")[:30]
    trained_on = model.predict(read_inputs(path, "pu", set_b))
    refolded = prepared.predictor(probes_in_frame(path, set_b, 41))
    np.testing.assert_allclose(refolded, trained_on, atol=1e-4)
    at_41 = model.predictor()(probes_in_frame(path, set_b, 41))
    assert np.abs(at_41 - trained_on).max() > 0.05  # the settings matter for these probes
    # ISM folds wild type and mutants with the same settings.
    wild = probes_in_frame(path, set_b[:1], 41)
    effects = saturation_mutagenesis(model.predict, wild, "pu", window=25, span=25)
    mutant = wild.copy()
    column = int(np.flatnonzero(wild[0].sum(axis=1))[10])
    base = (int(wild[0, column].argmax()) + 1) % 4
    mutant[0, column] = np.eye(4)[base]
    at_25 = Predictor(model.predict, "pu", window=25, span=25)
    expected = at_25(mutant)[0] - at_25(wild)[0]
    assert effects[0, column, base] == pytest.approx(expected, abs=1e-4)


def test_command_line_refolds_as_its_hdf5_was_folded(pool, tmp_path, capsys):
    from rbpgia.cli import fold_settings
    from rbpgia.gia.model_io import open_model

    _, probes = pool
    onehot, structure = encode_probes(probes, window=30, span=20)
    path = tmp_path / "w30.h5"
    write_probes_h5(path, probes, onehot, structure, attrs={"window": 30, "span": 20})
    (tmp_path / "rules.py").write_text(UNPAIRED_MODEL)
    model = open_model(f"{tmp_path / 'rules.py'}:unpaired", input_type="pu", length=41)
    assert fold_settings(model, [None, path]) == {"window": 30, "span": 20}
    assert f"W = 30, L = 20 (as {path} was folded)" in capsys.readouterr().err
    text = tmp_path / "probes.txt"
    text.write_text("ACGU" * 10 + "\n")
    assert fold_settings(model, [text, None]) == {"window": 41, "span": 41}
