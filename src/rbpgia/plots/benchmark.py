"""Benchmark figures: Pearson r per model, paired differences, prediction scatter."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from rbpgia.benchmark import model_label
from rbpgia.plots.style import PALETTE, apply_style, plt, save_figure


def plot_performance(table: pd.DataFrame, path: str | os.PathLike, ceilings=None) -> None:
    """Box and points of Set B Pearson r per model across RBPs (noise ceiling if known)."""
    apply_style()
    labelled = table.assign(label=model_label(table))
    order = labelled.groupby("label")["pearson_r"].median().sort_values().index.tolist()
    if ceilings is not None and len(ceilings):
        # One ceiling per normalisation: a clip model's is not a log model's.
        ceiling = ceilings.rename(columns={"noise_ceiling_r": "pearson_r"})
        several = ceiling["norm"].nunique() > 1
        ceiling["label"] = [
            f"noise ceiling ({norm})" if several else "noise ceiling" for norm in ceiling["norm"]
        ]
        labelled = pd.concat([labelled, ceiling], ignore_index=True)
        order += list(dict.fromkeys(ceiling["label"]))
    fig, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(order)))
    data = [labelled.loc[labelled["label"] == label, "pearson_r"].dropna() for label in order]
    ax.boxplot(data, vert=False, widths=0.6, showfliers=False)
    rng = np.random.default_rng(0)
    for i, values in enumerate(data, start=1):
        jitter = rng.uniform(-0.15, 0.15, len(values))
        ax.scatter(values, i + jitter, s=12, color=PALETTE[i % len(PALETTE)], zorder=3)
    ax.set_yticks(np.arange(1, len(order) + 1), order)
    ax.set(xlabel="Pearson r on Set B (per RBP)", title="Model performance across RBPs")
    save_figure(fig, path)


def plot_paired_differences(diffs: pd.DataFrame, path: str | os.PathLike) -> None:
    """Histogram of per-RBP delta Pearson r (reference minus each other model)."""
    apply_style()
    others = diffs["other"].unique().tolist() if len(diffs) else []
    fig, axes = plt.subplots(1, max(len(others), 1), figsize=(4 * max(len(others), 1), 3.2))
    axes = np.atleast_1d(axes)
    for ax, other in zip(axes, others, strict=False):
        part = diffs[diffs["other"] == other]
        ax.hist(part["delta"], bins=min(30, max(5, len(part))), color=PALETTE[0])
        ax.axvline(0, color="black", lw=0.8)
        p_value = part["wilcoxon_p"].iloc[0]
        # No p below 6 RBPs (signed_rank): a NaN there means "too few to test".
        test = f"Wilcoxon p = {p_value:.2g}" if np.isfinite(p_value) else "too few to test"
        ax.set(
            xlabel=f"Δ Pearson r ({part['reference'].iloc[0]} − {other})",
            ylabel="RBPs",
            title=f"median {part['median_delta'].iloc[0]:+.3f} (n = {len(part)}), {test}",
        )
    if not others:
        axes[0].text(0.5, 0.5, "a single model: nothing to compare", ha="center")
        axes[0].set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)


def plot_prediction_scatter(
    predictions: dict[str, pd.DataFrame], rbp: str, path: str | os.PathLike
) -> None:
    """Predicted vs measured Set B values of one RBP, one panel per model."""
    apply_style()
    names = list(predictions)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        table = predictions[name]
        r = np.corrcoef(table["measured"], table["predicted"])[0, 1]
        ax.scatter(table["measured"], table["predicted"], s=2, alpha=0.3, color=PALETTE[0])
        ax.set(
            xlabel="measured (normalised)",
            ylabel="predicted",
            title=f"{name}\nPearson r = {r:.3f}",
        )
    fig.suptitle(f"{rbp}: Set B predictions", y=1.02)
    fig.tight_layout()
    save_figure(fig, path)
