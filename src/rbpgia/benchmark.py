"""Side-by-side model performance on Set B: tables and paired comparisons."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from rbpgia.errors import InputError
from rbpgia.metrics import pearson_r

COLUMNS = ["rbp", "model", "input", "norm", "pearson_r", "spearman_r", "n_test"]


def collect_metrics(paths: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """One row per ``metrics.json`` written by a training job, in :data:`COLUMNS` order."""
    rows = []
    for path in paths:
        with open(path) as handle:
            metrics = json.load(handle)
        missing = [key for key in COLUMNS if key not in metrics]
        if missing:
            raise InputError(f"metrics file lacks {', '.join(missing)}", path)
        rows.append({key: metrics[key] for key in COLUMNS})
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["rbp", "model", "input", "norm"], ignore_index=True)


def noise_ceilings(jobs: dict[str, tuple[pd.DataFrame, dict]], truth: dict) -> pd.DataFrame:
    """Pearson r of the planted noise-free expectation with the measured Set B values.

    ``jobs`` maps an RBP to one of its jobs' prediction table (probe index and normalised
    measurement) and that job's normaliser, so the ceiling uses the same probes and the same
    normalisation as the models it bounds. ``truth`` is the generator's ground truth: the
    ideal prediction is the expected measurement of each probe's noise-free log-affinity.
    """
    from rbpgia.data.normalise import apply_normaliser
    from rbpgia.simulate import expected_measurement

    rows = []
    for rbp, (table, normaliser) in jobs.items():
        probes = table["probe"].to_numpy()
        scores = np.asarray(truth["scores"][rbp], dtype=np.float64)[probes]
        scale = truth["rbps"][rbp]["normalisation"]
        ideal = expected_measurement(scores, scale["median"], scale["scale"])
        ideal = apply_normaliser(ideal, normaliser)
        rows.append({"rbp": rbp, "noise_ceiling_r": pearson_r(table["measured"], ideal)})
    return pd.DataFrame(rows, columns=["rbp", "noise_ceiling_r"])


def read_published(path: str | os.PathLike) -> pd.DataFrame:
    """A user's table of published per-experiment Pearson r (``rbp, model, pearson_r``)."""
    table = pd.read_csv(path, sep=None, engine="python")
    missing = {"rbp", "model", "pearson_r"} - set(table.columns)
    if missing:
        raise InputError(f"published table lacks columns {sorted(missing)}", path)
    table = table.assign(input="published", norm="published", spearman_r=np.nan, n_test=np.nan)
    return table[COLUMNS]


def model_label(table: pd.DataFrame) -> pd.Series:
    """``model`` alone when a model has one input/normalisation, else ``model (input, norm)``."""
    variants = table.groupby("model")[["input", "norm"]].nunique().max(axis=1)
    return table.apply(
        lambda row: (
            row["model"]
            if variants[row["model"]] == 1
            else f"{row['model']} ({row['input']}, {row['norm']})"
        ),
        axis=1,
    )


def paired_differences(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per RBP, Pearson r of ``reference`` minus each other model's, with a Wilcoxon test.

    Returns one row per (RBP, other model) with ``delta``, plus the columns ``n_rbps``,
    ``median_delta`` and ``wilcoxon_p`` repeated for each other model (NaN below 2 RBPs or
    when every difference is zero).
    """
    labelled = table.assign(label=model_label(table))
    wide = labelled.pivot_table(index="rbp", columns="label", values="pearson_r")
    if reference not in wide.columns:
        raise InputError(f"reference model {reference!r} not in the benchmark ({list(wide)})")
    rows = []
    for other in wide.columns.drop(reference):
        delta = (wide[reference] - wide[other]).dropna()
        p_value = np.nan
        if len(delta) >= 2 and np.any(delta != 0):
            p_value = float(stats.wilcoxon(delta).pvalue)
        for rbp, value in delta.items():
            rows.append(
                {
                    "rbp": rbp,
                    "reference": reference,
                    "other": other,
                    "delta": float(value),
                    "n_rbps": len(delta),
                    "median_delta": float(delta.median()),
                    "wilcoxon_p": p_value,
                }
            )
    columns = ["rbp", "reference", "other", "delta", "n_rbps", "median_delta", "wilcoxon_p"]
    return pd.DataFrame(rows, columns=columns)
