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
from rbpgia.errors import InputError
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
    """Fit a registered Keras model (``residualbind``, ``deepbind_cnn``) on one RBP.

    ``settings["ensemble"]`` > 1 fits that many from consecutive seeds and keeps their mean
    (:func:`fit_together`).
    """
    from rbpgia.models import build_model
    from rbpgia.train import fit, set_seeds

    if settings.get("ensemble", 1) > 1:
        return fit_together({"": data}, arch, settings, log)[""]
    log = log or logging.getLogger("rbpgia")
    set_seeds(settings["seed"])
    model = build_model(arch, data.x["train"].shape[1:], seed=settings["seed"])
    log.info("%s: %s", arch, sizes(model, data))
    start = time.monotonic()
    history = fit(
        model,
        data.x["train"],
        data.y["train"],
        data.x["valid"],
        data.y["valid"],
        **fit_settings(settings),
        log=log.info,
    )
    return keras_result(model, data, history, time.monotonic() - start)


def fit_together(
    datas: dict[str, JobData],
    arch: str,
    settings: dict,
    log: logging.Logger | None = None,
) -> dict[str, JobResult]:
    """Fit one registered Keras model per RBP of ``datas``, or a seed ensemble of
    ``settings["ensemble"]`` per RBP, all at once (:func:`rbpgia.train_group.fit_group`).

    Every model trains on its RBP's own split and normalisation with its own early
    stopping and best weights; a model gets the initial weights and mini-batches that
    training it alone with its seed gives it. An ensemble's members differ only in that
    seed (``seed``, ``seed + 1``, ...); its result is their mean
    (:func:`ensemble_result`). ``seconds`` is the whole fit's wall time.
    """
    from rbpgia.models import build_model
    from rbpgia.train import set_seeds
    from rbpgia.train_group import fit_group

    log = log or logging.getLogger("rbpgia")
    n = settings.get("ensemble", 1)
    # Consecutive seeds from `seed`: the first member starts where a model trained alone would.
    seeds = [settings["seed"] + i for i in range(n)]
    members = [(rbp, seed) for rbp in datas for seed in seeds]
    set_seeds(settings["seed"])
    models = [
        build_model(arch, datas[rbp].x["train"].shape[1:], seed=seed) for rbp, seed in members
    ]
    ensemble = f", ensemble of {n} (seeds {seeds[0]}-{seeds[-1]})" if n > 1 else ""
    for rbp, data in datas.items():
        log.info("%s%s: %s", _label(rbp, arch), ensemble, sizes(models[0], data))
    start = time.monotonic()
    histories = fit_group(
        models,
        [datas[rbp].x["train"] for rbp, _ in members],
        [datas[rbp].y["train"] for rbp, _ in members],
        [datas[rbp].x["valid"] for rbp, _ in members],
        [datas[rbp].y["valid"] for rbp, _ in members],
        names=[_label(rbp, n > 1 and f"seed{seed}") for rbp, seed in members],
        **{**fit_settings(settings), "seed": [seed for _, seed in members]},
        log=log.info,
    )
    seconds = time.monotonic() - start
    results = {}
    for i, (rbp, data) in enumerate(datas.items()):
        own = slice(i * n, (i + 1) * n)
        if n == 1:
            results[rbp] = keras_result(models[own][0], data, histories[own][0], seconds)
        else:
            results[rbp] = ensemble_result(models[own], histories[own], seeds, data, seconds)
            for member in results[rbp].metrics["members"]:
                label = _label(rbp, f"seed {member['seed']}")
                log.info("%s: Set B r %.4f", label, member["pearson_r"])
    return results


def _label(*parts) -> str:
    """Log and member names: the parts that are set (a lone job's RBP is ""), space-joined."""
    return " ".join(part for part in parts if part)


