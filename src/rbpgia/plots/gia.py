"""Figures of GIA experiment tables: effect sizes with their bootstrap 95% CI."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from rbpgia.plots.style import PALETTE, apply_style, plt, save_figure

EFFECT_LABEL = "global importance\n(mean Δ prediction, 95% CI)"


def _errors(table: pd.DataFrame) -> np.ndarray:
    return np.vstack(
        [table["importance"] - table["ci_low"], table["ci_high"] - table["importance"]]
    ).clip(min=0)


def plot_kmer_search(table: pd.DataFrame, path, title: str, top: int = 20) -> None:
    """The ``top`` k-mers by importance, best at the top."""
    apply_style()
    best = table.sort_values("importance", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(5, 0.25 * len(best) + 1.2))
    ax.barh(best["kmer"], best["importance"], xerr=_errors(best), color=PALETTE[0])
    ax.set(xlabel=EFFECT_LABEL.replace("\n", " "), title=title)
    ax.tick_params(axis="y", labelfontfamily="monospace")
    save_figure(fig, path)


def plot_line(table: pd.DataFrame, x: str, path, title: str, xlabel: str, fit=None) -> None:
    """Importance against a numeric variable, with a CI band (and a fitted line)."""
    apply_style()
    table = table.sort_values(x)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.fill_between(table[x], table["ci_low"], table["ci_high"], color=PALETTE[5], alpha=0.4)
    ax.plot(table[x], table["importance"], marker="o", color=PALETTE[0])
    if fit is not None:
        slope, intercept, r2 = fit
        xs = np.array([table[x].min(), table[x].max()])
        ax.plot(xs, slope * xs + intercept, ls="--", color=PALETTE[3], label=f"R² = {r2:.3f}")
        ax.legend(frameon=False)
    ax.axhline(0, color="black", lw=0.6)
    ax.set(xlabel=xlabel, ylabel=EFFECT_LABEL, title=title)
    save_figure(fig, path)


def plot_bars(table: pd.DataFrame, x: str, path, title: str, note: str | None = None) -> None:
    """Importance per category with CI error bars."""
    apply_style()
    fig, ax = plt.subplots(figsize=(1.0 * len(table) + 2, 3.4))
    ax.bar(table[x].astype(str), table["importance"], yerr=_errors(table), color=PALETTE[1])
    ax.axhline(0, color="black", lw=0.6)
    ax.set(ylabel=EFFECT_LABEL, title=title)
    ax.tick_params(axis="x", rotation=30)
    if note:
        ax.text(0.01, 0.98, note, transform=ax.transAxes, va="top", fontsize=8)
    save_figure(fig, path)


def plot_grid(table: pd.DataFrame, rows: str, cols: str, path, title: str, xlabel: str) -> None:
    """Heat map of importance over two categorical variables (e.g. position x nucleotide)."""
    apply_style()
    grid = table.pivot_table(index=rows, columns=cols, values="importance", sort=False)
    fig, ax = plt.subplots(figsize=(0.5 * grid.shape[1] + 2.5, 0.45 * grid.shape[0] + 1.5))
    limit = float(np.nanmax(np.abs(grid.to_numpy()))) or 1.0
    image = ax.imshow(grid.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index])
    ax.set(xlabel=xlabel, ylabel=rows, title=title)
    fig.colorbar(image, ax=ax, label="global importance")
    save_figure(fig, path)


def plot_experiment(
    experiment: str, table: pd.DataFrame, path: str | os.PathLike, title: str
) -> None:
    """The figure of one GIA experiment table."""
    if experiment == "kmer_search":
        plot_kmer_search(table, path, title)
    elif experiment == "kmer_mutagenesis":
        plot_grid(table, "nucleotide", "position", path, title, "position in the motif")
    elif experiment == "positional":
        plot_line(table, "position", path, title, "motif start (column of the 41-nt frame)")
    elif experiment == "motif_count":
        fit = None
        if {"slope", "intercept", "r2"} <= set(table.columns):
            fit = tuple(table[["slope", "intercept", "r2"]].iloc[0])
        plot_line(table, "n_sites", path, title, "copies of the motif", fit=fit)
    elif experiment == "spacing":
        plot_line(table, "spacing", path, title, "gap between the two copies (nt)")
    elif experiment == "gc_bias":
        plot_bars(table, "condition", path, title)
    elif experiment == "hairpin":
        note = None
        if "fold_fraction" in table.columns:
            note = "folds as designed: " + ", ".join(
                f"{c} {f:.0%}"
                for c, f in zip(table["context"], table["fold_fraction"], strict=True)
            )
        plot_bars(table, "context", path, title, note)
    elif experiment == "flanks":
        split = table["flank"].str.split("_", expand=True)
        grid = table.assign(five_prime=split[0], three_prime=split[1])
        plot_grid(grid, "five_prime", "three_prime", path, title, "3' flanking nucleotide")
    else:
        raise ValueError(f"no figure for experiment {experiment!r}")


def plot_summary(summary: pd.DataFrame, path: str | os.PathLike) -> None:
    """One panel per experiment: its headline value for every RBP (as in the paper's Fig. 4)."""
    apply_style()
    experiments = summary["experiment"].unique().tolist()
    n_cols = 3
    n_rows = int(np.ceil(len(experiments) / n_cols)) or 1
    n_rbps = summary["rbp"].nunique()
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.2 * n_cols, (0.28 * n_rbps + 1.3) * n_rows), squeeze=False
    )
    for ax, experiment in zip(axes.flat, experiments, strict=False):
        part = summary[summary["experiment"] == experiment].sort_values("value")
        ax.barh(part["rbp"], part["value"], color=PALETTE[experiments.index(experiment) % 8])
        ax.axvline(0, color="black", lw=0.6)
        ax.set(title=experiment.replace("_", " "), xlabel=part["headline"].iloc[0])
    for ax in axes.flat[len(experiments) :]:
        ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)
