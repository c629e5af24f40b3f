"""Figure 1: model performance across RBPs."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import MatplotlibDeprecationWarning
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from rbpgia.plots.paper.analysis import (
    NOISE_CEILING,
    baseline_delta,
    input_comparison,
    model_distribution,
    norm_pairs,
    published_test,
    variant_rows,
    wilcoxon_p,
)
from rbpgia.plots.paper.common import PEARSON, missing, not_run, panel_labels, zero_line
from rbpgia.plots.style import GREY, PALETTE, PAPER_WIDTH, palette_color, paper_style, plt

# The notes of panels B-D when the run trained one variant only: the config key to set.
BASELINES_NOTE = (
    "not run: a single model\nset training.baselines: [kmer_ridge, deepbind_cnn] to compare"
)
NORMS_NOTE = "not run: one normalisation only\nset training.norms: [clip, log] to compare"
INPUTS_NOTE = "not run: sequence input only\nset training.inputs: [seq, pu, struct] to compare"


def figure1(
    performance: pd.DataFrame,
    main: tuple[str, str, str],
    baselines: Sequence[str] = (),
) -> Figure:
    """Figure 1: model performance across RBPs.

    Parameters
    ----------
    performance : pd.DataFrame
        ``benchmark/performance.tsv``: ``rbp, model, input, norm, pearson_r`` (and optionally
        ``noise_ceiling_r``; rows with ``input == "published"`` are published results).
    main : (model, input, norm)
        The workflow's main model (the one GIA explains).
    baselines : sequence of str
        Baseline model names (``training.baselines``); the strongest of them (highest median
        Pearson r) is compared with the main model in panel B. Any other model counts when
        empty.

    Panels: A Pearson r per model across RBPs (box/violin; noise ceiling and published
    results when present, with the paired Wilcoxon test of the main model against the
    strongest published method over the experiments both have), B per-RBP Δ Pearson r of
    the main model minus the strongest baseline, C clip vs log normalisation, D seq vs pu
    vs struct inputs.
    """
    main_model, main_input, main_norm = main
    rows = variant_rows(performance, main)
    with paper_style():
        fig = plt.figure(figsize=(PAPER_WIDTH, 5.8), layout="constrained")
        grid = GridSpec(2, 2, figure=fig, width_ratios=[1.1, 1])
        axes = [fig.add_subplot(grid[i, j]) for i in range(2) for j in range(2)]
        panel_models(
            axes[0],
            *model_distribution(performance, rows),
            main_norm,
            published_test(performance, rows, main_model),
        )
        panel_baseline(axes[1], main_model, baseline_delta(rows, main_model, baselines))
        panel_norms(axes[2], norm_pairs(performance, main_input), main_input)
        panel_inputs(axes[3], *input_comparison(performance, main_norm), main_norm)
        panel_labels(axes)
        fig.suptitle("Figure 1. Predicting RNAcompete binding across RBPs")
    return fig


def panel_models(
    ax, data: pd.DataFrame, order: list[str], main_norm: str, published: dict | None = None
) -> None:
    """A: Pearson r per model (and published model, noise ceiling) across RBPs.

    ``published``: the main model against the strongest published method
    (:func:`~rbpgia.plots.paper.analysis.published_test`), written under the title.
    """
    if missing(ax, data, "not run: no model metrics in performance.tsv"):
        return
    palette = {
        label: (GREY if label == NOISE_CEILING else palette_color(i))
        for i, label in enumerate(order)
    }
    _distribution(ax, data, "pearson_r", "label", order, palette)
    ax.set(xlabel=PEARSON, ylabel="model")
    title = f"Performance across {data['rbp'].nunique()} RBPs ({main_norm})"
    if published is not None:
        title += "\n" + published_line(published)
    ax.set_title(title)


def published_line(test: dict) -> str:
    """The test against the strongest published method, in one line: n and p, or why no p."""
    p_value = test["wilcoxon_p"]
    verdict = (
        f"Wilcoxon p = {p_value:.2g}"
        if np.isfinite(p_value)
        else "too few to test"  # a p of 0.5 from 2 pairs would read as evidence
    )
    return (
        f"vs {test['method']} (strongest published):\nmean Δ "
        f"{test['reference_mean_r'] - test['method_mean_r']:+.3f}, n = {test['n']}, {verdict}"
    )


def _distribution(ax, data: pd.DataFrame, x: str, y: str, order: list, palette) -> None:
    """Box (or violin, with 8 or more points per group) and points of ``x`` per ``y``."""
    many = data.groupby(y)[x].count().min() >= 8
    with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib's deprecated `vert`
        warnings.simplefilter("ignore", MatplotlibDeprecationWarning)
        _box_or_violin(ax, data, x, y, order, palette, many)
    sns.stripplot(
        data=data, x=x, y=y, order=order, ax=ax, color="0.15", size=3, jitter=0.18, alpha=0.8
    )


def _box_or_violin(ax, data, x, y, order, palette, many: bool) -> None:
    if many:
        sns.violinplot(
            data=data, x=x, y=y, order=order, ax=ax, hue=y, hue_order=order, palette=palette,
            cut=0, inner="quart", linewidth=0.7, legend=False, saturation=0.6,
        )  # fmt: skip
    else:
        sns.boxplot(
            data=data, x=x, y=y, order=order, ax=ax, hue=y, hue_order=order, palette=palette,
            showfliers=False, width=0.6, linewidth=0.8, legend=False, saturation=0.6,
        )  # fmt: skip


def panel_baseline(ax, main_model: str, compared: tuple[str, pd.Series] | None) -> None:
    """B: per RBP, the main model's Pearson r minus the strongest baseline's."""
    if compared is None:
        not_run(ax, BASELINES_NOTE, title="Δ Pearson r vs the strongest baseline")
        return
    strongest, delta = compared
    colors = [PALETTE[0] if d > 0 else PALETTE[3] for d in delta]
    ax.bar(np.arange(len(delta)), delta.to_numpy(), color=colors, width=0.8)
    zero_line(ax)
    if len(delta) <= 20:
        ax.set_xticks(np.arange(len(delta)), delta.index, rotation=60, ha="right")
    else:
        ax.set_xticks([])
    p_value = wilcoxon_p(delta)
    test = f"Wilcoxon p = {p_value:.2g}" if np.isfinite(p_value) else "too few to test"
    ax.set(
        xlabel="RBPs, ranked by Δ" if len(delta) > 20 else "RBP (ranked by Δ)",
        ylabel=f"Δ {PEARSON}\n({main_model} − {strongest})",
        title=f"{main_model} vs strongest baseline ({strongest})\n"
        f"median Δ {delta.median():+.3f}; {int((delta > 0).sum())}/{len(delta)} "
        f"better; {test}",
    )


def panel_norms(ax, pairs: pd.DataFrame, main_input: str) -> None:
    """C: Pearson r with clip against log normalisation, per model and RBP."""
    if missing(ax, pairs, NORMS_NOTE, title="clip vs log normalisation"):
        return
    models = list(dict.fromkeys(pairs["model"]))
    sns.scatterplot(
        data=pairs, x="clip", y="log", hue="model", style="model", hue_order=models,
        palette=[palette_color(i) for i in range(len(models))], ax=ax, s=28,
    )  # fmt: skip
    low = float(np.nanmin(pairs[["clip", "log"]].to_numpy())) - 0.05
    high = float(np.nanmax(pairs[["clip", "log"]].to_numpy())) + 0.05
    ax.plot([low, high], [low, high], color="0.4", lw=0.8, ls="--", zorder=0)
    ax.set(xlim=(low, high), ylim=(low, high), aspect="equal")
    ax.set(
        xlabel=f"{PEARSON}, clip normalisation",
        ylabel=f"{PEARSON}, log normalisation",
        title=f"Normalisation ({main_input} input)",
    )
    ax.legend(title="model", frameon=False, loc="lower right")


def panel_inputs(ax, deep: pd.DataFrame, order: list[str], main_norm: str) -> None:
    """D: Pearson r per input type: a line per RBP and model, the medians as points."""
    if missing(ax, deep, INPUTS_NOTE, title="seq vs pu vs struct inputs"):
        return
    models = list(dict.fromkeys(deep["model"]))
    palette = {m: palette_color(i) for i, m in enumerate(models)}
    for model in models:
        wide = deep[deep["model"] == model].pivot_table(
            index="rbp", columns="input", values="pearson_r"
        )
        for values in wide.reindex(columns=order).to_numpy():
            ax.plot(range(len(order)), values, color=palette[model], alpha=0.35, lw=0.7)
    sns.pointplot(
        data=deep, x="input", y="pearson_r", hue="model", order=order, hue_order=models,
        palette=palette, estimator="median", errorbar=None, ax=ax, markersize=5, dodge=0.15,
    )  # fmt: skip
    ax.set(
        xlabel="model input",
        ylabel=PEARSON,
        title=f"Input types ({main_norm}; lines: RBPs; points: medians)",
    )
    ax.legend(title="model", frameon=False)
