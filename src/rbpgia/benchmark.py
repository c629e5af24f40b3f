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


def noise_ceilings(
    jobs: dict[tuple[str, str], tuple[pd.DataFrame, dict]], truth: dict
) -> pd.DataFrame:
    """Pearson r of the planted noise-free expectation with the measured Set B values.

    ``jobs`` maps (RBP, normalisation) to one of that RBP's jobs of that normalisation:
    its prediction table (probe index and normalised measurement) and its normaliser, so
    each ceiling uses the same probes and the same normalisation as the models it bounds
    (a clip model's ceiling is not a log model's). ``truth`` is the generator's ground
    truth: the ideal prediction is the expected measurement of each probe's noise-free
    log-affinity. Returns columns ``rbp``, ``norm``, ``noise_ceiling_r``.
    """
    from rbpgia.data.normalise import apply_normaliser
    from rbpgia.simulate import expected_measurement

    rows = []
    for (rbp, norm), (table, normaliser) in jobs.items():
        probes = table["probe"].to_numpy()
        scores = np.asarray(truth["scores"][rbp], dtype=np.float64)[probes]
        scale = truth["rbps"][rbp]["normalisation"]
        ideal = expected_measurement(scores, scale["median"], scale["scale"])
        ideal = apply_normaliser(ideal, normaliser)
        ceiling = pearson_r(table["measured"], ideal)
        rows.append({"rbp": rbp, "norm": norm, "noise_ceiling_r": ceiling})
    return pd.DataFrame(rows, columns=["rbp", "norm", "noise_ceiling_r"])


def reference_label(table: pd.DataFrame, model: str, input_type: str, norm: str) -> str:
    """The :func:`model_label` of ``model`` at ``input_type`` and ``norm``: the main model
    (the one GIA explains), which the paired differences and the published comparison test.

    The label alone does not say which variant: with norms [log, clip] the first
    ``residualbind`` row of the sorted table is the clip model.
    """
    rows = (table["model"] == model) & (table["input"] == input_type) & (table["norm"] == norm)
    if not rows.any():
        raise InputError(f"no {model} ({input_type}, {norm}) model in the benchmark")
    return model_label(table)[rows].iloc[0]


# Identity columns of the wide published layout: one row per experiment, one column per method.
WIDE_ID_COLUMNS = ("experiment", "protein", "species")
# The smallest two-sided p a Wilcoxon signed-rank test of n pairs can give is 2 / 2^n: below 6
# pairs it cannot reach 0.05, so a p-value would only look like evidence.
SIGNIFICANCE = 0.05


def read_published(path: str | os.PathLike, rbps: Iterable[str] | None = None) -> pd.DataFrame:
    """Published per-experiment Set B Pearson r as benchmark rows (``input == "published"``).

    Two layouts are read: long (columns ``rbp, model, pearson_r``) or wide (an
    ``experiment`` column, optionally ``protein`` and ``species``, and one column of
    Pearson r per method, as ``resources/published_performance/rnacompete2013_pearson.tsv``).
    Empty cells are missing values. ``rbps`` keeps the experiments a run modelled, so the
    published methods are compared over the same experiments.

    Raises
    ------
    InputError
        Naming the file, line and column of a value that is not a Pearson r, or the
        columns a layout lacks.
    """
    table = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    columns = set(table.columns)
    if {"rbp", "model", "pearson_r"} <= columns:
        values = table[["rbp", "model", "pearson_r"]].copy()
        values["line"] = np.arange(len(table)) + 2
        values["column"] = "pearson_r"
    elif "experiment" in columns:
        methods = [c for c in table.columns if c not in WIDE_ID_COLUMNS]
        if not methods:
            raise InputError("published table has an experiment column but no method columns", path)
        values = table.assign(line=np.arange(len(table)) + 2).melt(
            id_vars=["experiment", "line"], value_vars=methods, var_name="model",
            value_name="pearson_r",
        ).rename(columns={"experiment": "rbp"})  # fmt: skip
        values["column"] = values["model"]
    else:
        raise InputError(
            "published table needs columns rbp, model, pearson_r (long) or experiment and "
            f"one column per method (wide); it has {', '.join(table.columns)}",
            path,
        )
    values["pearson_r"] = [
        _pearson_cell(cell, path, line, column)
        for cell, line, column in zip(
            values["pearson_r"], values["line"], values["column"], strict=True
        )
    ]
    repeated = values.duplicated(["rbp", "model"], keep="first")
    if repeated.any():
        first = values[repeated].iloc[0]
        raise InputError(
            f"{first['model']} of {first['rbp']} is given twice", path, int(first["line"])
        )
    if rbps is not None:
        values = values[values["rbp"].isin(list(rbps))]
    values = values.dropna(subset=["pearson_r"])
    values = values.assign(input="published", norm="published", spearman_r=np.nan, n_test=np.nan)
    return values[COLUMNS].reset_index(drop=True)


