"""What the paper's figures share: panel letters, "not run" notes, bars with CIs, saving.

Colours, fonts and sizes come from :mod:`rbpgia.plots.style` (:func:`paper_style`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rbpgia.io import atomic_path
from rbpgia.plots.style import GREY, PALETTE, PAPER_MIN_FONT, paper_style, plt

NOTE_GID = "not-run-note"

MEASURED = "measured intensity (the model's normalised z-score)"
PREDICTED = "predicted intensity (z-score)"
IMPORTANCE = "global importance (Δ z-score)"
PEARSON = "Pearson r on Set B"

# Conditions blue, controls grey, contrasts orange (and hatched).
KIND_COLORS = {"condition": PALETTE[0], "control": GREY, "contrast": PALETTE[1]}


def panel_label(ax, letter: str) -> None:
    """Start the panel's title with its bold letter (the title moves to the left)."""
    title = ax.get_title() or ax.get_title(loc="left")
    ax.set_title("")
    ax.set_title(f"$\\bf{{{letter}}}$   {title}", loc="left")


def panel_labels(axes, letters: str = "ABCDEFG") -> None:
    """:func:`panel_label` each of ``axes`` with the next letter."""
    for ax, letter in zip(axes, letters, strict=False):
        panel_label(ax, letter)


def panel_title(ax) -> str:
    """A panel's title without its letter."""
    return ax.get_title(loc="left").split("   ", 1)[-1]


def not_run(ax, message: str, title: str | None = None) -> None:
    """Replace a panel by a note: the data it needs was not produced by this run."""
    ax.clear()
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linestyle(":")
        spine.set_color(GREY)
    if title:
        ax.set_title(title)
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=PAPER_MIN_FONT,
        color="0.25",
        gid=NOTE_GID,
    )


def not_run_notes(fig: Figure) -> list[str]:
    """Texts of every "not run" note in ``fig`` (empty when every panel has its data)."""
    return [text.get_text() for ax in fig.axes for text in ax.texts if text.get_gid() == NOTE_GID]


def save_paper_figure(fig: Figure, stem: str | os.PathLike) -> list[str]:
    """Write ``fig`` to ``stem``.pdf and ``stem``.png (300 dpi) atomically; close it."""
    paths = []
    with paper_style():
        for suffix, dpi in ((".pdf", None), (".png", 300)):
            path = os.fspath(stem) + suffix
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=suffix[1:], dpi=dpi or "figure")
            paths.append(path)
    plt.close(fig)
    return paths


def missing(ax, data, message: str, title: str | None = None) -> bool:
    """Whether ``data`` is None or empty: then the panel becomes a :func:`not_run` note."""
    if data is not None and len(data) > 0:
        return False
    not_run(ax, message, title)
    return True


def ci_errors(table: pd.DataFrame, column: str = "importance") -> np.ndarray:
    """Error bar lengths (2, N) from ``column`` to its ``ci_low`` and ``ci_high``."""
    below, above = table[column] - table["ci_low"], table["ci_high"] - table[column]
    return np.vstack([below, above]).clip(min=0)


def zero_line(ax, axis: str = "y") -> None:
    (ax.axhline if axis == "y" else ax.axvline)(0, color="0.3", lw=0.6, zorder=0)


def kind_colors(table: pd.DataFrame) -> list:
    """A colour per row by its ``kind`` (:data:`KIND_COLORS`; conditions when no ``kind``)."""
    kinds = table["kind"] if "kind" in table else ["condition"] * len(table)
    return [KIND_COLORS.get(kind, KIND_COLORS["condition"]) for kind in kinds]


def importance_bars(ax, labels, table: pd.DataFrame) -> None:
    """One bar per row: importance with its 95% CI, over the zero line; contrasts hatched."""
    bars = ax.bar(
        labels, table["importance"], yerr=ci_errors(table), color=kind_colors(table), capsize=2
    )
    if "kind" in table:
        for bar, kind in zip(bars, table["kind"], strict=True):
            if kind == "contrast":
                bar.set_hatch("//")
                bar.set_edgecolor("white")
    zero_line(ax)


def ranked_with_ci(ax, values: pd.DataFrame, highlight: Sequence[str] = ()) -> None:
    """Horizontal bars of ``value`` per RBP (index), with ``ci_low``/``ci_high`` when given."""
    values = values.sort_values("value")
    errors = None
    if {"ci_low", "ci_high"} <= set(values.columns) and values["ci_low"].notna().all():
        errors = ci_errors(values, "value")
    colours = [PALETTE[1] if name in highlight else PALETTE[0] for name in values.index]
    ax.barh(
        np.arange(len(values)), values["value"].to_numpy(), xerr=errors, color=colours, capsize=2
    )
    if len(values) <= 25:
        ax.set_yticks(np.arange(len(values)), values.index)
    else:
        ax.set_yticks([])
    zero_line(ax, "x")
