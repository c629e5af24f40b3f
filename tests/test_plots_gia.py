"""GIA figures draw extrapolated conditions apart: hollow markers and bars, crossed cells."""

import numpy as np
import pandas as pd
import pytest

from rbpgia.plots import gia as plots
from rbpgia.plots.gia import EXTRAPOLATED_LABEL, GRID_HATCH, plot_experiment


@pytest.fixture
def figures(monkeypatch):
    """The figures drawn, kept open (their files are still written)."""
    drawn = []

    def keep(fig, path):
        fig.savefig(path)
        drawn.append(fig)

    monkeypatch.setattr(plots, "save_figure", keep)
    return drawn


def table(experiment, rows, **labels):
    """A table of ``rows`` (condition, kind, importance, extrapolated)."""
    frame = pd.DataFrame(rows, columns=["condition", "kind", "importance", "extrapolated"])
    frame = frame.assign(experiment=experiment, motif="UGCAUG", **labels)
    frame["ci_low"] = frame["importance"] - 0.1
    frame["ci_high"] = frame["importance"] + 0.1
    frame["support"] = np.where(frame["extrapolated"].eq(True), 0.0, 50.0)
    return frame


def legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def test_line_draws_extrapolated_counts_hollow_with_a_legend_entry(figures, tmp_path):
    rows = [("1", "condition", 1.0, False), ("2", "condition", 2.0, True)]
    rows += [("3", "condition", 3.0, True), ("2 - 1", "contrast", 1.0, True)]
    result = table("motif_count", rows, n_sites=[1, 2, 3, 2], slope=1.0, intercept=0.0, r2=1.0)
    plot_experiment("motif_count", result, tmp_path / "count.png", "count")
    ax = figures[0].axes[0]
    assert EXTRAPOLATED_LABEL in legend_texts(ax)
    hollow = [line for line in ax.lines if line.get_markerfacecolor() == "white"]
    assert [list(line.get_xdata()) for line in hollow] == [[2, 3]]


def test_line_without_support_has_no_extrapolated_entry(figures, tmp_path):
    rows = [("1", "condition", 1.0, None), ("2", "condition", 2.0, None)]
    result = table("motif_count", rows, n_sites=[1, 2], slope=1.0, intercept=0.0, r2=1.0)
    result = result.drop(columns=["extrapolated"])  # a table written before support
    plot_experiment("motif_count", result, tmp_path / "count.png", "count")
    assert EXTRAPOLATED_LABEL not in legend_texts(figures[0].axes[0])


def test_bars_draw_extrapolated_rows_hollow(figures, tmp_path):
    rows = [("loop", "condition", 1.0, True), ("stem", "condition", 0.5, False)]
    rows += [("loop - stem", "contrast", 0.5, True)]
    plot_experiment("hairpin", table("hairpin", rows), tmp_path / "hairpin.png", "hairpin")
    ax = figures[0].axes[0]
    faces = [patch.get_facecolor() for patch in ax.patches]
    white = (1.0, 1.0, 1.0, 1.0)
    assert [face == white for face in faces] == [True, False, True]
    assert ax.patches[2].get_hatch() == "//"  # still a contrast
    assert EXTRAPOLATED_LABEL in legend_texts(ax)


def test_grid_crosses_out_extrapolated_cells(figures, tmp_path):
    rows = [(f"{x}_{y}", "condition", 0.1, x == "A" and y == "C") for x in "ACGU" for y in "ACGU"]
    result = table(
        "flanks",
        rows,
        five_prime=[x for x in "ACGU" for _ in "ACGU"],
        three_prime=[y for _ in "ACGU" for y in "ACGU"],
    )
    plot_experiment("flanks", result, tmp_path / "flanks.png", "flanks")
    ax = figures[0].axes[0]
    crossed = [patch for patch in ax.patches if patch.get_hatch() == GRID_HATCH]
    # Row A (0), column C (1): the cell centred at (1, 0).
    assert [patch.get_xy() for patch in crossed] == [(0.5, -0.5)]
    assert legend_texts(ax) == [EXTRAPOLATED_LABEL.replace("\n", " ")]


def test_summary_keeps_an_rbp_whose_headline_is_none(figures, tmp_path):
    summary = pd.DataFrame(
        {
            "rbp": ["A", "B", "A", "B"],
            "experiment": ["spacing", "spacing", "positional", "positional"],
            "headline": ["gap (nt)", "gap (nt)", "start", "start"],
            "value": [5.0, np.nan, 12.0, 20.0],
            "ci_low": np.nan,
            "ci_high": np.nan,
        }
    )
    plots.plot_summary(summary, tmp_path / "summary.png")
    spacing, positional = figures[0].axes[:2]
    assert [t.get_text() for t in spacing.get_yticklabels()] == ["A", "B (none)"]
    assert spacing.get_ylim()[1] > 1  # the "none" row stays in view
    assert [t.get_text() for t in positional.get_yticklabels()] == ["A", "B"]
