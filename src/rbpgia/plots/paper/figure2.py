"""Figure 2: a motif-driven RBP."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.ticker import MaxNLocator
from scipy import stats

from rbpgia.gia.experiments.patterns import MIN_FIT as PATTERNS_MIN_FIT
from rbpgia.gia.experiments.spacing import INTERACTION, interactions
from rbpgia.plots.logos import draw_heights, draw_logo, shared_ylim
from rbpgia.plots.paper.analysis import affinity_join, mutagenesis_logo_matrix
from rbpgia.plots.paper.common import (
    IMPORTANCE,
    MEASURED,
    PREDICTED,
    ci_errors,
    missing,
    not_run,
    panel_labels,
    zero_line,
)
from rbpgia.plots.style import GREY, PALETTE, PAPER_MIN_FONT, PAPER_WIDTH, paper_style, plt

MATCH_COLORS = {"≥2 mismatches": GREY, "1 mismatch": PALETTE[1], "exact match": PALETTE[0]}


def figure2(
    rbp: str,
    motif: str,
    predictions: pd.DataFrame | None,
    kmer_search: pd.DataFrame | None,
    kmer_mutagenesis: pd.DataFrame | None = None,
    ism: Sequence[tuple[np.ndarray, str, str]] = (),
    motif_count: pd.DataFrame | None = None,
    spacing: pd.DataFrame | None = None,
    affinity: pd.DataFrame | None = None,
    affinity_label: str = "measured affinity",
    top_kmers: int = 10,
    patterns: pd.DataFrame | None = None,
) -> Figure:
    """Figure 2: a motif-driven RBP.

    Parameters
    ----------
    rbp, motif : str
        The RBP and the motif its GIA experiments used.
    predictions : pd.DataFrame or None
        Set B ``measured``, ``predicted`` and ``match`` (see :func:`match_class`).
    kmer_search : pd.DataFrame or None
        The GIA k-mer search (``kmer``, ``importance``, ``ci_low``, ``ci_high``).
    kmer_mutagenesis, motif_count, spacing : pd.DataFrame or None
        GIA tables; None when the experiment was not run.
    ism : sequence of (matrix (len, 4), sequence, label)
        In-silico mutagenesis of top probes, each cropped to its probe.
    affinity : pd.DataFrame or None
        Measured affinities (``kmer``, ``affinity``), joined to the k-mer search.
    affinity_label : str
        Axis label of the measured affinity, with its unit.
    patterns : pd.DataFrame or None
        The GIA ``patterns`` table; with measured values for at least 3 patterns (an
        affinity table in ``gia.design.patterns``) panel G shows it instead of the k-mer
        join: importance against ln affinity, as the paper's RBFOX1 panel.

    Panels: A prediction scatter coloured by best motif match, B top k-mers, C GIA
    mutagenesis logo of the motif, D ISM logos of the top probes, E motif count effect,
    F spacing effect, G GIA importance vs measured affinity.
    """
    n_ism = max(len(ism), 1)
    with paper_style():
        fig = plt.figure(figsize=(PAPER_WIDTH, 6.6 + 0.75 * n_ism), layout="constrained")
        outer = GridSpec(3, 1, figure=fig, height_ratios=[2.3, 0.8 * n_ism, 2.1])
        top = outer[0].subgridspec(1, 3, width_ratios=[1.15, 0.8, 1.05])
        bottom = outer[2].subgridspec(1, 3)
        ax_scatter, ax_kmers, ax_mut = (fig.add_subplot(top[0, i]) for i in range(3))
        ism_grid = outer[1].subgridspec(n_ism, 1)
        ism_axes = [fig.add_subplot(ism_grid[i, 0]) for i in range(n_ism)]
        ax_count, ax_spacing, ax_affinity = (fig.add_subplot(bottom[0, i]) for i in range(3))

        panel_predictions(ax_scatter, predictions, rbp, motif)
        panel_top_kmers(ax_kmers, kmer_search, top_kmers)
        panel_mutagenesis(ax_mut, kmer_mutagenesis, motif)
        panel_ism(ism_axes, ism)
        panel_motif_count(ax_count, motif_count, motif)
        panel_spacing(ax_spacing, spacing)
        fitted = patterns is not None and patterns["fit_n"].iloc[0] >= PATTERNS_MIN_FIT
        # A fit over equal values is NaN: then the k-mer join, not a line of NaN.
        if fitted and np.isfinite(patterns["pearson_r"].iloc[0]):
            panel_patterns(ax_affinity, patterns)
        else:
            panel_affinity(ax_affinity, kmer_search, affinity, affinity_label)
        panel_labels([ax_scatter, ax_kmers, ax_mut, ism_axes[0], ax_count, ax_spacing, ax_affinity])
        fig.suptitle(f"Figure 2. A motif-driven RBP: {rbp} ({motif})")
    return fig


def panel_predictions(ax, predictions: pd.DataFrame | None, rbp: str, motif: str) -> None:
    """A: predicted against measured Set B binding, coloured by the best motif match."""
    if missing(
        ax, predictions, "not run: no Set B predictions of the main model", title="predictions"
    ):
        return
    for level, colour in MATCH_COLORS.items():
        part = predictions[predictions["match"] == level]
        if len(part):
            ax.scatter(
                part["measured"],
                part["predicted"],
                s=4 if level != "exact match" else 6,
                alpha=0.55,
                color=colour,
                label=f"{level} (n = {len(part)})",
                rasterized=True,
                lw=0,
            )
    r = np.corrcoef(predictions["measured"], predictions["predicted"])[0, 1]
    ax.set(xlabel=MEASURED, ylabel=PREDICTED, title=f"{rbp}: Set B, Pearson r = {r:.2f}")
    ax.legend(title=f"best match to {motif}", frameon=False, markerscale=2, loc="upper left")


def panel_top_kmers(ax, kmer_search: pd.DataFrame | None, top_kmers: int) -> None:
    """B: the top k-mers of the GIA search with their CIs, best at the top."""
    if missing(ax, kmer_search, "not run: no k-mer search table", title="k-mer search"):
        return
    best = kmer_search.sort_values("importance", ascending=False).head(top_kmers).iloc[::-1]
    ax.barh(best["kmer"], best["importance"], xerr=ci_errors(best), color=PALETTE[0])
    ax.tick_params(axis="y", labelfontfamily="monospace")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    zero_line(ax, "x")
    ax.set(xlabel=IMPORTANCE, title=f"GIA k-mer search (top {len(best)})")


def panel_mutagenesis(ax, kmer_mutagenesis: pd.DataFrame | None, motif: str) -> None:
    """C: GIA mutagenesis logo of the motif."""
    if missing(
        ax,
        kmer_mutagenesis,
        "not run: add kmer_mutagenesis\nto gia.experiments",
        title="GIA mutagenesis of the motif",
    ):
        return
    matrix = mutagenesis_logo_matrix(kmer_mutagenesis)
    draw_logo(ax, matrix)
    zero_line(ax)
    ax.set_xticks(matrix.index)
    ax.set(
        xlabel=f"position in the motif {motif}",
        ylabel="importance minus position\nmean (Δ z-score)",
        title="GIA mutagenesis of the motif",
    )


def panel_ism(axes, ism: Sequence[tuple[np.ndarray, str, str]]) -> None:
    """D: ISM logos of the top probes, one axis each, on one y scale."""
    if not ism:
        not_run(
            axes[0],
            "not run: no in-silico mutagenesis (set figures.ism_probes >= 1)",
            title="in-silico mutagenesis of top probes",
        )
        return
    ylim = shared_ylim([np.asarray(matrix, dtype=float) for matrix, _, _ in ism])
    longest = max(len(sequence) for _, sequence, _ in ism)
    for ax, (matrix, sequence, label) in zip(axes, ism, strict=True):
        draw_heights(matrix, ax, start=1)
        ax.set(xlim=(0.4, longest + 0.6), ylim=ylim, ylabel="ISM\n(−Δ z-score)")
        ax.set_xticks(np.arange(5, len(sequence) + 1, 5))
        ax.set_title(label, loc="left")
    axes[-1].set_xlabel("probe position (nt, 5' to 3')")


def _importance_line(ax, table: pd.DataFrame, x: str, fit=None) -> None:
    """Importance against ``x`` with its CI band, and the linear ``fit`` when given."""
    table = table.sort_values(x)
    ax.fill_between(table[x], table["ci_low"], table["ci_high"], color=PALETTE[0], alpha=0.25, lw=0)
    ax.plot(table[x], table["importance"], marker="o", ms=3.5, color=PALETTE[0], label="GIA")
    if fit is not None and np.all(np.isfinite(fit)):
        slope, intercept, _ = fit
        xs = np.array([table[x].min(), table[x].max()], dtype=float)
        ax.plot(
            xs,
            slope * xs + intercept,
            ls="--",
            color=PALETTE[3],
            label=f"linear fit: {slope:.2g}/copy, R² = {fit[2]:.2f}",
        )
        ax.legend(frameon=False, loc="best")
    zero_line(ax)


def panel_motif_count(ax, motif_count: pd.DataFrame | None, motif: str) -> None:
    """E: importance against the number of motif copies, with the linear fit.

    Compared motifs (``motif_count(..., compare=[...])``, e.g. the paper's sub-optimal
    AGAAUG beside RBFOX1's UGCAUG) are drawn as their own lines, with one site of the
    motif as the reference level.
    """
    if missing(
        ax, motif_count, "not run: add motif_count\nto gia.experiments", title="motif count"
    ):
        return
    fit = None
    if {"slope", "intercept", "r2"} <= set(motif_count.columns):
        fit = tuple(float(v) for v in motif_count[["slope", "intercept", "r2"]].iloc[0])
    counts = motif_count
    if "kind" in counts:
        counts = counts[counts["kind"] == "condition"]
    own = counts
    if "pattern" in counts:
        own = counts[counts["pattern"] == motif]
    _importance_line(ax, own, "n_sites", fit)
    others = (
        [] if "pattern" not in counts else [p for p in counts["pattern"].unique() if p != motif]
    )
    for colour, other in zip(PALETTE[1:], others, strict=False):
        line = counts[counts["pattern"] == other].sort_values("n_sites")
        ax.fill_between(
            line["n_sites"], line["ci_low"], line["ci_high"], color=colour, alpha=0.2, lw=0
        )
        ax.plot(line["n_sites"], line["importance"], marker="s", ms=3, color=colour, label=other)
    if others:
        one_site = float(own.loc[own["n_sites"] == 1, "importance"].iloc[0])
        ax.axhline(one_site, color=GREY, lw=0.8, ls=":", label=f"one {motif}")
        ax.legend(frameon=False, loc="best")
    if others:
        title, xlabel = f"Motif count: {motif} and {', '.join(others)}", "copies embedded"
    else:
        title, xlabel = "Motif count", f"copies of {motif} embedded"
    ax.set(xlabel=xlabel, ylabel=IMPORTANCE, title=title)
    ax.xaxis.get_major_locator().set_params(integer=True)


def panel_spacing(ax, spacing: pd.DataFrame | None) -> None:
    """F: importance of two motif copies against their gap, and their cooperativity."""
    if missing(ax, spacing, "not run: add spacing\nto gia.experiments", title="motif spacing"):
        return
    pair = spacing[spacing["condition"] == "pair"]
    cooperation = spacing[spacing["condition"] == INTERACTION].sort_values("spacing")
    # The gaps the headline reads: not those whose pairs spell extra copies of the motif.
    counted = interactions(spacing)
    _importance_line(ax, pair, "spacing")
    ax.fill_between(
        cooperation["spacing"], cooperation["ci_low"], cooperation["ci_high"],
        color=PALETTE[1], alpha=0.25, lw=0,
    )  # fmt: skip
    ax.plot(
        cooperation["spacing"], cooperation["importance"], marker="s", ms=3,
        color=PALETTE[1], label="pair − single sites",
    )  # fmt: skip
    ax.legend(frameon=False, loc="best")
    best = counted.loc[counted["importance"].idxmax()] if len(counted) else None
    if best is not None and best["ci_low"] > 0:
        ax.axvline(best["spacing"], color=PALETTE[3], lw=0.8, ls=":")
        title = f"Motif spacing (cooperativity peaks at {int(best['spacing'])} nt)"
    else:
        title = "Motif spacing (no gap's cooperativity CI above 0)"
    ax.set(xlabel="gap between two motif copies (nt)", ylabel=IMPORTANCE, title=title)


def panel_affinity(
    ax, kmer_search: pd.DataFrame | None, affinity: pd.DataFrame | None, label: str
) -> None:
    """G: GIA importance of each k-mer against its measured affinity."""
    joined = affinity_join(kmer_search, affinity)
    if len(joined) >= 3:
        ax.scatter(joined["affinity"], joined["importance"], s=8, color=PALETTE[0], lw=0)
        rho = stats.spearmanr(joined["affinity"], joined["importance"]).statistic
        r = np.corrcoef(joined["affinity"], joined["importance"])[0, 1]
        ax.set(
            xlabel=label,
            ylabel=f"GIA {IMPORTANCE}",
            title=f"GIA vs measured affinity\n{len(joined)} k-mers: r = {r:.2f}, "
            f"Spearman ρ = {rho:.2f}",
        )
        zero_line(ax)
    elif affinity is not None:
        not_run(
            ax,
            "not run: fewer than 3 k-mers\nof the affinity table are in\nthe k-mer "
            "search (give\nk-mers of length gia.k)",
            title="GIA vs measured affinity",
        )
    else:
        not_run(
            ax,
            "not run: no measured affinity\nconfigured; set figures.affinity\n"
            "(a TSV with columns kmer,\naffinity) to compare",
            title="GIA vs measured affinity",
        )


def panel_patterns(ax, table: pd.DataFrame) -> None:
    """G: GIA importance of each configured pattern against its ln measured affinity."""
    measured = table[np.isfinite(table["log_affinity"])].sort_values("log_affinity")
    ax.errorbar(
        measured["log_affinity"], measured["importance"], yerr=ci_errors(measured),
        fmt="o", ms=4, color=PALETTE[0], capsize=2, lw=0.8,
    )  # fmt: skip
    first = table.iloc[0]
    x = measured["log_affinity"].to_numpy()
    ax.plot(x, first["slope"] * x + first["intercept"], color=PALETTE[1], lw=0.9)
    for row in measured.itertuples():
        ax.annotate(row.pattern, (row.log_affinity, row.importance), fontsize=PAPER_MIN_FONT,
                    xytext=(3, 3), textcoords="offset points")  # fmt: skip
    zero_line(ax)
    ax.set(
        xlabel="ln measured affinity (e.g. ln K_D)",
        ylabel=f"GIA {IMPORTANCE}",
        title=f"GIA vs measured affinity\n{int(first['fit_n'])} patterns: "
        f"r = {first['pearson_r']:.2f}, p = {first['fit_p']:.2g}",
    )
