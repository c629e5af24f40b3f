"""Training, prediction, evaluation and model files for the Keras models.

Training follows the ResidualBind recipe (Koo et al. 2021): Adam on the mean squared
error, and after every epoch the Pearson correlation on the validation probes decides
everything else. The best-scoring weights are kept and restored at the end; the
learning rate is cut by ``lr_factor`` after ``lr_patience`` epochs without a clear gain
(validation r up by more than ``min_delta``), and training stops after ``patience`` such
epochs. All of it runs inside one ``model.fit`` call through a callback, with TensorFlow
running 32 training steps per call into its graph, so an epoch costs no more than a plain
``model.fit`` epoch.

Every prediction in the project (validation during training, evaluation, global
importance analysis, the command line) goes through :func:`make_predict_fn`, so all of
them see the same numbers.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.io import give_default_mode
from rbpgia.metrics import pearson_r, spearman_r

HISTORY_COLUMNS = ["epoch", "loss", "val_loss", "val_pearson_r", "lr", "seconds"]
# Smallest rise of validation r that counts as progress for early stopping and LR cuts.
MIN_DELTA = 0.001
# Training steps per call into TensorFlow's graph (one ``tf.while_loop``): the same updates
# and weights, without a Python round trip per step. On a CPU core that is 0-3% of a step;
# on a GPU, where a batch-100 step takes milliseconds, the round trip is a larger share.
TF_STEPS_PER_EXECUTION = 32


def set_seeds(seed: int) -> None:
    """Seed Python, NumPy and the Keras backend, and make backend ops deterministic.

    With this, the same configuration trained twice on the CPU gives the same weights
    and metrics. For TensorFlow, deterministic kernels must be switched on explicitly;
    that call is the package's one backend-specific line.
    """
    keras.utils.set_random_seed(int(seed))
    if keras.backend.backend() == "tensorflow":
        # Backend-specific on purpose: TF picks nondeterministic kernels unless told not
        # to. Imported lazily so the package runs on JAX or PyTorch without TensorFlow.
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def limit_threads(n: int) -> None:
    """Keep the Keras backend's CPU thread pools to ``n`` threads (a job's ``threads``).

    Without it every job starts one thread per core, so ``--cores N`` running N one-thread
    jobs would put N x N threads on N cores. Call it before the first Keras operation
    (TensorFlow cannot resize its pools afterwards). For JAX, set
    ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false`` before the import instead.
    """
    if n < 1:
        raise ValueError(f"threads must be >= 1, got {n}")
    os.environ["OMP_NUM_THREADS"] = str(n)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf  # backend-specific on purpose, as in set_seeds

        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(n)
        except RuntimeError:  # pools already started: keep them rather than fail the job
            warnings.warn(
                f"limit_threads({n}) came after TensorFlow started; its thread pools keep "
                f"{tf.config.threading.get_intra_op_parallelism_threads() or 'all'} threads",
                RuntimeWarning,
                stacklevel=2,
            )
    elif backend == "torch":
        import torch

        torch.set_num_threads(n)


def make_predict_fn(
    model: keras.Model, batch_size: int = 1024, jit_compile: bool | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``predict(x) -> (N,)`` scores of ``model`` in inference mode.

    ``x`` is fed in batches of exactly ``batch_size`` rows through
    ``model.predict_on_batch``, which compiles the model's forward pass once and reuses
    it; the last, partial batch is zero-padded to the full size (and the padding rows
    dropped from the output) so that only one input shape is ever compiled, however
    many calls and whatever N. No progress bar, no per-call setup.

    The forward pass is compiled with XLA where that is faster: Keras leaves XLA off on
    CPU-only TensorFlow, where its graph-mode forward pass of ResidualBind runs at about
    70% of the XLA one with the same predictions to 1e-6. (JAX always compiles with XLA;
    for PyTorch, XLA means ``torch.compile``, left off.) The model's own ``jit_compile``
    setting is restored afterwards, so a later ``fit`` trains as it would have. With
    TensorFlow's op determinism on (:func:`set_seeds`, as in training) Keras refuses
    XLA, and graph mode is used. Keras keeps one predict function per model, so the
    latest call's mode applies to every ``predict`` made from the same model.

    Parameters
    ----------
    model : keras.Model
        A model with a single ``(N, 1)`` or ``(N,)`` output.
    batch_size : int
        Rows per compiled call; larger is faster up to memory limits.
    jit_compile : bool, optional
        Compile the forward pass with XLA. Default: on with TensorFlow, else the
        model's own setting. ``False`` keeps the model's setting.

    Returns
    -------
    callable
        ``predict(x: np.ndarray (N, L, C)) -> np.ndarray (N,) float32``.
    """
    forward = make_outputs_fn(model, batch_size, jit_compile)

    def predict(x: np.ndarray) -> np.ndarray:
        outputs = forward(x)
        values = outputs[0].reshape(-1)
        if len(outputs) != 1 or values.size != len(outputs[0]):
            raise InputError(
                "make_predict_fn takes a model with one score per probe; choose among "
                "several outputs with rbpgia.gia.model_io"
            )
        return values

    return predict


