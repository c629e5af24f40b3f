"""Figures of GIA experiment tables: effect sizes with their bootstrap 95% CI.

Each experiment's figure is described by its registry entry
(:class:`rbpgia.gia.registry.Figure`); this module draws the four kinds. Contrasts are
drawn apart from conditions (hatched bars, or their own line), so a difference is never
mistaken for an effect against the nulls. Extrapolated rows (too few training probes hold
their configuration, :mod:`rbpgia.gia.support`) are drawn hollow (markers and bars) or
crossed out (grid cells), with a legend entry saying so.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from rbpgia.gia import registry
from rbpgia.gia.support import extrapolated
from rbpgia.plots.style import GREY, PALETTE, apply_style, plt, save_figure

EFFECT_LABEL = "global importance\n(mean Δ prediction, 95% CI)"
KIND_LABELS = {
    "condition": "condition",
    "control": "control (differs in one thing)",
    "contrast": "paired difference",
}
KIND_COLOURS = {"condition": PALETTE[1], "control": GREY, "contrast": PALETTE[0]}
EXTRAPOLATED_LABEL = "extrapolated: too few\ntraining probes hold it"
GRID_HATCH = "xxx"


def _extrapolated_marker():
    return plt.Line2D([], [], ls="", marker="o", ms=5, mfc="white", mec=GREY, label="")


def _errors(table: pd.DataFrame) -> np.ndarray:
    return np.vstack(
        [table["importance"] - table["ci_low"], table["ci_high"] - table["importance"]]
    ).clip(min=0)


def plot_ranking(table: pd.DataFrame, x: str, path, title: str, top: int = 20) -> None:
    """The ``top`` rows by importance, best at the top."""
    apply_style()
    best = table.sort_values("importance", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(5, 0.25 * len(best) + 1.2))
    ax.barh(best[x].astype(str), best["importance"], xerr=_errors(best), color=PALETTE[0])
    ax.set(xlabel=EFFECT_LABEL.replace("\n", " "), title=title)
    ax.tick_params(axis="y", labelfontfamily="monospace")
    save_figure(fig, path)


def plot_line(
    table: pd.DataFrame,
    x: str,
    path,
    title: str,
    xlabel: str,
    series: str | None = None,
    fit=None,
) -> None:
    """Importance against a numeric variable with a CI band, one line per ``series`` value."""
    apply_style()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    groups = [(None, table)] if series is None else list(table.groupby(series, sort=False))
    for i, (name, part) in enumerate(groups):
        part = part.sort_values(x)
        colour = PALETTE[i % len(PALETTE)]
        ax.fill_between(part[x], part["ci_low"], part["ci_high"], color=colour, alpha=0.2)
        ax.plot(part[x], part["importance"], marker="o", ms=3.5, color=colour, label=name)
        outside = part[extrapolated(part).to_numpy()]
        # Hollow markers over the filled ones: the model never saw these in training.
        ax.plot(outside[x], outside["importance"], ls="", marker="o", ms=5, mfc="white", mec=colour)
    if fit is not None:
        slope, intercept, r2 = fit
        xs = np.array([table[x].min(), table[x].max()])
        ax.plot(xs, slope * xs + intercept, ls="--", color=PALETTE[3], label=f"fit, R² = {r2:.3f}")
    handles, labels = ax.get_legend_handles_labels()
    if extrapolated(table).any():
        handles.append(_extrapolated_marker())
        labels.append(EXTRAPOLATED_LABEL)
    if series is not None or fit is not None or len(handles):
        ax.legend(handles, labels, frameon=False, fontsize=8)
    ax.axhline(0, color="black", lw=0.6)
    ax.set(xlabel=xlabel, ylabel=EFFECT_LABEL, title=title)
    save_figure(fig, path)


def plot_bars(table: pd.DataFrame, x: str, path, title: str, note: str | None = None) -> None:
    """Importance per row with CI error bars; controls grey, contrasts hatched and apart."""
    apply_style()
    kinds = table["kind"] if "kind" in table else pd.Series("condition", index=table.index)
    fig, ax = plt.subplots(figsize=(0.8 * len(table) + 2, 3.6))
    positions = np.arange(len(table)) + (kinds == "contrast").cumsum().clip(upper=1).to_numpy()
    colours = [KIND_COLOURS.get(kind, PALETTE[1]) for kind in kinds]
    bars = ax.bar(positions, table["importance"], yerr=_errors(table), color=colours, capsize=2)
    outside = extrapolated(table).to_numpy()
    for bar, kind, colour, hollow in zip(bars, kinds, colours, outside, strict=True):
        if kind == "contrast":
            bar.set_hatch("//")
            bar.set_edgecolor("white")
        if hollow:
            bar.set_facecolor("white")
            bar.set_edgecolor(colour)
            bar.set_linewidth(1.2)
    ax.set_xticks(positions, table[x].astype(str), rotation=35, ha="right")
    ax.axhline(0, color="black", lw=0.6)
    ax.set(ylabel=EFFECT_LABEL, title=title)
    shown = [kind for kind in KIND_LABELS if (kinds == kind).any()]
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=KIND_COLOURS[k], hatch="//" if k == "contrast" else "")
        for k in shown
    ]
    labels = [KIND_LABELS[k] for k in shown]
    if outside.any():
        handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=GREY))
        labels.append(EXTRAPOLATED_LABEL)
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="best")
    if note:
        ax.text(0.01, 0.98, note, transform=ax.transAxes, va="top", fontsize=8)
    save_figure(fig, path)


def plot_grid(
    table: pd.DataFrame, rows: str, cols: str, path, title: str, xlabel: str, ylabel: str = ""
) -> None:
    """Heat map of importance over two categorical variables (e.g. position x nucleotide)."""
    apply_style()
    grid = table.pivot_table(index=rows, columns=cols, values="importance", sort=False)
    fig, ax = plt.subplots(figsize=(0.5 * grid.shape[1] + 2.5, 0.45 * grid.shape[0] + 1.5))
    limit = float(np.nanmax(np.abs(grid.to_numpy()))) or 1.0
    image = ax.imshow(grid.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    # A motif's positions are counted from 1 for the reader, as in Figure 2C.
    shown = [int(c) + 1 for c in grid.columns] if cols == "position" else grid.columns
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in shown])
    ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index])
    ax.set(xlabel=xlabel, ylabel=ylabel or rows, title=title)
    fig.colorbar(image, ax=ax, label="global importance")
    marked = table.assign(outside=extrapolated(table).astype(float))
    outside = marked.pivot_table(index=rows, columns=cols, values="outside", sort=False)
    outside = outside.reindex(index=grid.index, columns=grid.columns).fillna(0).to_numpy()
    for i, j in zip(*np.nonzero(outside), strict=True):
        ax.add_patch(
            plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch=GRID_HATCH, ec=GREY, lw=0)
        )
    if outside.any():
        handle = plt.Rectangle((0, 0), 1, 1, fill=False, hatch=GRID_HATCH, ec=GREY)
        ax.legend(
            [handle],
            [EXTRAPOLATED_LABEL.replace("\n", " ")],
            frameon=False,
            fontsize=8,
            loc="upper left",
            bbox_to_anchor=(0, -0.12),
        )
    save_figure(fig, path)


def _fold_note(table: pd.DataFrame) -> str | None:
    """How often the designed structures folded as intended (hairpin tables)."""
    if "fold_fraction" not in table.columns:
        return None
    folds = table.dropna(subset=["fold_fraction"])
    if folds.empty:
        return None
    return "folds as designed: " + ", ".join(
        f"{c} {f:.0%}" for c, f in zip(folds["condition"], folds["fold_fraction"], strict=True)
    )


def plot_experiment(
    experiment: str, table: pd.DataFrame, path: str | os.PathLike, title: str
) -> None:
    """The figure of one GIA experiment table, as its registry entry describes it."""
    spec = registry.get(experiment).figure
    shown = table
    if spec.rows_shown is not None:
        shown = shown[shown["condition"].isin(spec.rows_shown)]
    if spec.kinds_shown is not None:
        shown = shown[shown["kind"].isin(spec.kinds_shown)]
    if spec.kind == "ranking":
        plot_ranking(shown, spec.x, path, title)
    elif spec.kind == "grid":
        plot_grid(shown, spec.rows, spec.columns, path, title, spec.xlabel, spec.ylabel)
    elif spec.kind == "line":
        fit = None
        if spec.fit and {"slope", "intercept", "r2"} <= set(table.columns):
            fit = tuple(float(v) for v in table[["slope", "intercept", "r2"]].iloc[0])
        # A table may lack the series column (motif_count written before `compare`).
        series = spec.series if spec.series in shown.columns else None
        plot_line(shown, spec.x, path, title, spec.xlabel, series=series, fit=fit)
    elif spec.kind == "bars":
        plot_bars(shown, spec.x, path, title, _fold_note(table))
    else:
        raise ValueError(f"{experiment}: no figure of kind {spec.kind!r}")


def plot_summary(summary: pd.DataFrame, path: str | os.PathLike) -> None:
    """One panel per experiment: its headline value for every RBP, with its CI when it has
    one, and a seed ensemble's range of member headlines (black) where there is one."""
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
        errors = None
        if {"ci_low", "ci_high"} <= set(part.columns) and part["ci_low"].notna().all():
            errors = np.vstack(
                [part["value"] - part["ci_low"], part["ci_high"] - part["value"]]
            ).clip(min=0)
        colour = PALETTE[experiments.index(experiment) % 8]
        rows = np.arange(len(part))
        ax.barh(rows, part["value"], xerr=errors, color=colour, capsize=2)
        # An RBP whose headline is "none" (no position or gap stands out) keeps its row.
        names = [
            f"{rbp} (none)" if none else rbp
            for rbp, none in zip(part["rbp"], part["value"].isna(), strict=True)
        ]
        ax.set_yticks(rows, names)
        ax.set_ylim(-0.6, len(part) - 0.4)
        if "member_min" in part.columns:
            # A seed ensemble's members' own headlines (the spread training gives the
            # number), just below the bar, apart from its CI.
            has = part["member_min"].notna().to_numpy()
            below = rows[has] - 0.3
            low, high = part["member_min"][has], part["member_max"][has]
            ax.hlines(below, low, high, color="black", lw=0.8)
            ax.plot(low, below, "kd", ms=3.5, label="ensemble members (min, max)")
            ax.plot(high, below, "kd", ms=3.5)
            if has.any():
                ax.legend(loc="best", frameon=False, fontsize=7)
        ax.axvline(0, color="black", lw=0.6)
        ax.set(title=experiment.replace("_", " "), xlabel=part["headline"].iloc[0])
    for ax in axes.flat[len(experiments) :]:
        ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)
