"""Small figures of the HTML report: training histories and the validation grid."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rbpgia.plots.style import PALETTE, apply_style, plt, save_figure


def plot_training_history(
    histories: Mapping[str, pd.DataFrame], rbp: str, path: str | os.PathLike
) -> None:
    """Loss and validation Pearson r per epoch of every trained model of one RBP.

    Parameters
    ----------
    histories : mapping model label -> history table
        ``history.tsv`` of a training job: ``epoch``, ``loss``, ``val_loss``,
        ``val_pearson_r`` (one row per epoch; an ensemble's has a row per member and
        epoch, named in ``member``).
    rbp : str
    path : path-like

    The left panel shows training (solid) and validation (dashed) mean squared error, the
    right one the validation Pearson r; a circle marks the epoch whose weights were kept
    (the best validation Pearson r).
    """
    apply_style()
    fig, (ax_loss, ax_r) = plt.subplots(1, 2, figsize=(9, 3.4))
    # A seed ensemble's history stacks its members' (column `member`): one line each.
    lines = {
        f"{label} {member}" if member else label: part
        for label, history in histories.items()
        for member, part in (
            history.groupby("member", sort=False) if "member" in history else [("", history)]
        )
    }
    for i, (label, history) in enumerate(lines.items()):
        colour = PALETTE[i % len(PALETTE)]
        epochs = history["epoch"]
        ax_loss.plot(epochs, history["loss"], color=colour, label=f"{label} (train)")
        ax_loss.plot(epochs, history["val_loss"], color=colour, ls="--", label=f"{label} (val)")
        ax_r.plot(epochs, history["val_pearson_r"], color=colour, marker=".", label=label)
        if history["val_pearson_r"].notna().any():
            best = history.loc[history["val_pearson_r"].idxmax()]
            ax_r.plot(best["epoch"], best["val_pearson_r"], "o", mfc="none", ms=9, color=colour)
    ax_loss.set(xlabel="epoch", ylabel="mean squared error (z-score²)", title="Loss")
    ax_r.set(
        xlabel="epoch",
        ylabel="validation Pearson r",
        title="Validation Pearson r (circle: kept epoch)",
    )
    for ax in (ax_loss, ax_r):
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax_loss.legend(frameon=False, fontsize=8)
    fig.suptitle(f"{rbp}: training history")
    fig.tight_layout()
    save_figure(fig, path)


def plot_validation(verdicts: pd.DataFrame, path: str | os.PathLike) -> None:
    """Grid of the synthetic validation: one row per RBP, one column per check.

    ``verdicts`` is ``gia/validation.tsv`` (``rbp``, ``experiment``, ``check``, ``passed``).
    Passed checks are blue with a tick, failed ones vermilion with a cross, checks that the
    RBP's planted rule does not imply are blank.
    """
    apply_style()
    grid = verdicts.pivot_table(
        index="rbp", columns="experiment", values="passed", aggfunc="min", sort=True
    )
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 2.5, 0.45 * grid.shape[0] + 1.6))
    colours = {True: PALETTE[0], False: PALETTE[3]}
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=object)):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        passed = bool(value)
        ax.add_patch(plt.Rectangle((j - 0.45, i - 0.4), 0.9, 0.8, color=colours[passed]))
        ax.text(j, i, "✓" if passed else "✗", ha="center", va="center", color="white")
    ax.set(xlim=(-0.5, grid.shape[1] - 0.5), ylim=(grid.shape[0] - 0.5, -0.5))
    ax.set_xticks(range(grid.shape[1]), [c.replace("_", " ") for c in grid.columns], rotation=30)
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for spine in ax.spines.values():
        spine.set_visible(False)
    n_pass = int(verdicts["passed"].sum())
    ax.set(
        xlabel="GIA experiment",
        ylabel="synthetic RBP",
        title=f"Planted rules recovered: {n_pass} of {len(verdicts)} checks pass",
    )
    fig.tight_layout()
    save_figure(fig, path)
