"""Per-experiment counts and intensity statistics of a probe pool."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy import stats

from rbpgia.data.normalise import at_cap, fit_normaliser
from rbpgia.data.probes import Probes

# Fewer measured Set A probes than this cannot be split into training and validation
# probes and fitted (RNAcompete experiments measure about 120,000).
MIN_SET_A = 20
# Why an experiment cannot be modelled, by its status in the experiment table.
UNUSABLE = {
    "empty": "no measurements in Set A or in Set B",
    "too_few": f"fewer than {MIN_SET_A} measured Set A probes",
    "constant": "the same value on every measured Set A probe",
}


def experiment_table(probes: Probes) -> pd.DataFrame:
    """One row per experiment: measured probes per set and whether it can be modelled.

    ``status`` is ``ok``, or why not (:data:`UNUSABLE`): ``empty`` (no measurements in
    one of the sets), ``too_few`` (fewer than :data:`MIN_SET_A` in Set A) or ``constant``
    (one value throughout Set A: nothing to learn, and no spread to standardise). Such an
    experiment is skipped with a warning, never a crash of the whole run.
    """
    in_a = probes.sets == "A"
    rows = []
    for name in probes.experiments:
        values = probes.targets[name].to_numpy(dtype=np.float64)
        measured = np.isfinite(values)
        n_a = int(measured[in_a].sum())
        n_b = int(measured[~in_a].sum())
        if n_a == 0 or n_b == 0:
            status = "empty"
        elif n_a < MIN_SET_A:
            status = "too_few"
        elif np.ptp(values[in_a & measured]) == 0:
            status = "constant"
        else:
            status = "ok"
        rows.append(
            {
                "experiment": name,
                "n_set_a": n_a,
                "n_set_b": n_b,
                "n_missing": int((~measured).sum()),
                "status": status,
            }
        )
    columns = ["experiment", "n_set_a", "n_set_b", "n_missing", "status"]
    return pd.DataFrame(rows, columns=columns)


def intensity_statistics(values: np.ndarray) -> dict:
    """Mean, SD, skewness and quantiles of the finite values (NaN when there are none)."""
    finite = values[np.isfinite(values)].astype(np.float64)
    if finite.size == 0:
        keys = ["mean", "sd", "skewness", "q01", "median", "q99", "max"]
        return dict.fromkeys(keys, np.nan)
    q01, median, q99 = np.quantile(finite, [0.01, 0.5, 0.99])
    return {
        "mean": finite.mean(),
        "sd": finite.std(ddof=1) if finite.size > 1 else np.nan,
        "skewness": float(stats.skew(finite)) if finite.size > 2 else np.nan,
        "q01": q01,
        "median": median,
        "q99": q99,
        "max": finite.max(),
    }


def summarise_h5(path: str | os.PathLike) -> tuple[pd.DataFrame, dict]:
    """Summary table of every experiment in an encoded pool, plus pool-level arrays.

    ``n_capped`` counts the measured Set A probes at the ``clip`` normalisation's cap
    (:data:`rbpgia.data.normalise.CLIP_SDS` SDs above their mean; training fits it on
    Set A less its validation probes, so its cap differs a little), ``capped_fraction``
    their share of Set A: probes whose differences a clip-normalised model never sees.

    Returns the table and a dict with ``length`` and ``gc`` per probe, the mean
    ``unpaired`` probability per position over all probes, and ``targets`` (finite values
    per experiment) for plotting.
    """
    from rbpgia.encode import store

    sets = store.read_sets(path)
    onehot = store.read_inputs(path, "seq")
    lengths = onehot.sum(axis=(1, 2))
    gc = onehot[:, :, 1:3].sum(axis=(1, 2)) / np.maximum(lengths, 1)
    structure = store.read_inputs(path, "pu")
    covered = onehot.sum(axis=2) > 0
    unpaired = np.where(covered, structure[:, :, 5], np.nan)
    rows, targets = [], {}
    for name in store.list_experiments(path):
        values = store.read_targets(path, name)
        measured = np.isfinite(values)
        targets[name] = values[measured]
        train = values[measured & (sets == "A")]
        n_capped = 0
        if train.size and np.ptp(train) > 0:  # a constant experiment has no cap to fit
            n_capped = int(at_cap(train, fit_normaliser(train, "clip")).sum())
        row = {
            "experiment": name,
            "n_set_a": int(train.size),
            "n_set_b": int((measured & (sets == "B")).sum()),
            "n_missing": int((~measured).sum()),
            "n_capped": n_capped,
            "capped_fraction": n_capped / train.size if train.size else np.nan,
        }
        row.update(intensity_statistics(values))
        rows.append(row)
    pool = {
        "length": lengths,
        "gc": gc,
        "unpaired": np.nanmean(unpaired, axis=0),
        "targets": targets,
    }
    return pd.DataFrame(rows), pool