def make_outputs_fn(
    model: keras.Model,
    batch_size: int = 1024,
    jit_compile: bool | None = None,
    input_shape: tuple[int, ...] | None = None,
) -> Callable[[np.ndarray], list[np.ndarray]]:
    """Return ``forward(x) -> [output, ...]``: every output of ``model``, each ``(N, ...)``.

    The batching and compilation of :func:`make_predict_fn`, which is this for a model
    with one output. A model whose outputs are a dict gives its values in the dict's
    order; :func:`output_names` gives their names. ``input_shape`` (without N) fixes what
    the model's input leaves open (``(None, None, 4)``: any length); it defaults to the
    model's own.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    input_shape = tuple(model.input_shape[1:] if input_shape is None else input_shape)
    if not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise InputError(
            f"the model's input shape {tuple(model.input_shape)} leaves a dimension open; "
            "give the input shape to predict on (e.g. its length)"
        )
    padded = np.zeros((batch_size, *input_shape), dtype=np.float32)
    if jit_compile is None:
        jit_compile = keras.backend.backend() == "tensorflow"
    own_setting = model.jit_compile
    if jit_compile and not own_setting:
        with warnings.catch_warnings():
            # Keras refuses XLA (and says so) while TensorFlow's op determinism is on, as
            # in training jobs (set_seeds): graph mode is then kept, which is right.
            warnings.filterwarnings("ignore", "Model doesn't support `jit_compile=True`")
            model.jit_compile = True
    # Rebuilt every time, so that an earlier call's mode never carries over; Keras caches
    # it and predict_on_batch reuses it.
    model.make_predict_function(force=True)
    model.jit_compile = own_setting

    def forward(x: np.ndarray) -> list[np.ndarray]:
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != input_shape:
            raise InputError(f"model expects inputs of shape (N, {input_shape}), got {x.shape}")
        parts: list[list[np.ndarray]] = []
        for start in range(0, len(x), batch_size):
            batch = x[start : start + batch_size]
            n = len(batch)
            if n < batch_size:
                padded[:n] = batch
                padded[n:] = 0.0
                batch = padded
            out = model.predict_on_batch(batch)
            out = list(out.values()) if isinstance(out, dict) else out
            out = out if isinstance(out, (list, tuple)) else [out]
            # A copy: the padded batch's buffer is reused by the next call.
            parts.append([np.array(o, dtype=np.float32)[:n] for o in out])
        if not parts:  # no probes: the outputs' shapes, with no rows
            return [o[:0] for o in forward(padded[:1])]
        return [np.concatenate(column) for column in zip(*parts, strict=True)]

    return forward


def output_names(model: keras.Model) -> list[str]:
    """Names of the model's outputs, in the order :func:`make_outputs_fn` returns them."""
    structure = getattr(model, "_outputs_struct", None)
    if isinstance(structure, dict):
        return [str(name) for name in structure]
    names = getattr(model, "output_names", None)  # functional models; Sequential has none
    if names:
        return [str(name) for name in names]
    outputs = getattr(model, "outputs", None) or [None]
    if len(outputs) == 1 and model.layers:
        return [model.layers[-1].name]
    return [str(i) for i in range(len(outputs))]


