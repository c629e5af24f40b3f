"""One modelling job reads one RBP, normalises with training statistics, keeps splits aligned."""

import numpy as np
import pandas as pd
import pytest

from rbpgia.data.probes import Probes
from rbpgia.encode.onehot import decode
from rbpgia.encode.store import encode_probes, write_probes_h5
from rbpgia.gia import support
from rbpgia.gia.nulls import quartile_members
from rbpgia.gia.run import Prepared, run_experiment, search, settings
from rbpgia.workflow.jobs import (
    capped_motif_note,
    gia_prepare,
    gia_training,
    load_job_data,
    parse_model_id,
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
        prepared = gia_prepare(path, model_path, "R1", "residualbind_seq_clip", options)
        return {name: run_experiment(prepared, name, "GCAUG", options) for name in names}

    alone = run(["gc_bias"])["gc_bias"]
    after_others = run(["motif_count", "spacing", "gc_bias"])["gc_bias"]
    pd.testing.assert_frame_equal(alone, after_others)
    assert (alone["null"] == "profile").all()
    prepared = gia_prepare(path, model_path, "R1", "residualbind_seq_clip", options)
    first, second = prepared.rng(), prepared.rng()
    assert first.random() == second.random()
    # Each call starts over, and leaves the run's own generator where it was.
    assert prepared.rng().random() == prepared.start.random()


def test_gia_prepare_draws_nulls_from_measured_set_b_probes(pool, model_path):
    path, probes = pool
    options = settings({"nulls": "quartile_top", "n_null": 20, "seed": 1})
    prepared = gia_prepare(path, model_path, "R2", "residualbind_seq_clip", options)
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


def test_gia_prepare_batch_size_by_device_or_config(pool, model_path):
    """The forward batch: the CPU's 1024 here, or gia.batch_size; the k-mer search then puts
    enough k-mers in each call to fill it, with the same scores either way."""
    path, _ = pool
    options = settings({"n_null": 20, "seed": 1, "k": 3, "adaptive": False, "n_boot": 100})
    tables, calls = {}, {}
    for batch_size in (None, 640):
        run = gia_prepare(path, model_path, "R1", "residualbind_seq_clip", options, batch_size)
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
