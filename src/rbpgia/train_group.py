"""Several models trained at once, each as if alone: many RBPs per (GPU) training job.

One ResidualBind at batch 100 keeps a GPU mostly idle, waiting on small kernels. Here a
group of models (one per RBP, each with its own probes and targets) steps together: each
training step runs one mini-batch of every model's own shuffled training probes through
all of them in one call, so each kernel launch carries the whole group's work. The rest
stays per model, by the rules of :func:`rbpgia.train.fit` (shared code,
:class:`rbpgia.train.Progress`): its validation Pearson r after every epoch, its best
weights, its learning-rate cuts and its early stop. A model that has stopped gets learning
rate 0 (Adam then leaves its weights as they are) until the last one stops, and its best
weights are put back at the end.

Each model's mini-batches come from its own seed, in the order :func:`rbpgia.train.fit`
with that seed would draw them (:class:`rbpgia.train.ShuffledBatches`), so a model whose
training set needs as many batches as the group's largest trains exactly as it would alone
(the same weights, to float rounding; tests/models/test_train_group.py). The one
difference: a model with fewer training probes takes them in as many (smaller) batches as
the largest set needs, every probe once per epoch, with no padding rows (which would enter
its batch normalisation's statistics).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import keras
import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.metrics import pearson_r
from rbpgia.train import (
    HISTORY_COLUMNS,
    MIN_DELTA,
    Progress,
    ShuffledBatches,
    checked_steps_per_execution,
    epoch_line,
    history_row,
    make_predict_fn,
    set_seeds,
)


class GroupAdam(keras.optimizers.Adam):
    """Adam with one learning-rate factor per model of a group (0 freezes a model).

    Adam keeps its moments per weight, so one optimizer over disjoint models updates each
    exactly as its own Adam would, except for the learning rate, which this scales per
    model: ``factors[i]`` times the base learning rate.
    """

    def __init__(self, members: Sequence[keras.Model], **kwargs):
        super().__init__(**kwargs)
        self._members = list(members)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        # Optimizer variables, so that JAX's stateless training step carries them.
        self.factors = [
            self.add_variable(shape=(), initializer="ones", name=f"member{i}_lr_factor")
            for i in range(len(self._members))
        ]
        self._member_of = {
            self._var_key(variable): i
            for i, member in enumerate(self._members)
            for variable in member.trainable_variables
        }

    def update_step(self, gradient, variable, learning_rate):
        factor = self.factors[self._member_of[self._var_key(variable)]]
        super().update_step(gradient, variable, learning_rate * keras.ops.cast(factor, "float32"))


class _Group(keras.Model):
    """The members side by side: input i goes to member i, output i comes from it."""

    def __init__(self, members: Sequence[keras.Model]):
        super().__init__(name="group")
        self.members = list(members)

    def call(self, inputs, training=False):
        return tuple(
            member(x, training=training) for member, x in zip(self.members, inputs, strict=True)
        )


class _GroupSchedule(keras.callbacks.Callback):
    """Per member, after every epoch: validation r, best weights, LR cut, early stop."""

    def __init__(self, members, names, valid, optimizer, learning_rate, epochs, log, rules):
        super().__init__()
        self.members = members
        self.names = names
        self.valid = [(x, np.asarray(y, dtype=np.float64).ravel()) for x, y in valid]
        self.predict_fns = [make_predict_fn(member) for member in members]
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.log = log
        self.progress = [Progress(**rules) for _ in members]
        self.rates = [float(learning_rate)] * len(members)
        self.active = [True] * len(members)
        self.rows: list[list[dict]] = [[] for _ in members]
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        active = [i for i in range(len(self.members)) if self.active[i]]
        predictions = {i: self.predict_fns[i](self.valid[i][0]).astype(np.float64) for i in active}
        # As fit's history: the epoch's wall time, validation included.
        seconds = time.perf_counter() - self._started
        for i in active:
            y_valid = self.valid[i][1]
            r = pearson_r(y_valid, predictions[i])
            lr = self.rates[i]
            improved, next_lr, stop = self.progress[i].update(
                epoch + 1, r, lr, self.members[i].get_weights
            )
            loss = float(logs.get(f"member{i}_mse", np.nan))
            row = history_row(epoch + 1, loss, y_valid, predictions[i], r, lr, seconds)
            self.rows[i].append(row)
            if stop:
                self.active[i] = False
                next_lr = 0.0
            self.rates[i] = next_lr
            self.optimizer.factors[i].assign(next_lr / self.learning_rate)
            if self.log is not None:
                line = epoch_line(row, self.epochs, improved, self.progress[i].wait)
                self.log(f"{self.names[i]}: {line}" + (" (stopped)" if stop else ""))
        if not any(self.active):
            self.model.stop_training = True


def fit_group(
    models: Sequence[keras.Model],
    x_train: Sequence[np.ndarray],
    y_train: Sequence[np.ndarray],
    x_valid: Sequence[np.ndarray],
    y_valid: Sequence[np.ndarray],
    names: Sequence[str] | None = None,
    epochs: int = 300,
    batch_size: int = 100,
    learning_rate: float = 1e-3,
    patience: int = 6,
    lr_patience: int = 2,
    lr_factor: float = 0.3,
    min_lr: float = 1e-6,
    min_delta: float = MIN_DELTA,
    seed: int | Sequence[int] = 0,
    log: Callable[[str], None] | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
    steps_per_execution: int | None = None,
) -> list[pd.DataFrame]:
    """Train ``models`` in place together, each on its own data as :func:`rbpgia.train.fit` would.

    Parameters
    ----------
    models : sequence of keras.Model
        One uncompiled model per member, with disjoint weights (built separately).
    x_train, y_train, x_valid, y_valid : sequences of np.ndarray
        Member ``i``'s inputs ``(N_i, L, C)`` and finite targets ``(N_i,)``.
    names : sequence of str, optional
        Members' names for the log (default ``model0``, ``model1``, ...).
    epochs, batch_size, learning_rate, patience, lr_patience, lr_factor, min_lr, min_delta
        As in :func:`rbpgia.train.fit`, for every member.
    seed : int or sequence of int
        Every member's seed, or one per member: member ``i`` gets the mini-batches
        :func:`rbpgia.train.fit` with its seed gives (its dropout and initial weights come
        from its own build). The first also seeds the backend (:func:`set_seeds`).
    log : callable, optional
        Called with one line per member and epoch, prefixed by the member's name.
    callbacks : list of keras.callbacks.Callback, optional
        More callbacks, run after each epoch's validation (e.g. a clock).
    steps_per_execution : int, optional
        As in :func:`rbpgia.train.fit`.

    Returns
    -------
    list of pd.DataFrame
        Each member's history, columns :data:`rbpgia.train.HISTORY_COLUMNS`, one row per
        epoch it trained (up to and including the one it stopped at).
    """
    n = len(models)
    names = [f"model{i}" for i in range(n)] if names is None else list(names)
    if n == 0:
        raise InputError("fit_group needs at least one model")
    lengths = {len(x_train), len(y_train), len(x_valid), len(y_valid), len(names)}
    if lengths != {n}:
        raise InputError(f"fit_group: {n} models but data or names for {sorted(lengths)}")
    if len({id(variable) for model in models for variable in model.weights}) != sum(
        len(model.weights) for model in models
    ):
        raise InputError("fit_group: the models share weights; build each one separately")
    x_train = [np.asarray(x, dtype=np.float32) for x in x_train]
    x_valid = [np.asarray(x, dtype=np.float32) for x in x_valid]
    for name, xs, ys, kind in (
        *((names[i], [x_train[i]], [y_train[i]], "training") for i in range(n)),
        *((names[i], [x_valid[i]], [y_valid[i]], "validation") for i in range(n)),
    ):
        x, y = xs[0], np.ravel(ys[0])
        if len(x) != len(y) or not len(y):
            raise InputError(f"{name}: {kind} set has {len(x)} inputs and {len(y)} targets")
        if not np.all(np.isfinite(y)):
            raise InputError(f"{name}: {kind} targets contain NaN or infinite values")
    seeds = [seed] * n if isinstance(seed, int | np.integer) else [int(s) for s in seed]
    if len(seeds) != n:
        raise InputError(f"fit_group: {n} models but {len(seeds)} seeds")
    steps_per_execution = checked_steps_per_execution(steps_per_execution)
    set_seeds(seeds[0])
    group = _Group(models)
    optimizer = GroupAdam(models, learning_rate=learning_rate)
    losses = [keras.losses.MeanSquaredError(name=f"member{i}") for i in range(n)]
    # Each member's training loss for its history: Keras sums the per-output losses (each
    # member's gradient sees its own), fit's "loss" is the group's; this metric is per probe.
    metrics = [[keras.metrics.MeanSquaredError(name=f"member{i}_mse")] for i in range(n)]
    group.compile(
        optimizer=optimizer,
        loss=losses,
        metrics=metrics,
        steps_per_execution=steps_per_execution,
    )
    rules = {
        "patience": patience,
        "lr_patience": lr_patience,
        "lr_factor": lr_factor,
        "min_lr": min_lr,
        "min_delta": min_delta,
    }
    schedule = _GroupSchedule(
        models,
        names,
        list(zip(x_valid, y_valid, strict=True)),
        optimizer,
        learning_rate,
        epochs,
        log,
        rules,
    )
    batches = ShuffledBatches(x_train, y_train, batch_size, seeds, grouped=True)
    group.fit(
        batches,
        epochs=epochs,
        shuffle=False,
        callbacks=[schedule, *(callbacks or [])],
        verbose=0,
    )
    histories = []
    for model, name, progress, rows in zip(
        models, names, schedule.progress, schedule.rows, strict=True
    ):
        if progress.best_weights is not None:
            model.set_weights(progress.best_weights)
        if log is not None and progress.best_epoch is not None:
            log(
                f"{name}: done after {len(rows)} epochs; restored epoch {progress.best_epoch} "
                f"(val_pearson_r {progress.best_r:.5f})"
            )
        histories.append(pd.DataFrame(rows, columns=HISTORY_COLUMNS))
    return histories