def evaluate(predict_fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray) -> dict:
    """Score predictions of ``x`` against measured ``y`` (finite; drop NaN first).

    Returns
    -------
    dict
        ``pearson_r``, ``spearman_r``, ``mse`` (floats) and ``n`` (int).
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    predictions = np.asarray(predict_fn(x), dtype=np.float64)
    if predictions.shape != y.shape:
        raise InputError(f"{predictions.size} predictions for {y.size} targets")
    return {
        "pearson_r": pearson_r(y, predictions),
        "spearman_r": spearman_r(y, predictions),
        "n": int(y.size),
        "mse": float(np.mean((y - predictions) ** 2)) if y.size else float("nan"),
    }


class Progress:
    """Early-stopping state of one model: best r and weights, plateau counters.

    The rules of :func:`fit` (documented there), kept apart from the callback so that
    training several models at once (:mod:`rbpgia.train_group`) follows them to the letter.
    """

    def __init__(self, *, patience, lr_patience, lr_factor, min_lr, min_delta):
        if not min_delta >= 0:
            raise InputError(f"min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.best_r: float | None = None
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None
        # r of the last clear gain: the waiting counters measure progress from it.
        self.reference_r: float | None = None
        self.wait = 0
        self.lr_wait = 0

    @staticmethod
    def _beats(r: float, reference: float | None, margin: float = 0.0) -> bool:
        if reference is None:
            return True  # the first epoch is the best so far, even at r = NaN
        return bool(r > reference + margin) or (np.isnan(reference) and not np.isnan(r))

    def update(self, epoch: int, r: float, lr: float, weights: Callable[[], list]):
        """Record epoch ``epoch`` (from 1) at validation ``r`` trained with ``lr``.

        ``weights`` is called only on a new best. Returns ``(improved, next_lr, stop)``:
        whether this epoch is the best so far, the learning rate for the next epoch and
        whether training stops here.
        """
        improved = self._beats(r, self.best_r)
        if improved:
            self.best_r, self.best_epoch = r, epoch
            self.best_weights = weights()
        next_lr, stop = lr, False
        if self._beats(r, self.reference_r, self.min_delta):
            self.reference_r = r
            self.wait = self.lr_wait = 0
        else:
            self.wait += 1
            self.lr_wait += 1
            if self.lr_wait >= self.lr_patience:
                next_lr = max(lr * self.lr_factor, self.min_lr)
                self.lr_wait = 0
            stop = self.wait >= self.patience
        return improved, next_lr, stop


def history_row(epoch, loss, y_valid, predictions, r, lr, seconds) -> dict:
    """One row of a training history (:data:`HISTORY_COLUMNS`)."""
    return {
        "epoch": epoch,
        "loss": loss,
        "val_loss": float(np.mean((y_valid - predictions) ** 2)),
        "val_pearson_r": r,
        "lr": lr,
        "seconds": seconds,
    }


def epoch_line(row: dict, epochs: int, improved: bool, wait: int) -> str:
    """The log line of one epoch."""
    return (
        f"epoch {row['epoch']}/{epochs} loss {row['loss']:.5f} "
        f"val_loss {row['val_loss']:.5f} val_pearson_r {row['val_pearson_r']:.5f} "
        f"lr {row['lr']:.3g} {row['seconds']:.1f}s"
        + (" *best*" if improved else "")
        + (f" (wait {wait})" if wait else "")
    )


def read_learning_rate(optimizer) -> float:
    """The optimizer's learning rate as the decimal that was set."""
    # The variable is float32; 7 digits give back the decimal value that was set.
    return float(f"{float(optimizer.learning_rate.numpy()):.7g}")


class _BestPearsonSchedule(keras.callbacks.Callback):
    """Validation Pearson r per epoch, best-weight keeping, plateau LR cut, early stop."""

    def __init__(self, x_valid, y_valid, predict_fn, *, epochs, log, **rules):
        super().__init__()
        self.x_valid = x_valid
        self.y_valid = np.asarray(y_valid, dtype=np.float64).ravel()
        self.predict_fn = predict_fn
        self.progress = Progress(**rules)
        self.epochs = epochs
        self.log = log
        self.rows: list[dict] = []
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        predictions = self.predict_fn(self.x_valid).astype(np.float64)
        r = pearson_r(self.y_valid, predictions)
        lr = read_learning_rate(self.model.optimizer)
        improved, next_lr, stop = self.progress.update(epoch + 1, r, lr, self.model.get_weights)
        if next_lr != lr:
            self.model.optimizer.learning_rate = next_lr
        if stop:
            self.model.stop_training = True
        loss = float((logs or {}).get("loss", np.nan))
        seconds = time.perf_counter() - self._started
        row = history_row(epoch + 1, loss, self.y_valid, predictions, r, lr, seconds)
        self.rows.append(row)
        if self.log is not None:
            self.log(epoch_line(row, self.epochs, improved, self.progress.wait))