def ensemble_result(
    models: list, histories: list[pd.DataFrame], seeds: list[int], data: JobData, seconds: float
) -> JobResult:
    """The mean of trained members (:func:`rbpgia.models.ensemble.average_models`) as one
    job's result: the mean's Set B and validation r, each member's record under
    ``members``, and the members' histories stacked (column ``member``)."""
    from rbpgia.models.ensemble import average_models
    from rbpgia.train import make_predict_fn

    ensemble = average_models(models)
    predict = make_predict_fn(ensemble)
    predicted = predict(data.x["test"])
    epochs = [len(history) for history in histories]
    members = [
        {"seed": seed, **{key: result.metrics[key] for key in MEMBER_KEYS}}
        for seed, result in (
            (seed, keras_result(model, data, history, seconds))
            for seed, model, history in zip(seeds, models, histories, strict=True)
        )
    ]
    metrics = {
        **test_metrics(data.y["test"], predicted),
        "epochs": max(epochs),
        "val_pearson_r": pearson_r(data.y["valid"], predict(data.x["valid"])),
        "seconds": seconds,
        "train_samples_per_s": len(data.y["train"]) * sum(epochs) / seconds,
        "n_parameters": int(ensemble.count_params()),
        "ensemble": len(models),
        "members": members,
    }
    history = pd.concat(
        [h.assign(member=f"seed{seed}") for seed, h in zip(seeds, histories, strict=True)],
        ignore_index=True,
    )
    return JobResult(ensemble, metrics, predictions_table(data, predicted), history)


# What an ensemble's metrics keep of each member's own.
MEMBER_KEYS = ("pearson_r", "epochs", "best_epoch", "val_pearson_r")


def sizes(model, data: JobData) -> str:
    """The log's account of a model and its data: parameters and probes per split."""
    return (
        f"{model.count_params()} parameters; {len(data.y['train'])} train, "
        f"{len(data.y['valid'])} valid, {len(data.y['test'])} test probes"
    )


# The keys of a training config section that rbpgia.train.fit (and fit_group) take.
FIT_KEYS = (
    "epochs",
    "batch_size",
    "learning_rate",
    "patience",
    "lr_patience",
    "lr_factor",
    "min_lr",
    "min_delta",
    "seed",
)


def fit_settings(settings: dict) -> dict:
    """The keyword arguments of :func:`rbpgia.train.fit` from a training config section."""
    return {key: settings[key] for key in FIT_KEYS}


def keras_result(model, data: JobData, history: pd.DataFrame, seconds: float) -> JobResult:
    """A trained Keras model's Set B predictions, test metrics and training record."""
    from rbpgia.train import make_predict_fn

    predicted = make_predict_fn(model)(data.x["test"])
    metrics = test_metrics(data.y["test"], predicted)
    val_r = history["val_pearson_r"]
    if val_r.isna().all():
        # Constant predictions every epoch: the weights kept are epoch 1's (Progress).
        logging.getLogger("rbpgia").warning(
            "validation Pearson r was undefined in every epoch (the model predicted one value "
            "for all probes); the model of epoch 1 is kept: try a lower learning rate"
        )
        best = history.iloc[0]
    else:
        best = history.loc[val_r.idxmax()]
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


def train_keras_group_job(
    datas: dict[str, JobData],
    arch: str,
    settings: dict,
    log: logging.Logger | None = None,
) -> dict[str, JobResult]:
    """Fit one registered Keras model (or seed ensemble) per RBP of ``datas``, all at once
    (:func:`fit_together`).

    Each RBP's model is built, stopped, restored and evaluated as :func:`train_keras_job`
    does alone; ``seconds`` in each one's metrics is the group's wall time, and
    ``group_size`` says how many trained together.
    """
    rbps = list(datas)
    if len(rbps) == 1:  # a group of one (the last of a run, say) trains exactly as alone
        result = train_keras_job(datas[rbps[0]], arch, settings, log)
        result.metrics["group_size"] = 1
        return {rbps[0]: result}
    results = fit_together(datas, arch, settings, log)
    for result in results.values():
        result.metrics["group_size"] = len(rbps)
    return results


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


