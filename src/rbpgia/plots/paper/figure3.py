"""Figure 3: structural context of a structure-sensitive RBP."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.ticker import MaxNLocator

from rbpgia.gia.experiments.hairpin import LOOP_EFFECT, LOOP_MINUS_STEM, STEM_EFFECT
from rbpgia.plots.logos import draw_logo
from rbpgia.plots.paper.analysis import STRUCTURE_LETTERS, STRUCTURE_NAMES
from rbpgia.plots.paper.common import (
    IMPORTANCE,
    importance_bars,
    missing,
    not_run,
    panel_labels,
    ranked_with_ci,
)
from rbpgia.plots.style import GREY, PALETTE, PAPER_WIDTH, paper_style, plt

STRUCTURE_COLORS = dict(
    zip(STRUCTURE_LETTERS, [GREY, *(PALETTE[i] for i in (0, 2, 4, 1))], strict=True)
)
HAIRPIN_LABELS = {
    "loop": "loop",
    "loop_control": "loop,\nunpaired",
    "stem": "stem",
    "stem_control": "stem,\nunpaired",
    "partner_control": "partner\nalone",
    LOOP_EFFECT: "Δ loop",
    STEM_EFFECT: "Δ stem",
    LOOP_MINUS_STEM: "loop − stem",
}


def figure3(
    rbp: str,
    motif: str,
    hairpin: pd.DataFrame | None,
    loop_minus_stem: pd.DataFrame | None,
    profiles: dict | None,
    input_performance: pd.DataFrame | None = None,
) -> Figure:
    """Figure 3: structural context of a structure-sensitive RBP.

    Parameters
    ----------
    rbp, motif : str
    hairpin : pd.DataFrame or None
        The GIA hairpin table (conditions, controls and contrasts with their CIs,
        optionally ``fold_fraction``); None when not run.
    loop_minus_stem : pd.DataFrame or None
        The ``loop - stem`` contrast of every RBP (index RBP; ``value``, ``ci_low``,
        ``ci_high``), for panel B.
    profiles : dict or None
        :func:`motif_structure_profiles` of this RBP's Set B probes.
    input_performance : pd.DataFrame or None
        This RBP's rows of performance.tsv; when ``pu``/``struct`` models were trained,
        panel B's title gives their Pearson r against ``seq``.

    Panels: A importance of the motif in a hairpin loop and a stem, each beside its
    control (the same letters in the unpaired design), and the paired structure effects;
    B loop minus stem (net of position) across RBPs, with 95% CIs; C, D logos of the mean
    structure profile (P paired, H hairpin loop, I interior loop, M multi-loop, E exterior)
    around the motif in strongly and weakly bound probes.
    """
    with paper_style():
        fig = plt.figure(figsize=(PAPER_WIDTH, 5.6), layout="constrained")
        grid = GridSpec(2, 2, figure=fig, width_ratios=[1, 1.1])
        axes = [fig.add_subplot(grid[i, j]) for i in range(2) for j in range(2)]
        panel_hairpin(axes[0], hairpin, rbp, motif)
        panel_loop_minus_stem(axes[1], loop_minus_stem, rbp, input_performance)
        panel_profiles(axes[2], axes[3], profiles, motif)
        panel_labels(axes)
        structure_legend(fig)
        fig.suptitle(f"Figure 3. Structural context of a structure-sensitive RBP: {rbp}")
    return fig


def panel_hairpin(ax, hairpin: pd.DataFrame | None, rbp: str, motif: str) -> None:
    """A: the motif in a hairpin loop and a stem, beside their controls, and the contrasts."""
    if missing(ax, hairpin, "not run: add hairpin to gia.experiments", title="hairpin context"):
        return
    table = hairpin[hairpin["condition"].isin(list(HAIRPIN_LABELS))].reset_index(drop=True)
    labels = [HAIRPIN_LABELS[c] for c in table["condition"]]
    if "fold_fraction" in table:
        labels = [
            f"{label}\n(folds {f:.0%})" if np.isfinite(f) else label
            for label, f in zip(labels, table["fold_fraction"], strict=True)
        ]
    importance_bars(ax, labels, table)
    # Seven two-line labels under a half-width panel: slanted, so that none overlaps.
    ax.tick_params(axis="x", labelsize=6)
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    ax.set(
        xlabel="context (unpaired: same letters, no stem; hatched: differences)",
        ylabel=IMPORTANCE,
        title=f"{rbp}: {motif} in a hairpin loop vs a stem",
    )


def panel_loop_minus_stem(
    ax, values: pd.DataFrame | None, rbp: str, input_performance: pd.DataFrame | None
) -> None:
    """B: loop minus stem across RBPs with 95% CIs, this RBP highlighted."""
    if missing(
        ax, values, "not run: add hairpin to gia.experiments", title="loop − stem across RBPs"
    ):
        return
    ranked_with_ci(ax, values, highlight=[rbp])
    title = "Loop − stem, net of position, across RBPs"
    if input_performance is not None and len(input_performance) > 1:
        r = input_performance.groupby("input")["pearson_r"].max()
        title += "\n" + ", ".join(f"{i} r = {v:.2f}" for i, v in r.items())
        title += f" ({rbp})"
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set(
        xlabel="loop − stem structure effect (Δ z-score, 95% CI)",
        ylabel="RBP" if len(values) <= 25 else "RBPs (ranked)",
        title=title,
    )


def panel_profiles(ax_bound, ax_unbound, profiles: dict | None, motif: str) -> None:
    """C, D: structure around the motif in strongly and in weakly bound probes."""
    if profiles is None:
        for ax in (ax_bound, ax_unbound):
            not_run(ax, "not run: no structure profiles in probes.h5")
        return
    panel_structure_logo(
        ax_bound,
        profiles["bound"],
        motif,
        f"strongly bound probes with {motif} (top 10%, n = {profiles['n_bound']})",
    )
    panel_structure_logo(
        ax_unbound,
        profiles["unbound"],
        motif,
        f"weakly bound probes with {motif} (below median, n = {profiles['n_unbound']})",
    )


def panel_structure_logo(ax, profile: pd.DataFrame, motif: str, title: str) -> None:
    """A logo of the mean structure profile around the motif (shaded)."""
    if profile.isna().all().all():
        not_run(ax, f"not run: no probe contains {motif}", title=title)
        return
    draw_logo(ax, profile.fillna(0.0), STRUCTURE_COLORS)
    m = len(motif)
    ax.axvspan(-0.5, m - 0.5, color=PALETTE[1], alpha=0.12, lw=0, zorder=0)
    ax.set_xticks(profile.index)
    ax.set_xticklabels(
        [motif[p] if 0 <= p < m else (str(p) if p % 5 == 0 else "") for p in profile.index]
    )
    ax.set(
        ylim=(0, 1),
        ylabel="mean probability",
        xlabel="position relative to the motif (nt; motif shaded)",
        title=title,
    )


def structure_legend(fig: Figure) -> None:
    """The structure letters and their colours, below the figure."""
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=STRUCTURE_COLORS[letter]) for letter in STRUCTURE_LETTERS
    ]
    fig.legend(
        handles,
        [
            f"{letter} {name}"
            for letter, name in zip(STRUCTURE_LETTERS, STRUCTURE_NAMES, strict=True)
        ],
        loc="outside lower center",
        ncols=5,
        frameon=False,
        title="structure profile (ViennaRNA, W = L = 41)",
    )
