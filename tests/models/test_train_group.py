"""Several models trained together (rbpgia.train_group), each as training it alone would."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from rbpgia import train, train_group
from rbpgia.errors import InputError
from rbpgia.models import build_deepbind_cnn, build_residualbind


def small_model(seed):
    return build_deepbind_cnn((41, 4), seed=seed, n_filters=8)


# --- the optimizer: one Adam, a learning-rate factor per model ------------------------------


def one_step_alone(model, x, y, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    model.train_on_batch(x, y)
    return model.get_weights()


def test_group_step_is_each_models_own_adam_step(motif_task):
    """One group step = each model's own Adam step at base LR x its factor (0: unchanged)."""
    x_train, y_train, _, _ = motif_task
    batches = [(x_train[i * 64 : (i + 1) * 64], y_train[i * 64 : (i + 1) * 64]) for i in range(3)]
    learning_rate, factors = 0.01, (1.0, 0.5, 0.0)
    expected = [
        one_step_alone(small_model(seed=i), x, y[:, None], learning_rate * factor)
        for i, ((x, y), factor) in enumerate(zip(batches, factors, strict=True))
    ]
    models = [small_model(seed=i) for i in range(3)]
    before = [model.get_weights() for model in models]
    group = train_group._Group(models)
    optimizer = train_group.GroupAdam(models, learning_rate=learning_rate)
    losses = [keras.losses.MeanSquaredError(name=f"member{i}") for i in range(3)]
    group.compile(optimizer=optimizer, loss=losses)
    optimizer.build(group.trainable_variables)
    for variable, factor in zip(optimizer.factors, factors, strict=True):
        variable.assign(factor)
    group.train_on_batch(tuple(x for x, _ in batches), tuple(y[:, None] for _, y in batches))
    for model, want, start, factor in zip(models, expected, before, factors, strict=True):
        trainable = {id(v) for v in model.trainable_variables}
        for variable, value, initial in zip(model.weights, want, start, strict=True):
            if id(variable) not in trainable:
                continue  # batch-norm statistics follow the batch, not the learning rate
            got = keras.ops.convert_to_numpy(variable)
            np.testing.assert_allclose(got, value, rtol=1e-5, atol=1e-6)
            if factor == 0.0:
                np.testing.assert_array_equal(got, initial)


# --- the batches: each model's own, in its own seed's order --------------------------------


def epoch_rows(batches):
    """Each set's rows, batch by batch, over one epoch of a ShuffledBatches (targets = row)."""
    items = [batches[i] for i in range(len(batches))]
    if not isinstance(items[0][1], tuple):
        items = [((x,), (y,)) for x, y in items]
    rows = [[y[:, 0].astype(int).tolist() for y in ys] for _, ys in items]
    for xs, ys in items:
        for x, y in zip(xs, ys, strict=True):
            np.testing.assert_array_equal(x[:, 0, 0], y[:, 0])  # inputs travel with targets
    return [list(member) for member in zip(*rows, strict=True)]


def toy_set(n):
    return np.arange(n, dtype=np.float32)[:, None, None], np.arange(n, dtype=np.float32)


@pytest.mark.parametrize(
    ("n_rows", "steps", "sizes"),
    [
        (10, 3, [4, 4, 2]),  # needs 3 batches of 4: fit's batches, the last partial
        (7, 3, [3, 2, 2]),  # needs 2: cut into 3 near-equal batches
        (2, 3, [1, 1, 1]),  # fewer rows than steps: one row per batch, repeating
    ],
)
def test_epoch_batches_take_every_row_once(n_rows, steps, sizes):
    batches = train.epoch_batches(n_rows, steps, 4, np.random.default_rng(0))
    assert [len(batch) for batch in batches] == sizes
    taken = np.concatenate(batches)
    assert set(taken.tolist()) == set(range(n_rows))
    if n_rows >= steps:
        assert len(taken) == n_rows