def open_gia_model(spec: dict | str | os.PathLike, batch_size: int | None = None):
    """The model a GIA job explains, opened as every GIA model is.

    ``spec`` is a trained model's file (its input type and length read from it) or the
    workflow's description of a model: ``path`` (a trained ``model.keras``, or an entry of
    config ``models:``) with the options of :func:`rbpgia.workflow.models.open_options`,
    and for an external model ``key``, the config key it came from, which its errors then
    name. ``batch_size`` is a Keras model's probes per forward call (config
    ``gia.batch_size``; None: by device, :func:`rbpgia.device.gia_batch_size`).
    """
    from rbpgia.gia.model_io import open_model
    from rbpgia.workflow.models import open_options

    if not isinstance(spec, dict):
        spec = {"path": os.fspath(spec)}
    try:
        return open_model(spec["path"], **open_options(spec), batch_size=batch_size)
    except InputError as error:
        if spec.get("key"):
            raise InputError(f"config key {spec['key']}: {error}") from None
        raise


def gia_prepare(
    h5_path: str | os.PathLike,
    model,
    rbp: str,
    options: dict,
    batch_size: int | None = None,
    members: bool = False,
):
    """Prepare a model's GIA run on the pool's Set B probes.

    ``model`` is an opened :class:`~rbpgia.gia.model_io.ExternalModel`, or what
    :func:`open_gia_model` opens (a trained model's file, a config ``models:`` entry) with
    ``batch_size``. With ``members``, a seed ensemble's members are prepared too, so that
    its experiments report each member's importance (:mod:`rbpgia.gia.members`).

    The nulls are drawn from the Set B probes that have a measurement for ``rbp``
    (:func:`rbpgia.gia.run.prepare`, seeded by ``options["seed"]``), in the model's
    frame (:func:`gia_background`), so every GIA job of an RBP measures its effects on
    one background.
    """
    from rbpgia.gia.model_io import ExternalModel
    from rbpgia.gia.run import prepare

    if not isinstance(model, ExternalModel):
        model = open_gia_model(model, batch_size)
    background, measured = gia_background(h5_path, rbp, model.length)
    # A structure model is refolded as the pool it was trained on was folded.
    predictor, member_predictors = model.predictors(
        options["threads"], members=members, **store.folding(h5_path)
    )
    return prepare(
        predictor,
        background,
        options,
        measured=measured,
        batch_size=model.batch_size,
        members=member_predictors,
    )


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


def probes_in_frame(
    h5_path: str | os.PathLike, rows: np.ndarray, length: int | None = None
) -> np.ndarray:
    """One-hot probes ``rows`` of the pool in a model's ``length``-nt frame.

    The pool's own one-hot when ``length`` is its frame (or None); otherwise each probe
    centred in the frame: longer ones trimmed to their middle, shorter ones padded, as
    ``rbpgia gia`` frames its background (positions keep their meaning relative to the
    probe's centre and ends).

    Raises
    ------
    InputError
        Naming the pool when even its longest probe cannot fill the frame: the nulls
        would hold padding where the model has only ever read letters.
    """
    from rbpgia.encode.onehot import centre_trim, one_hot

    if length is None or length == store.read_attrs(h5_path)["max_length"]:
        return store.read_inputs(h5_path, "seq", rows)
    sequences = store.read_sequences(h5_path)[rows]
    longest = max((len(sequence) for sequence in sequences), default=0)
    if longest < length:
        raise InputError(
            f"the pool cannot fill the model's {length}-nt input: its longest probe is "
            f"{longest} nt",
            h5_path,
        )
    return one_hot(centre_trim(sequences, length), length)


