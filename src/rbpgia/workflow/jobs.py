"""One modelling job: one RBP, one model, one input type, one normalisation.

This module joins the stages for the workflow and the command line: it reads one RBP's
targets from the encoded pool (never the others, so memory stays flat as RBPs grow),
splits and normalises them with training statistics, fits the model and evaluates it on
Set B. Writing files is left to the caller.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rbpgia.data.normalise import apply_normaliser, fit_normaliser
from rbpgia.data.splits import split_indices
from rbpgia.encode import store
from rbpgia.metrics import pearson_r, spearman_r


@dataclass
class JobData:
    """Inputs and normalised targets of one RBP, split into train / valid / test."""

    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    indices: dict[str, np.ndarray]
    normaliser: dict
    # IDs of the Set B (test) probes for the predictions table; row numbers if None.
    test_names: np.ndarray | None = None


@dataclass
class JobResult:
    model: object
    metrics: dict
    predictions: pd.DataFrame
    history: pd.DataFrame | None = field(default=None)


def load_job_data(
    h5_path: str | os.PathLike,
    rbp: str,
    input_type: str,
    norm: str,
    valid_fraction: float = 0.1,
    seed: int = 0,
) -> JobData:
    """Read, split and normalise one RBP's data from an encoded pool."""
    target = store.read_targets(h5_path, rbp)
    sets = store.read_sets(h5_path)
    indices = split_indices(sets, target, valid_fraction=valid_fraction, seed=seed)
    normaliser = fit_normaliser(target[indices["train"]], norm)
    x, y = {}, {}
    for split, rows in indices.items():
        x[split] = store.read_inputs(h5_path, input_type, rows)
        y[split] = apply_normaliser(target[rows], normaliser)
    names = store.read_names(h5_path)[indices["test"]]
    return JobData(x=x, y=y, indices=indices, normaliser=normaliser, test_names=names)


def test_metrics(measured: np.ndarray, predicted: np.ndarray) -> dict:
    return {
        "pearson_r": pearson_r(measured, predicted),
        "spearman_r": spearman_r(measured, predicted),
        "n_test": int(len(measured)),
    }


def predictions_table(data: JobData, predicted: np.ndarray) -> pd.DataFrame:
    """Set B predictions beside the (normalised) measurements, keyed by probe index (the
    probe's row in the pool) and named by its ID (``Probe_ID``, or the row where none)."""
    rows = data.indices["test"]
    names = data.test_names if data.test_names is not None else np.asarray(rows).astype(str)
    return pd.DataFrame(
        {
            "probe": rows,
            "probe_id": names,
            "measured": data.y["test"].astype(np.float64),
            "predicted": np.asarray(predicted, dtype=np.float64),
        }
    )


def train_keras_job(
    data: JobData,
    arch: str,
    settings: dict,
    log: logging.Logger | None = None,
) -> JobResult:
    """Fit a registered Keras model (``residualbind``, ``deepbind_cnn``) on one RBP."""
    from rbpgia.models import build_model
    from rbpgia.train import fit, make_predict_fn, set_seeds

    log = log or logging.getLogger("rbpgia")
    set_seeds(settings["seed"])
    model = build_model(arch, data.x["train"].shape[1:], seed=settings["seed"])
    log.info(
        "%s: %d parameters; %d train, %d valid, %d test probes",
        arch,
        model.count_params(),
        len(data.y["train"]),
        len(data.y["valid"]),
        len(data.y["test"]),
    )
    start = time.monotonic()
    history = fit(
        model,
        data.x["train"],
        data.y["train"],
        data.x["valid"],
        data.y["valid"],
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        learning_rate=settings["learning_rate"],
        patience=settings["patience"],
        lr_patience=settings["lr_patience"],
        lr_factor=settings["lr_factor"],
        min_lr=settings["min_lr"],
        min_delta=settings["min_delta"],
        seed=settings["seed"],
        log=log.info,
    )
    seconds = time.monotonic() - start
    predicted = make_predict_fn(model)(data.x["test"])
    metrics = test_metrics(data.y["test"], predicted)
    best = history.loc[history["val_pearson_r"].idxmax()]
    metrics.update(
        {
            "epochs": int(len(history)),
            "best_epoch": int(best["epoch"]),
            "val_pearson_r": float(best["val_pearson_r"]),
            "seconds": seconds,
            "train_samples_per_s": len(data.y["train"]) * len(history) / seconds,
            "n_parameters": int(model.count_params()),
        }
    )
    return JobResult(model, metrics, predictions_table(data, predicted), history)