def test_each_sets_batches_are_its_own_seeds_alone():
    """In a group, a set's batches are those a one-set ShuffledBatches with its seed gives,
    reshuffled each epoch; a smaller set takes every row once per epoch, in as many steps."""
    sets = [toy_set(10), toy_set(10), toy_set(7)]
    group = train.ShuffledBatches(
        *map(list, zip(*sets, strict=True)), 4, seeds=[5, 6, 5], grouped=True
    )
    alone = train.ShuffledBatches([sets[0][0]], [sets[0][1]], 4, seeds=[5])
    assert len(group) == 3
    previous = None
    for _ in range(3):  # epochs
        rows = epoch_rows(group)
        assert rows[0] == epoch_rows(alone)[0]
        assert rows[1] != rows[0]  # another seed, another order
        assert [len(batch) for batch in rows[2]] == [3, 2, 2]
        assert sorted(sum(rows[2], [])) == list(range(7))
        assert rows[0] != previous
        previous = rows[0]
        group.on_epoch_end()
        alone.on_epoch_end()
    with pytest.raises(InputError, match="2 input sets, 2 target sets, 1 seeds"):
        train.ShuffledBatches([sets[0][0]] * 2, [sets[0][1]] * 2, 4, seeds=[0], grouped=True)
    with pytest.raises(InputError, match="2 training sets for one model; pass grouped=True"):
        train.ShuffledBatches([sets[0][0]] * 2, [sets[0][1]] * 2, 4, seeds=[0, 1])


def test_a_group_of_one_takes_tuples():
    """The group's model takes a tuple of inputs even for one member (bench_train's group
    of one, a training.group_size job left with one RBP)."""
    x, y = toy_set(10)
    xs, ys = train.ShuffledBatches([x], [y], 4, seeds=[5], grouped=True)[0]
    alone_x, alone_y = train.ShuffledBatches([x], [y], 4, seeds=[5])[0]
    assert isinstance(xs, tuple)
    assert len(xs) == 1
    np.testing.assert_array_equal(xs[0], alone_x)
    np.testing.assert_array_equal(ys[0], alone_y)


