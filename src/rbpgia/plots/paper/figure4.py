"""Figure 4: GC bias."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.ticker import MaxNLocator

from rbpgia.gia.experiments.gc_bias import EFFECT_3P, EFFECT_5P, THREE_MINUS_FIVE
from rbpgia.plots.paper.common import (
    IMPORTANCE,
    ci_errors,
    importance_bars,
    missing,
    not_run,
    panel_labels,
    zero_line,
)
from rbpgia.plots.style import PALETTE, PAPER_WIDTH, palette_color, paper_style, plt

GC_LABELS = {
    "motif": "motif",
    "gc_5p": "GC 5'",
    "gc_3p": "GC 3'",
    "motif+gc_5p": "GC 5' + motif",
    "motif+gc_3p": "motif + GC 3'",
    EFFECT_5P: "Δ GC 5'",
    EFFECT_3P: "Δ GC 3'",
    THREE_MINUS_FIVE: "3' − 5'",
}
# The change GC beside the motif brings, per end: its label and colour.
GC_ENDS = {EFFECT_5P: ("GC 5'", PALETTE[0]), EFFECT_3P: ("GC 3'", PALETTE[3])}


def figure4(
    gc_tables: Mapping[str, pd.DataFrame],
    gc_effects: pd.DataFrame | None,
    gc_binding: Mapping[str, pd.DataFrame] | None = None,
) -> Figure:
    """Figure 4: GC bias.

    Parameters
    ----------
    gc_tables : mapping RBP -> GIA gc_bias table
        The example RBPs (``condition``, ``importance``, CI); empty when not run.
    gc_effects : pd.DataFrame or None
        :func:`gc_contrasts` of every RBP: per end, the change a GC-rich k-mer brings
        beside the motif, and 3' minus 5', each with its paired 95% CI.
    gc_binding : mapping RBP -> :func:`binned_means` of measured binding over probe GC
        The measured Set B binding against the probes' GC fraction, for the examples.

    Panels: one bar panel per example RBP (motif alone, GC k-mer alone, both, and the
    paired changes), then the GC effect per end across RBPs and the measured binding
    against GC content.
    """
    examples = list(gc_tables)
    example_colors = {rbp: palette_color(i + 1) for i, rbp in enumerate(examples)}
    with paper_style():
        fig = plt.figure(figsize=(PAPER_WIDTH, 5.4), layout="constrained")
        grid = GridSpec(2, 1, figure=fig, height_ratios=[1, 1])
        top = grid[0].subgridspec(1, max(len(examples), 1))
        bottom = grid[1].subgridspec(1, 2, width_ratios=[1.1, 1])
        example_axes = [fig.add_subplot(top[0, i]) for i in range(max(len(examples), 1))]
        ax_effects, ax_binding = fig.add_subplot(bottom[0, 0]), fig.add_subplot(bottom[0, 1])

        if not examples:
            not_run(example_axes[0], "not run: add gc_bias to gia.experiments", title="GC bias")
        for ax, rbp in zip(example_axes, examples, strict=False):
            panel_example(ax, rbp, gc_tables[rbp], example_colors[rbp])
        panel_effects(ax_effects, gc_effects, example_colors)
        panel_binding(ax_binding, gc_binding, example_colors)
        panel_labels([*example_axes, ax_effects, ax_binding])
        fig.suptitle("Figure 4. GC bias of RBP binding")
    return fig


def panel_example(ax, rbp: str, table: pd.DataFrame, colour) -> None:
    """One example RBP: motif alone, GC k-mer alone, both, and the paired changes."""
    table = table[table["condition"].isin(list(GC_LABELS))].reset_index(drop=True)
    importance_bars(ax, [GC_LABELS[c] for c in table["condition"]], table)
    ax.tick_params(axis="x", rotation=40)
    for label in ax.get_xticklabels():
        label.set_ha("right")
    motif = table["motif"].iloc[0] if "motif" in table else ""
    ax.set(ylabel=IMPORTANCE, title=f"{rbp} ({motif})")
    ax.title.set_color(colour)


def panel_effects(ax, effects: pd.DataFrame | None, example_colors: Mapping) -> None:
    """Per end, what GC beside the motif changes, across RBPs (with CIs when few)."""
    if missing(
        ax, effects, "not run: add gc_bias to gia.experiments", title="GC effect across RBPs"
    ):
        return
    wide = effects.pivot(index="rbp", columns="condition", values="importance")
    if len(wide) >= 15:
        _effects_histogram(ax, wide, example_colors)
    else:
        _effects_bars(ax, effects, wide.mean(axis=1).sort_values().index)
    zero_line(ax, "x")
    ax.legend(frameon=False, fontsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set_title(f"GC beside the motif, per end, {len(wide)} RBPs ({_end_counts(effects)})")


def _end_counts(effects: pd.DataFrame) -> str:
    """How many RBPs' 3' − 5' contrasts exclude 0 either way (point estimates alone would
    count noise: across 244 RBPs that overstates an end preference)."""
    contrast = effects[effects["condition"] == THREE_MINUS_FIVE]
    later = int((contrast["ci_low"] > 0).sum())
    earlier = int((contrast["ci_high"] < 0).sum())
    return f"3' > 5' in {later}, 5' > 3' in {earlier}, CIs apart"


def _effects_histogram(ax, wide: pd.DataFrame, example_colors: Mapping) -> None:
    """Many RBPs: a histogram per end, the examples' 3' effects marked."""
    for condition, (label, colour) in GC_ENDS.items():
        ax.hist(wide[condition].dropna(), bins="auto", color=colour, alpha=0.5, label=label)
    for rbp, colour in example_colors.items():
        if rbp in wide.index:
            ax.axvline(wide.loc[rbp, EFFECT_3P], color=colour, lw=1.5)
    ax.set(xlabel="change beside the motif (Δ z-score)", ylabel="RBPs")


def _effects_bars(ax, effects: pd.DataFrame, order: pd.Index) -> None:
    """Few RBPs: per RBP (in ``order``), a bar per end with its 95% CI."""
    y = np.arange(len(order))
    for k, (condition, (label, colour)) in enumerate(GC_ENDS.items()):
        part = effects[effects["condition"] == condition].set_index("rbp").loc[order]
        ax.barh(
            y + (k - 0.5) * 0.4, part["importance"], height=0.4, xerr=ci_errors(part),
            color=colour, capsize=2, label=label,
        )  # fmt: skip
    ax.set_yticks(y, order)
    ax.set(xlabel="change beside the motif (Δ z-score, 95% CI)", ylabel="RBP")


def panel_binding(ax, gc_binding: Mapping[str, pd.DataFrame] | None, example_colors) -> None:
    """Measured Set B binding against the probes' GC fraction, per example RBP."""
    if missing(ax, gc_binding, "not run: no measured Set B binding", title="binding vs GC"):
        return
    for rbp, curve in gc_binding.items():
        if not len(curve):
            continue
        ax.errorbar(
            curve["x"], curve["mean"], yerr=curve["ci"], marker="o", ms=3.5,
            color=example_colors.get(rbp, PALETTE[0]), capsize=2, label=rbp,
        )  # fmt: skip
    zero_line(ax)
    ax.set(
        xlabel="GC fraction of the probe",
        ylabel="mean measured intensity\n(z-score, 95% CI)",
        title="Measured binding vs probe GC (Set B)",
    )
    ax.legend(frameon=False)