def _pearson_cell(cell: str, path, line: int, column: str) -> float:
    """One Pearson r of a published table (NaN when empty)."""
    text = str(cell).strip()
    if text in ("", "NA", "NaN", "nan"):
        return np.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"column {column}: {text!r} is not a number", path, line) from None
    if not -1.0 <= value <= 1.0:
        raise InputError(f"column {column}: Pearson r {value} lies outside [-1, 1]", path, line)
    return value


def signed_rank(delta) -> tuple[float, str]:
    """Two-sided Wilcoxon signed-rank p of paired differences, and why it is NaN when it is.

    No p is given for fewer non-zero pairs than can reach :data:`SIGNIFICANCE` (the
    smallest p of n pairs is ``2 / 2^n``: 0.5 for 2 pairs); zero differences, which carry
    no sign, are not counted (the test drops them).
    """
    delta = np.asarray(delta, dtype=np.float64)
    # Zero differences carry no sign: the test drops them (zero_method="wilcox").
    delta = delta[np.isfinite(delta) & (delta != 0)]
    n = len(delta)
    smallest = 2.0 / 2.0**n if n else 1.0
    if smallest > SIGNIFICANCE:
        return np.nan, (
            f"n = {n} non-zero differences: too few for a signed-rank test (its smallest p "
            f"is {smallest:.2g})"
        )
    return float(stats.wilcoxon(delta).pvalue), ""


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
    ``median_delta`` and ``wilcoxon_p`` repeated for each other model (NaN when too few RBPs
    can make the test significant, or when every difference is zero: :func:`signed_rank`).
    """
    labelled = table.assign(label=model_label(table))
    wide = labelled.pivot_table(index="rbp", columns="label", values="pearson_r")
    if reference not in wide.columns:
        raise InputError(f"reference model {reference!r} not in the benchmark ({list(wide)})")
    rows = []
    for other in wide.columns.drop(reference):
        delta = (wide[reference] - wide[other]).dropna()
        p_value, _ = signed_rank(delta)
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


COMPARISON_COLUMNS = [
    "reference",
    "method",
    "n",
    "reference_mean_r",
    "method_mean_r",
    "median_delta",
    "n_better",
    "wilcoxon_p",
    "strongest",
    "note",
]


def published_comparison(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    """The ``reference`` model against each published method, over the experiments of both.

    ``table`` holds benchmark rows, the published ones with ``input == "published"``
    (:func:`read_published`); ``reference`` is a :func:`model_label` of a trained model.
    One row per published method: ``n`` experiments with both values, the mean Pearson r
    of each over them, the median of reference minus method, ``n_better`` experiments where
    the reference is higher, the Wilcoxon signed-rank p (:func:`signed_rank`, with its
    ``note`` when there is none), and ``strongest``: the method with the highest mean r over
    the experiments all methods share, the one the paper tests against (ThermoNet over all
    244).
    """
    labelled = table.assign(label=model_label(table))
    published = labelled.loc[labelled["input"] == "published", "label"].unique()
    wide = labelled.pivot_table(index="rbp", columns="label", values="pearson_r")
    if not len(published):
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    if reference not in wide.columns:
        raise InputError(f"reference model {reference!r} not in the benchmark ({list(wide)})")
    rows = []
    for method in published:
        pairs = wide[[reference, method]].dropna()
        delta = pairs[reference] - pairs[method]
        p_value, note = signed_rank(delta)
        rows.append(
            {
                "reference": reference,
                "method": method,
                "n": len(pairs),
                "reference_mean_r": pairs[reference].mean(),
                "method_mean_r": pairs[method].mean(),
                "median_delta": delta.median(),
                "n_better": int((delta > 0).sum()),
                "wilcoxon_p": p_value,
                "strongest": False,
                "note": note,
            }
        )
    result = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    # Strongest over the experiments every method has, so that no method wins by having
    # fewer or easier ones; over each method's own when they share none.
    shared = wide[[reference, *published]].dropna()
    means = shared[list(published)].mean() if len(shared) else None
    if means is not None:
        result.loc[result["method"] == means.idxmax(), "strongest"] = True
    elif result["n"].gt(0).any():
        result.loc[result["method_mean_r"].idxmax(), "strongest"] = True
    return result.sort_values("method_mean_r", ascending=False, ignore_index=True)