def gia_background(
    h5_path: str | os.PathLike, rbp: str, length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One-hot Set B probes measured for ``rbp``, and their measurements: the nulls' source.

    Every GIA run of an RBP (its models', and its planted rule's for a synthetic data set)
    draws its nulls from these, so that they all measure on one background. ``length``
    frames them for a model of another input length (:func:`probes_in_frame`).
    """
    measured = store.read_targets(h5_path, rbp)
    rows = np.flatnonzero((store.read_sets(h5_path) == "B") & np.isfinite(measured))
    return probes_in_frame(h5_path, rows, length), measured[rows]


def gia_training(h5_path: str | os.PathLike, rbp: str, length: int | None = None):
    """The model's training probes for support counting, and their measured targets.

    The Set A probes measured for ``rbp`` (the training and validation splits: the model
    was fitted on one and stopped on the other), with their structure profiles, in the
    pool's frame, which is the model's. For a model of another input ``length`` (an
    external one), the same probes in its frame (:func:`probes_in_frame`), without
    structure profiles (those were folded in the pool's frame), so hairpin support is
    empty.

    Returns
    -------
    training : rbpgia.gia.support.Training
    targets : np.ndarray, shape (n,)
    """
    from rbpgia.gia.support import training_set

    measured = store.read_targets(h5_path, rbp)
    rows = np.flatnonzero((store.read_sets(h5_path) == "A") & np.isfinite(measured))
    if length is not None and length != store.read_attrs(h5_path)["max_length"]:
        return training_set(probes_in_frame(h5_path, rows, length)), measured[rows]
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


KERAS_JOB_FILES = ("model.keras", "history.tsv", "metrics.json", "predictions.tsv")


def write_keras_job(result: JobResult, metrics: dict, folder: str | os.PathLike) -> None:
    """Write a trained Keras model's :data:`KERAS_JOB_FILES` into ``folder``, each atomically."""
    import json
    from pathlib import Path

    from rbpgia.io import atomic_open, atomic_path
    from rbpgia.train import save_model

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(result.model, folder / "model.keras")
    with atomic_path(folder / "history.tsv") as tmp:
        result.history.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(folder / "predictions.tsv") as tmp:
        result.predictions.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_open(folder / "metrics.json") as handle:
        json.dump(metrics, handle, indent=2)


def external_job(
    h5_path: str | os.PathLike,
    model,
    rbp: str,
    norm: str,
    valid_fraction: float = 0.1,
    seed: int = 0,
    threads: int = 1,
) -> JobResult:
    """An external model's Set B performance, measured as a trained model's is.

    The same test probes and the same normalised measurements as the training jobs of
    ``rbp`` with normalisation ``norm`` (the split and the normaliser fitted on the
    training split, :func:`load_job_data`'s), so its Pearson r stands beside theirs.
    The model reads the pool's inputs where its frame is the pool's (the stored
    structure profiles, as trained models do), else the probes in its frame
    (:func:`probes_in_frame`), refolded for a structure-reading model. Its metrics
    hold the ``normaliser`` (the benchmark's noise ceiling reads it).

    Parameters
    ----------
    model : rbpgia.gia.model_io.ExternalModel
    """
    target = store.read_targets(h5_path, rbp)
    indices = split_indices(
        store.read_sets(h5_path), target, valid_fraction=valid_fraction, seed=seed
    )
    normaliser = fit_normaliser(target[indices["train"]], norm)
    rows = indices["test"]
    if model.length == store.read_attrs(h5_path)["max_length"]:
        predicted = model.predict(store.read_inputs(h5_path, model.input_type, rows))
    else:
        predictor = model.predictor(threads=threads, **store.folding(h5_path))
        predicted = predictor(probes_in_frame(h5_path, rows, model.length))
    data = JobData(
        x={},
        y={"test": apply_normaliser(target[rows], normaliser)},
        indices={"test": rows},
        normaliser=normaliser,
        test_names=store.read_names(h5_path)[rows],
    )
    metrics = {**test_metrics(data.y["test"], predicted), "normaliser": normaliser}
    return JobResult(model, metrics, predictions_table(data, predicted))