def test_a_model_trains_in_a_group_exactly_as_alone(motif_task):
    """ResidualBind (batch norm, dropout) for three epochs: the same weights and history
    trained alone or beside another model, when both training sets need as many batches."""
    x_train, y_train, x_valid, y_valid = motif_task
    x_train, y_train = x_train[:600], y_train[:600]
    options = {"epochs": 3, "learning_rate": 0.01, "lr_patience": 1, "batch_size": 64}

    def residualbind(seed):
        return build_residualbind((41, 4), seed=seed)

    alone = []
    for seed in (3, 4):
        model = residualbind(seed)
        history = train.fit(model, x_train, y_train, x_valid, y_valid, seed=seed, **options)
        alone.append((model.get_weights(), history))
    models = [residualbind(3), residualbind(4)]
    histories = train_group.fit_group(
        models,
        [x_train, x_train[::-1]],  # the same probes in another order: another data set
        [y_train, y_train[::-1]],
        [x_valid] * 2,
        [y_valid] * 2,
        seed=[3, 4],
        **options,
    )
    assert [len(h) for h in histories] == [3, 3]
    weights, history = alone[0]
    pd.testing.assert_frame_equal(
        histories[0].drop(columns="seconds"), history.drop(columns="seconds")
    )
    for got, want in zip(models[0].get_weights(), weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    # The second saw its probes in another order than alone: not the same model.
    pairs = zip(models[1].get_weights(), alone[1][0], strict=True)
    assert max(np.abs(a - b).max() for a, b in pairs) > 1e-3


def test_a_group_of_one_trains_as_alone(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task
    options = {"epochs": 2, "learning_rate": 0.01, "batch_size": 64, "seed": 3}
    model = small_model(3)
    history = train.fit(model, x_train[:300], y_train[:300], x_valid, y_valid, **options)
    member = small_model(3)
    (grouped,) = train_group.fit_group(
        [member], [x_train[:300]], [y_train[:300]], [x_valid], [y_valid], **options
    )
    pd.testing.assert_frame_equal(grouped.drop(columns="seconds"), history.drop(columns="seconds"))
    for got, want in zip(member.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


# --- the schedule: each model's own stop, LR cuts and best weights --------------------------


def test_each_member_follows_its_own_schedule(motif_task, monkeypatch):
    """Scripted validation r per model: the LR cuts, stops and restored epochs of fit()."""
    x_train, y_train, x_valid, y_valid = motif_task
    # Member 0: the script of test_train's schedule test (stops after 9); member 1 peaks
    # first and stops after 1 + patience epochs. Told apart by their validation sizes.
    scripts = {
        len(y_valid): iter([0.1, 0.2, 0.15, 0.15, 0.3] + [0.1] * 7),
        len(y_valid) - 1: iter([0.5] + [0.4] * 20),
    }
    seen = {n: [] for n in scripts}

    def scripted_pearson(y, predictions):
        seen[len(y)].append(np.array(predictions))
        return next(scripts[len(y)])

    monkeypatch.setattr(train_group, "pearson_r", scripted_pearson)
    models = [small_model(0), small_model(1)]
    lines = []
    histories = train_group.fit_group(
        models,
        [x_train[:300], x_train[300:550]],
        [y_train[:300], y_train[300:550]],
        [x_valid, x_valid[:-1]],
        [y_valid, y_valid[:-1]],
        names=["first", "second"],
        epochs=50,
        learning_rate=1e-3,
        patience=4,
        lr_patience=2,
        lr_factor=0.5,
        min_lr=3e-4,
        seed=0,
        log=lines.append,
    )
    first, second = histories
    assert list(first.columns) == train.HISTORY_COLUMNS
    assert first["epoch"].tolist() == list(range(1, 10))
    lr = [1e-3, 1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 3e-4, 3e-4]
    assert first["lr"].tolist() == pytest.approx(lr, rel=1e-6)
    # The second stops after epoch 5 (four without progress) and is not validated again.
    assert second["epoch"].tolist() == [1, 2, 3, 4, 5]
    assert second["lr"].tolist() == pytest.approx([1e-3, 1e-3, 1e-3, 5e-4, 5e-4], rel=1e-6)
    assert len(seen[len(y_valid) - 1]) == 5
    assert np.isfinite(first["loss"]).all()
    assert np.isfinite(second["loss"]).all()
    # Each has its best epoch's weights back.
    restored = train.make_predict_fn(models[0])(x_valid)
    np.testing.assert_allclose(restored, seen[len(y_valid)][4], rtol=0, atol=1e-6)
    restored = train.make_predict_fn(models[1])(x_valid[:-1])
    np.testing.assert_allclose(restored, seen[len(y_valid) - 1][0], rtol=0, atol=1e-6)
    assert any(line.startswith("second: epoch 5/50") and "(stopped)" in line for line in lines)
    assert lines[-2:] == [
        "first: done after 9 epochs; restored epoch 5 (val_pearson_r 0.30000)",
        "second: done after 5 epochs; restored epoch 1 (val_pearson_r 0.50000)",
    ]


def test_group_members_learn_as_well_as_alone(motif_task):
    """Each member reaches the validation r that training it alone reaches, on its own task."""
    x_train, y_train, x_valid, y_valid = motif_task
    # Member 1 learns the mirrored task: the count of GCAUG read on the reversed probe.
    tasks = [
        (x_train, y_train, x_valid, y_valid),
        (x_train[:, ::-1][:1800], y_train[:1800], x_valid[:, ::-1], y_valid),
    ]
    options = {"epochs": 6, "learning_rate": 0.01, "lr_patience": 100, "seed": 0}
    alone = []
    for x, y, xv, yv in tasks:
        history = train.fit(small_model(0), x, y, xv, yv, **options)
        alone.append(history["val_pearson_r"].max())
    histories = train_group.fit_group(
        [small_model(0), small_model(0)], *map(list, zip(*tasks, strict=True)), **options
    )
    for history, r_alone in zip(histories, alone, strict=True):
        assert r_alone > 0.8
        assert history["val_pearson_r"].max() == pytest.approx(r_alone, abs=0.05)


def test_fit_group_refuses_bad_input(motif_task):
    x_train, y_train, x_valid, y_valid = motif_task
    model = small_model(0)
    with pytest.raises(InputError, match="share weights"):
        train_group.fit_group(
            [model, model], [x_train] * 2, [y_train] * 2, [x_valid] * 2, [y_valid] * 2
        )
    with pytest.raises(InputError, match="2 models but data or names for"):
        train_group.fit_group(
            [model, small_model(1)], [x_train], [y_train], [x_valid] * 2, [y_valid] * 2
        )
    bad = y_train.copy()
    bad[3] = np.nan
    with pytest.raises(InputError, match="second: training targets contain NaN"):
        train_group.fit_group(
            [model, small_model(1)],
            [x_train] * 2,
            [y_train, bad],
            [x_valid] * 2,
            [y_valid] * 2,
            names=["first", "second"],
        )
    with pytest.raises(InputError, match="min_delta must be >= 0"):
        train_group.fit_group(
            [model], [x_train], [y_train], [x_valid], [y_valid], epochs=1, min_delta=-0.1
        )
    with pytest.raises(InputError, match="2 models but 3 seeds"):
        train_group.fit_group(
            [model, small_model(1)],
            [x_train] * 2,
            [y_train] * 2,
            [x_valid] * 2,
            [y_valid] * 2,
            seed=[0, 1, 2],
        )
    with pytest.raises(InputError, match="at least one model"):
        train_group.fit_group([], [], [], [], [])