def epoch_batches(
    n_rows: int, steps: int, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """One epoch's mini-batches of ``n_rows`` training probes: ``steps`` arrays of row indices.

    The rows are shuffled by ``rng`` (one permutation per epoch). A set that needs ``steps``
    batches of ``batch_size`` is cut into them, the last one partial, as
    :func:`fit` trains it; a smaller set (grouped with a larger one in
    :func:`rbpgia.train_group.fit_group`) is cut into ``steps`` near-equal batches, so it
    too takes every probe once per epoch, with no padding; one with fewer rows than
    ``steps`` repeats its permutation, one row per batch.
    """
    order = rng.permutation(n_rows)
    if -(-n_rows // batch_size) == steps:
        return [order[i * batch_size : (i + 1) * batch_size] for i in range(steps)]
    if n_rows < steps:
        order = np.resize(order, steps)
    return np.array_split(order, steps)


class ShuffledBatches(keras.utils.PyDataset):
    """Mini-batches of one or more training sets, each reshuffled every epoch by its own seed.

    Set ``i``'s order comes from ``np.random.default_rng(seeds[i])`` alone, so a model
    trained in a group (:func:`rbpgia.train_group.fit_group`) sees, batch for batch, what
    :func:`fit` with that seed shows it. An epoch takes as many steps as the largest set
    needs (:func:`epoch_batches` for the rest). Items are ``(x, y)`` for one model, and
    ``(xs, ys)``, tuples with one entry per set, for a group (``grouped``; a group of one
    included, since the group's model takes a tuple).
    """

    def __init__(self, xs, ys, batch_size: int, seeds, grouped: bool = False):
        super().__init__()
        if len({len(xs), len(ys), len(seeds)}) != 1:
            raise InputError(f"{len(xs)} input sets, {len(ys)} target sets, {len(seeds)} seeds")
        if not grouped and len(xs) != 1:
            raise InputError(f"{len(xs)} training sets for one model; pass grouped=True")
        self.grouped = bool(grouped)
        self.xs = [np.asarray(x, dtype=np.float32) for x in xs]
        self.ys = [np.asarray(y, dtype=np.float32).reshape(-1, 1) for y in ys]
        self.batch_size = int(batch_size)
        self.steps = max(-(-len(y) // self.batch_size) for y in self.ys)
        self.rngs = [np.random.default_rng(int(seed)) for seed in seeds]
        self.batches: list[list[np.ndarray]] = []
        self.on_epoch_end()

    def __len__(self):
        return self.steps

    def on_epoch_end(self):
        self.batches = [
            epoch_batches(len(y), self.steps, self.batch_size, rng)
            for y, rng in zip(self.ys, self.rngs, strict=True)
        ]

    def __getitem__(self, index):
        rows = [batches[index] for batches in self.batches]
        xs = tuple(x[r] for x, r in zip(self.xs, rows, strict=True))
        ys = tuple(y[r] for y, r in zip(self.ys, rows, strict=True))
        return (xs, ys) if self.grouped else (xs[0], ys[0])


def checked_steps_per_execution(steps: int | None) -> int:
    """Mini-batches per call into the backend: ``steps``, or the backend's default.

    :data:`TF_STEPS_PER_EXECUTION` with TensorFlow, 1 with JAX (which would unroll the
    steps into one long compile) and PyTorch (which allows only 1).
    """
    if steps is None:
        return TF_STEPS_PER_EXECUTION if keras.backend.backend() == "tensorflow" else 1
    if not (isinstance(steps, int) and steps >= 1):
        raise InputError(f"steps_per_execution must be an integer >= 1, got {steps!r}")
    return steps


def fit(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    epochs: int = 300,
    batch_size: int = 100,
    learning_rate: float = 1e-3,
    patience: int = 6,
    lr_patience: int = 2,
    lr_factor: float = 0.3,
    min_lr: float = 1e-6,
    min_delta: float = MIN_DELTA,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
    steps_per_execution: int | None = None,
) -> pd.DataFrame:
    """Train ``model`` in place, keeping the weights with the best validation Pearson r.

    The model is compiled with Adam (``learning_rate``) and the mean squared error, then
    trained by one ``model.fit`` call over shuffled mini-batches (:class:`ShuffledBatches`,
    the order fixed by ``seed``). After each epoch the callback

    1. predicts the validation probes and computes their Pearson r;
    2. on a new best (strictly higher r; the first epoch always counts) stores the
       weights;
    3. on a clear gain (r above the r of the last clear gain by more than
       ``min_delta``) resets both waiting counters, otherwise counts one more epoch
       without progress: every ``lr_patience`` such epochs the learning rate becomes
       ``max(lr * lr_factor, min_lr)``, and at ``patience`` of them training stops.
       (Gains below ``min_delta`` still count once they add up to more than it.)

    At the end the best weights are put back, so ``evaluate`` on the validation set
    reproduces the best epoch's ``val_pearson_r``.

    Parameters
    ----------
    model : keras.Model
        Uncompiled or compiled model; it is (re)compiled here.
    x_train, y_train, x_valid, y_valid : np.ndarray
        Inputs ``(N, L, C)`` and finite targets ``(N,)``.
    epochs : int
        Maximum number of epochs.
    batch_size : int
        Mini-batch size.
    learning_rate : float
        Initial Adam learning rate.
    patience, lr_patience : int
        Epochs without progress (a rise of validation r above ``min_delta``) before
        stopping / before cutting the learning rate.
    lr_factor, min_lr : float
        Learning-rate cut factor and floor.
    min_delta : float
        Smallest rise of the validation Pearson r that counts as progress. Without
        it, creeping gains of 1e-4 at a tiny learning rate keep training going for
        dozens of epochs that change nothing (the default is well below the standard
        error of r on a validation set of a few thousand probes).
    seed : int
        Seeds shuffling, dropout state and backend kernels (see :func:`set_seeds`).
    log : callable, optional
        Called with one line of text per epoch and one at the end.
    callbacks : list of keras.callbacks.Callback, optional
        More callbacks (e.g. TensorBoard); they run after the validation of each epoch.
        Batch-level hooks see one call per ``steps_per_execution`` batches.
    steps_per_execution : int, optional
        Mini-batches per call into the backend (Keras' ``compile`` option); it changes
        the speed, not the result. Default: :data:`TF_STEPS_PER_EXECUTION` with
        TensorFlow, 1 with JAX (which would unroll the steps into one long compile) and
        PyTorch (which allows only 1).

    Returns
    -------
    pd.DataFrame
        One row per epoch run, columns ``epoch`` (from 1), ``loss`` (mean training loss
        of the epoch), ``val_loss`` (validation MSE), ``val_pearson_r``, ``lr`` (the
        learning rate the epoch trained with) and ``seconds`` (wall time of the epoch
        including validation).
    """
    x_train = np.asarray(x_train, dtype=np.float32)
    y_train = np.asarray(y_train, dtype=np.float32).reshape(-1, 1)
    x_valid = np.asarray(x_valid, dtype=np.float32)
    for name, x, y in (("training", x_train, y_train), ("validation", x_valid, y_valid)):
        if len(x) != len(np.ravel(y)) or not len(x):
            raise InputError(f"{name} set has {len(x)} inputs and {len(np.ravel(y))} targets")
        if not np.all(np.isfinite(y)):
            raise InputError(f"{name} targets contain NaN or infinite values")
    steps_per_execution = checked_steps_per_execution(steps_per_execution)
    set_seeds(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="mse",
        steps_per_execution=steps_per_execution,
    )
    schedule = _BestPearsonSchedule(
        x_valid,
        y_valid,
        make_predict_fn(model),
        patience=patience,
        lr_patience=lr_patience,
        lr_factor=lr_factor,
        min_lr=min_lr,
        min_delta=min_delta,
        epochs=epochs,
        log=log,
    )
    model.fit(
        # Our own shuffling (not Keras'), so fit_group can give a model the same batches.
        ShuffledBatches([x_train], [y_train], batch_size, [seed]),
        epochs=epochs,
        shuffle=False,
        callbacks=[schedule, *(callbacks or [])],
        verbose=0,
    )
    progress = schedule.progress
    if progress.best_weights is not None:
        model.set_weights(progress.best_weights)
    if log is not None and progress.best_epoch is not None:
        log(
            f"done after {len(schedule.rows)} epochs; restored epoch {progress.best_epoch} "
            f"(val_pearson_r {progress.best_r:.5f})"
        )
    return pd.DataFrame(schedule.rows, columns=HISTORY_COLUMNS)


def save_model(model: keras.Model, path: str | os.PathLike) -> None:
    """Save ``model`` as a ``.keras`` archive that appears under ``path`` only when complete.

    Keras insists on the ``.keras`` suffix, so the temporary file beside the target
    keeps it; ``os.replace`` then renames atomically.
    """
    final = Path(path)
    if final.suffix != ".keras":
        raise InputError("model files must end in '.keras'", final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".keras", dir=final.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():
            # Keras 3.15 + NumPy 2 warn once per weight about ``__array__(copy=...)``.
            warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
            model.save(tmp_name, overwrite=True)
        give_default_mode(tmp_name)
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_model(path: str | os.PathLike) -> keras.Model:
    """Load a ``.keras`` model for inference: ``safe_mode=True`` (no arbitrary code), uncompiled."""
    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", path)
    return keras.saving.load_model(path, compile=False, safe_mode=True)