def train_kmer_ridge_job(data: JobData, log: logging.Logger | None = None) -> JobResult:
    """Fit the k-mer ridge baseline (k = 1..6) on one RBP; validation picks the penalty."""
    from rbpgia.models.kmer_ridge import fit_kmer_ridge, predict_kmer_ridge

    log = log or logging.getLogger("rbpgia")
    start = time.monotonic()
    onehot = {split: x[:, :, :4] for split, x in data.x.items()}
    # The validation split picks the penalty, as it picks the epoch of the deep models.
    model = fit_kmer_ridge(
        onehot["train"], data.y["train"], x_valid=onehot["valid"], y_valid=data.y["valid"]
    )
    seconds = time.monotonic() - start
    predicted = predict_kmer_ridge(model, onehot["test"])
    metrics = test_metrics(data.y["test"], predicted)
    metrics.update(
        {
            "epochs": 0,
            "val_pearson_r": pearson_r(data.y["valid"], predict_kmer_ridge(model, onehot["valid"])),
            "seconds": seconds,
            "alpha": model.alpha,
        }
    )
    log.info("k-mer ridge: alpha %.3g, test Pearson r %.4f", model.alpha, metrics["pearson_r"])
    return JobResult(model, metrics, predictions_table(data, predicted))


def parse_model_id(model_id: str) -> tuple[str, str, str]:
    """``residualbind_seq_clip`` -> (``residualbind``, ``seq``, ``clip``)."""
    arch, input_type, norm = model_id.rsplit("_", 2)
    return arch, input_type, norm


def gia_prepare(
    h5_path: str | os.PathLike,
    model_path: str | os.PathLike,
    rbp: str,
    model_id: str,
    options: dict,
    batch_size: int | None = None,
):
    """Load a trained model and prepare its GIA run on the pool's Set B probes.

    The model is opened as every GIA model is (:func:`rbpgia.gia.model_io.open_model`),
    which checks that its input is the ``model_id``'s input type in the pool's frame;
    ``batch_size`` is its probes per forward call (config ``gia.batch_size``; None: by
    device, :func:`rbpgia.device.gia_batch_size`).
    The nulls are drawn from the Set B probes that have a measurement for ``rbp``
    (:func:`rbpgia.gia.run.prepare`, seeded by ``options["seed"]``), so every GIA job of
    an RBP measures its effects on one background.
    """
    from rbpgia.gia.model_io import open_model
    from rbpgia.gia.run import prepare

    _, input_type, _ = parse_model_id(model_id)
    background, measured = gia_background(h5_path, rbp)
    model = open_model(
        model_path, input_type=input_type, length=background.shape[1], batch_size=batch_size
    )
    predictor = model.predictor(threads=options["threads"])
    return prepare(predictor, background, options, measured=measured, batch_size=model.batch_size)


def job_device(resources, allow_cpu_fallback: bool, log: logging.Logger):
    """The devices a workflow job computes on, logged (:func:`rbpgia.device.check_job`).

    A job given a GPU that its backend cannot see ends here, its log holding the message
    (how to install the GPU environment) rather than a traceback.
    """
    from rbpgia.device import DeviceError, check_job

    try:
        return check_job(resources, allow_cpu_fallback=allow_cpu_fallback, log=log)
    except DeviceError as error:
        log.error("%s", error)
        raise SystemExit(1) from None


def gia_background(h5_path: str | os.PathLike, rbp: str) -> tuple[np.ndarray, np.ndarray]:
    """One-hot Set B probes measured for ``rbp``, and their measurements: the nulls' source.

    Every GIA run of an RBP (its models', and its planted rule's for a synthetic data set)
    draws its nulls from these, so that they all measure on one background.
    """
    measured = store.read_targets(h5_path, rbp)
    rows = np.flatnonzero((store.read_sets(h5_path) == "B") & np.isfinite(measured))
    return store.read_inputs(h5_path, "seq", rows), measured[rows]


def gia_training(h5_path: str | os.PathLike, rbp: str):
    """The model's training probes for support counting, and their measured targets.

    The Set A probes measured for ``rbp`` (the training and validation splits: the model
    was fitted on one and stopped on the other), with their structure profiles, in the
    pool's frame, which is the model's.

    Returns
    -------
    training : rbpgia.gia.support.Training
    targets : np.ndarray, shape (n,)
    """
    from rbpgia.gia.support import training_set

    measured = store.read_targets(h5_path, rbp)
    rows = np.flatnonzero((store.read_sets(h5_path) == "A") & np.isfinite(measured))
    onehot = store.read_inputs(h5_path, "seq", rows)
    return training_set(onehot, store.read_structure(h5_path, rows)), measured[rows]


def capped_motif_note(training, targets: np.ndarray, motif: str, normaliser: dict) -> str | None:
    """A warning when many training probes holding ``motif`` sit at the clip cap, else None.

    Beyond :data:`rbpgia.data.normalise.MAX_CAPPED_SHARE` of them, the clip normalisation
    gave one value to probes with one, two or more copies: the model cannot learn what an
    added copy does, and motif_count reads a cap, not binding.
    """
    from rbpgia.data.normalise import MAX_CAPPED_SHARE, at_cap
    from rbpgia.gia.support import hits, holding

    holds = holding(hits(training, motif))
    capped = int(np.count_nonzero(at_cap(targets, normaliser) & holds))
    n = int(np.count_nonzero(holds))
    if not n or capped <= MAX_CAPPED_SHARE * n:
        return None
    return (
        f"{capped} of the {n} training probes holding {motif} ({capped / n:.0%}) sit at the "
        "clip normalisation's cap: count effects (motif_count, spacing) cannot be learned "
        "from this normalisation; train with training.norms: [log]"
    )
