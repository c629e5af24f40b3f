"""The paper's figures (Koo et al. 2021, Figures 1-4) regenerated from the workflow's tables.

Every ``figure*`` function is pure: tables and arrays in, a :class:`matplotlib.figure.Figure`
out; :func:`save_paper_figure` writes it as PDF (vector, TrueType fonts) and PNG (300 dpi).
A panel whose data the run does not have (a normalisation, an input type, a GIA experiment
or a measured affinity that was not configured) shows a "not run: ..." note that says which
config key to set, instead of failing; :func:`not_run_notes` lists those notes.

Style: 7.2-inch-wide (183 mm, two-column) figures, fonts of at least 8 pt at that size,
seaborn's colour-blind-safe ``colorblind`` palette, axes labelled with their units.
Predictions and measurements are z-scored normalised intensities, so effects are in
z-score units (standard deviations of the normalised intensity).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

import logomaker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import MatplotlibDeprecationWarning
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.ticker import MaxNLocator
from scipy import stats

from rbpgia.encode.onehot import pad_offsets
from rbpgia.gia.experiments.gc_bias import EFFECT_3P, EFFECT_5P, THREE_MINUS_FIVE
from rbpgia.gia.experiments.hairpin import LOOP_EFFECT, LOOP_MINUS_STEM, STEM_EFFECT
from rbpgia.gia.experiments.spacing import INTERACTION
from rbpgia.io import atomic_path
from rbpgia.plots.style import plt
from rbpgia.sequence import ALPHABET

WIDTH = 7.2  # inches: a two-column journal figure (183 mm)
MIN_FONT = 8  # pt at print size
COLORS = sns.color_palette("colorblind")
GREY = COLORS[7]
NUCLEOTIDE_COLORS = {"A": COLORS[2], "C": COLORS[0], "G": COLORS[1], "U": COLORS[3]}
STRUCTURE_LETTERS = ("P", "H", "I", "M", "E")
STRUCTURE_NAMES = ("paired", "hairpin loop", "interior loop", "multi-loop", "exterior")
STRUCTURE_COLORS = dict(zip(STRUCTURE_LETTERS, [COLORS[i] for i in (7, 0, 2, 4, 1)], strict=True))
NOTE_GID = "not-run-note"

MEASURED = "measured intensity (z-score)"
PREDICTED = "predicted intensity (z-score)"
IMPORTANCE = "global importance (Δ z-score)"
PEARSON = "Pearson r on Set B"

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays editable
    "ps.fonttype": 42,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
}

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
HAIRPIN_LABELS = {
    "loop": "loop",
    "loop_control": "loop cols,\nunfolded",
    "stem": "stem",
    "stem_control": "stem cols,\nunfolded",
    "partner_control": "partner\nalone",
    LOOP_EFFECT: "Δ loop",
    STEM_EFFECT: "Δ stem",
    LOOP_MINUS_STEM: "loop − stem",
}


# ----------------------------------------------------------------------------- helpers


def _style():
    """A context in which figures get the paper's fonts, spines and palette."""
    return plt.rc_context({**RC, "axes.prop_cycle": plt.cycler(color=COLORS)})


def panel_label(ax, letter: str) -> None:
    """Start the panel's title with its bold letter (the title moves to the left)."""
    title = ax.get_title() or ax.get_title(loc="left")
    ax.set_title("")
    ax.set_title(f"$\\bf{{{letter}}}$   {title}", loc="left")


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
        fontsize=MIN_FONT,
        color="0.25",
        gid=NOTE_GID,
    )


def not_run_notes(fig: Figure) -> list[str]:
    """Texts of every "not run" note in ``fig`` (empty when every panel has its data)."""
    return [text.get_text() for ax in fig.axes for text in ax.texts if text.get_gid() == NOTE_GID]


def save_paper_figure(fig: Figure, stem: str | os.PathLike) -> list[str]:
    """Write ``fig`` to ``stem``.pdf and ``stem``.png (300 dpi) atomically; close it."""
    paths = []
    with _style():
        for suffix, dpi in ((".pdf", None), (".png", 300)):
            path = os.fspath(stem) + suffix
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=suffix[1:], dpi=dpi or "figure")
            paths.append(path)
    plt.close(fig)
    return paths


def _errors(table: pd.DataFrame) -> np.ndarray:
    return np.vstack(
        [table["importance"] - table["ci_low"], table["ci_high"] - table["importance"]]
    ).clip(min=0)


def _zero_line(ax, axis: str = "y") -> None:
    (ax.axhline if axis == "y" else ax.axvline)(0, color="0.3", lw=0.6, zorder=0)


def _importance_bars(ax, labels, table: pd.DataFrame, colours, capsize: float = 3) -> None:
    """One bar per row: importance with its 95% CI, over the zero line; contrasts hatched."""
    bars = ax.bar(labels, table["importance"], yerr=_errors(table), color=colours, capsize=capsize)
    if "kind" in table:
        for bar, kind in zip(bars, table["kind"], strict=True):
            if kind == "contrast":
                bar.set_hatch("//")
                bar.set_edgecolor("white")
    _zero_line(ax)


def _kind_colours(table: pd.DataFrame) -> list:
    """Conditions blue, controls grey, contrasts orange (hatched by _importance_bars)."""
    colours = {"condition": COLORS[0], "control": GREY, "contrast": COLORS[1]}
    kinds = table["kind"] if "kind" in table else ["condition"] * len(table)
    return [colours.get(kind, COLORS[0]) for kind in kinds]


def _ranked_with_ci(ax, values: pd.DataFrame, highlight: Sequence[str] = (), colour=None) -> None:
    """Horizontal bars of ``value`` per RBP (index), with ``ci_low``/``ci_high`` when given."""
    values = values.sort_values("value")
    errors = None
    if {"ci_low", "ci_high"} <= set(values.columns) and values["ci_low"].notna().all():
        errors = np.vstack(
            [values["value"] - values["ci_low"], values["ci_high"] - values["value"]]
        ).clip(min=0)
    colours = [COLORS[1] if name in highlight else (colour or COLORS[0]) for name in values.index]
    ax.barh(
        np.arange(len(values)), values["value"].to_numpy(), xerr=errors, color=colours, capsize=2
    )
    if len(values) <= 25:
        ax.set_yticks(np.arange(len(values)), values.index)
    else:
        ax.set_yticks([])
    _zero_line(ax, "x")


def _draw_logo(ax, matrix: pd.DataFrame, colors: Mapping) -> None:
    logomaker.Logo(
        matrix, ax=ax, color_scheme=dict(colors), font_name="DejaVu Sans", baseline_width=0.5
    )


def _short_p(p: float) -> str:
    return "n/a" if not np.isfinite(p) else f"{p:.2g}"


# ----------------------------------------------------------------------------- selection


def _headlines(summary: pd.DataFrame, experiment: str) -> pd.Series:
    part = summary[summary["experiment"] == experiment]
    return part.set_index("rbp")["value"].astype(float).dropna()


def select_motif_rbp(summary: pd.DataFrame) -> str | None:
    """The RBP whose top k-mer has the highest GIA importance (the most motif-driven)."""
    values = _headlines(summary, "kmer_search")
    return None if values.empty else str(values.idxmax())


def select_structure_rbp(summary: pd.DataFrame) -> str | None:
    """The RBP with the largest loop-minus-stem importance of its motif (hairpin GIA)."""
    values = _headlines(summary, "hairpin")
    return None if values.empty else str(values.idxmax())


def select_gc_rbps(summary: pd.DataFrame, n: int = 2) -> list[str]:
    """Example RBPs of the GC-bias figure: the most negative, then the most positive effect."""
    values = _headlines(summary, "gc_bias").sort_values()
    if values.empty:
        return []
    chosen = [values.index[0], values.index[-1], *values.index[1:-1]]
    return [str(rbp) for rbp in dict.fromkeys(chosen)][:n]


# ----------------------------------------------------------------------------- sequence helpers


def motif_mismatches(sequences: Sequence[str], motif: str) -> np.ndarray:
    """Fewest mismatches between ``motif`` and any window of each sequence (int, N).

    Sequences shorter than the motif get ``len(motif)``.
    """
    m = len(motif)
    if not m:
        raise ValueError("empty motif")
    longest = max([len(s) for s in sequences] + [m])
    codes = np.full((len(sequences), longest), 255, dtype=np.uint8)
    for i, sequence in enumerate(sequences):
        codes[i, : len(sequence)] = np.frombuffer(sequence.upper().encode(), dtype=np.uint8)
    target = np.frombuffer(motif.upper().encode(), dtype=np.uint8)
    windows = np.lib.stride_tricks.sliding_window_view(codes, m, axis=1)
    mismatches = (windows != target).sum(axis=2)
    # Only windows that lie wholly inside their sequence count.
    lengths = np.array([len(s) for s in sequences])
    inside = np.arange(windows.shape[1])[None, :] <= (lengths - m)[:, None]
    return np.where(inside, mismatches, m).min(axis=1).astype(int)


def match_class(mismatches: np.ndarray) -> np.ndarray:
    """``exact match``, ``1 mismatch`` or ``≥2 mismatches`` per probe."""
    mismatches = np.asarray(mismatches)
    return np.select(
        [mismatches == 0, mismatches == 1], ["exact match", "1 mismatch"], "≥2 mismatches"
    )


def motif_structure_profiles(
    sequences: Sequence[str],
    structure: np.ndarray,
    measured: np.ndarray,
    motif: str,
    flank: int = 5,
    bound_quantile: float = 0.9,
) -> dict:
    """Mean structure profile around the first exact motif site, bound vs unbound probes.

    Parameters
    ----------
    sequences : sequence of str, length N
    structure : np.ndarray, shape (N, L, 5)
        Probe profiles ``[paired, hairpin, interior, multi, exterior]``, centred in ``L``
        with zero padding (as in ``probes.h5``).
    measured : np.ndarray, shape (N,)
        Measured binding (NaN where missing).
    motif : str
    flank : int
        Nucleotides shown on either side of the motif.
    bound_quantile : float
        Probes with the motif at or above this quantile of ``measured`` (over probes with
        the motif) are "bound"; those below the median are "unbound".

    Returns
    -------
    dict with ``bound`` and ``unbound`` (DataFrames, rows = positions relative to the motif
    start, columns P, H, I, M, E: mean probabilities; NaN where no probe covers a position)
    and ``n_bound``, ``n_unbound``.
    """
    structure = np.asarray(structure, dtype=np.float64)
    measured = np.asarray(measured, dtype=np.float64)
    lengths = np.array([len(s) for s in sequences])
    offsets = pad_offsets(lengths, structure.shape[1])
    m = len(motif)
    width = m + 2 * flank
    windows, values = [], []
    for sequence, offset, row, value in zip(sequences, offsets, structure, measured, strict=True):
        start = sequence.upper().find(motif.upper())
        if start < 0 or not np.isfinite(value):
            continue
        window = np.full((width, structure.shape[2]), np.nan)
        for j in range(width):
            position = start - flank + j
            if 0 <= position < len(sequence):
                window[j] = row[offset + position]
        windows.append(window)
        values.append(value)
    index = pd.Index(np.arange(-flank, m + flank), name="position")
    empty = pd.DataFrame(np.nan, index=index, columns=list(STRUCTURE_LETTERS))
    if not windows:
        return {"bound": empty, "unbound": empty.copy(), "n_bound": 0, "n_unbound": 0}
    windows = np.stack(windows)
    values = np.asarray(values)
    bound = values >= np.quantile(values, bound_quantile)
    unbound = values < np.median(values)

    def mean(mask):
        if not mask.any():
            return empty.copy()
        with warnings.catch_warnings():  # positions no probe covers: "Mean of empty slice"
            warnings.simplefilter("ignore", RuntimeWarning)
            return pd.DataFrame(
                np.nanmean(windows[mask], axis=0), index=index, columns=list(STRUCTURE_LETTERS)
            )

    return {
        "bound": mean(bound),
        "unbound": mean(unbound),
        "n_bound": int(bound.sum()),
        "n_unbound": int(unbound.sum()),
    }


def binned_means(x: np.ndarray, y: np.ndarray, bins: int = 8) -> pd.DataFrame:
    """Mean and 95% CI (normal approximation) of ``y`` in equal-count bins of ``x``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    frame = pd.DataFrame({"x": x[keep], "y": y[keep]})
    if frame.empty:
        return pd.DataFrame(columns=["x", "mean", "ci", "n"])
    frame["bin"] = pd.qcut(frame["x"], q=min(bins, frame["x"].nunique()), duplicates="drop")
    grouped = frame.groupby("bin", observed=True)
    out = pd.DataFrame(
        {
            "x": grouped["x"].mean(),
            "mean": grouped["y"].mean(),
            "ci": 1.96 * grouped["y"].std(ddof=1) / np.sqrt(grouped["y"].count()),
            "n": grouped["y"].count(),
        }
    )
    return out.reset_index(drop=True)


def mutagenesis_logo_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Letter heights of a GIA k-mer-mutagenesis table: each nucleotide's importance at a
    motif position minus the mean of the four there (rows = positions from 1, columns A C G U).
    """
    grid = table.pivot_table(
        index="position", columns="nucleotide", values="importance", aggfunc="mean"
    )
    grid = grid.reindex(columns=list(ALPHABET))
    centred = grid.sub(grid.mean(axis=1), axis=0).fillna(0.0)
    centred.index = centred.index.astype(int) + 1
    return centred


# ----------------------------------------------------------------------------- Figure 1


def _variant_rows(performance: pd.DataFrame, main: tuple[str, str, str]) -> pd.DataFrame:
    """One row per (RBP, model): each model at the main input/normalisation when it has
    them (else ``seq`` and the main normalisation, else its first variant)."""
    _, main_input, main_norm = main
    trained = performance[performance["input"] != "published"]
    keep = []
    for _model, part in trained.groupby("model", sort=False):
        for wanted in ((main_input, main_norm), ("seq", main_norm)):
            chosen = part[(part["input"] == wanted[0]) & (part["norm"] == wanted[1])]
            if len(chosen):
                break
        else:
            first = part.iloc[0]
            chosen = part[(part["input"] == first["input"]) & (part["norm"] == first["norm"])]
        keep.append(chosen)
    return pd.concat(keep, ignore_index=True) if keep else trained.iloc[:0]


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
    results when present), B per-RBP Δ Pearson r of the main model minus the strongest
    baseline, C clip vs log normalisation, D seq vs pu vs struct inputs.
    """
    main_model, main_input, main_norm = main
    with _style():
        fig = plt.figure(figsize=(WIDTH, 5.8), layout="constrained")
        grid = GridSpec(2, 2, figure=fig, width_ratios=[1.1, 1])
        axes = [fig.add_subplot(grid[i, j]) for i in range(2) for j in range(2)]

        # A: distribution across RBPs.
        ax = axes[0]
        rows = _variant_rows(performance, main)
        data = rows.assign(label=rows["model"])
        published = performance[performance["input"] == "published"]
        if len(published):
            data = pd.concat(
                [data, published.assign(label=published["model"] + " (published)")],
                ignore_index=True,
            )
        if "noise_ceiling_r" in performance and performance["noise_ceiling_r"].notna().any():
            ceiling = performance.drop_duplicates("rbp")[["rbp", "noise_ceiling_r"]]
            ceiling = ceiling.rename(columns={"noise_ceiling_r": "pearson_r"})
            data = pd.concat([data, ceiling.assign(label="noise ceiling")], ignore_index=True)
        data = data.dropna(subset=["pearson_r"])
        order = data.groupby("label")["pearson_r"].median().sort_values(ascending=False).index
        order = [label for label in order if label != "noise ceiling"]
        if "noise ceiling" in set(data["label"]):
            order.insert(0, "noise ceiling")
        palette = {
            label: (GREY if label == "noise ceiling" else COLORS[i % len(COLORS)])
            for i, label in enumerate(order)
        }
        if len(data):
            _distribution(ax, data, "pearson_r", "label", order, palette)
            ax.set(xlabel=PEARSON, ylabel="model")
            ax.set_title(f"Performance across {data['rbp'].nunique()} RBPs ({main_norm})")
        else:
            not_run(ax, "not run: no model metrics in performance.tsv")
        panel_label(ax, "A")

        # B: delta Pearson r against the strongest baseline.
        ax = axes[1]
        wide = rows.pivot_table(index="rbp", columns="model", values="pearson_r")
        candidates = [m for m in (baselines or wide.columns) if m in wide and m != main_model]
        if main_model in wide and candidates:
            strongest = max(candidates, key=lambda m: wide[m].median())
            delta = (wide[main_model] - wide[strongest]).dropna().sort_values()
            colors = [COLORS[0] if d > 0 else COLORS[3] for d in delta]
            ax.bar(np.arange(len(delta)), delta.to_numpy(), color=colors, width=0.8)
            _zero_line(ax)
            if len(delta) <= 20:
                ax.set_xticks(np.arange(len(delta)), delta.index, rotation=60, ha="right")
            else:
                ax.set_xticks([])
            p_value = np.nan
            if len(delta) >= 2 and np.any(delta != 0):
                p_value = float(stats.wilcoxon(delta.to_numpy()).pvalue)
            ax.set(
                xlabel="RBPs, ranked by Δ" if len(delta) > 20 else "RBP (ranked by Δ)",
                ylabel=f"Δ {PEARSON}\n({main_model} − {strongest})",
                title=f"{main_model} vs strongest baseline ({strongest})\n"
                f"median Δ {delta.median():+.3f}; {int((delta > 0).sum())}/{len(delta)} "
                f"better; Wilcoxon p = {_short_p(p_value)}",
            )
        else:
            not_run(
                ax,
                "not run: a single model\nset training.baselines: [kmer_ridge, deepbind_cnn]"
                " to compare",
                title="Δ Pearson r vs the strongest baseline",
            )
        panel_label(ax, "B")

        # C: clip vs log normalisation.
        ax = axes[2]
        trained = performance[performance["input"] != "published"]
        same_input = trained[trained["input"] == main_input]
        norms = same_input.pivot_table(index=["model", "rbp"], columns="norm", values="pearson_r")
        if {"clip", "log"} <= set(norms.columns) and norms[["clip", "log"]].notna().all(
            axis=1
        ).any():
            pairs = norms[["clip", "log"]].dropna().reset_index()
            models = list(dict.fromkeys(pairs["model"]))
            sns.scatterplot(
                data=pairs, x="clip", y="log", hue="model", style="model", hue_order=models,
                palette=[COLORS[i] for i in range(len(models))], ax=ax, s=28,
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
        else:
            not_run(
                ax,
                "not run: one normalisation only\nset training.norms: [clip, log] to compare",
                title="clip vs log normalisation",
            )
        panel_label(ax, "C")

        # D: seq vs pu vs struct inputs.
        ax = axes[3]
        same_norm = trained[trained["norm"] == main_norm]
        inputs = [i for i in ("seq", "pu", "struct") if i in set(same_norm["input"])]
        deep = same_norm[same_norm.groupby("model")["input"].transform("nunique") > 1]
        if len(inputs) > 1 and len(deep):
            order = [i for i in inputs if i in set(deep["input"])]
            models = list(dict.fromkeys(deep["model"]))
            palette = {m: COLORS[i] for i, m in enumerate(models)}
            for model in models:
                wide_inputs = deep[deep["model"] == model].pivot_table(
                    index="rbp", columns="input", values="pearson_r"
                )
                wide_inputs = wide_inputs.reindex(columns=order)
                for values in wide_inputs.to_numpy():
                    ax.plot(range(len(order)), values, color=palette[model], alpha=0.35, lw=0.7)
            sns.pointplot(
                data=deep, x="input", y="pearson_r", hue="model", order=order, hue_order=models,
                palette=palette, estimator="median", errorbar=None, ax=ax, markersize=5,
                dodge=0.15,
            )  # fmt: skip
            ax.set(
                xlabel="model input",
                ylabel=PEARSON,
                title=f"Input types ({main_norm}; lines: RBPs; points: medians)",
            )
            ax.legend(title="model", frameon=False)
        else:
            not_run(
                ax,
                "not run: sequence input only\nset training.inputs: [seq, pu, struct] to compare",
                title="seq vs pu vs struct inputs",
            )
        panel_label(ax, "D")
        fig.suptitle("Figure 1. Predicting RNAcompete binding across RBPs")
    return fig


# ----------------------------------------------------------------------------- Figure 2


def _importance_line(ax, table: pd.DataFrame, x: str, fit=None) -> None:
    table = table.sort_values(x)
    ax.fill_between(table[x], table["ci_low"], table["ci_high"], color=COLORS[0], alpha=0.25, lw=0)
    ax.plot(table[x], table["importance"], marker="o", ms=3.5, color=COLORS[0], label="GIA")
    if fit is not None and np.all(np.isfinite(fit)):
        slope, intercept, _ = fit
        xs = np.array([table[x].min(), table[x].max()], dtype=float)
        ax.plot(
            xs,
            slope * xs + intercept,
            ls="--",
            color=COLORS[3],
            label=f"linear fit: {slope:.2g}/copy, R² = {fit[2]:.2f}",
        )
        ax.legend(frameon=False, loc="best")
    _zero_line(ax)


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

    Panels: A prediction scatter coloured by best motif match, B top k-mers, C GIA
    mutagenesis logo of the motif, D ISM logos of the top probes, E motif count effect,
    F spacing effect, G GIA importance vs measured affinity.
    """
    n_ism = max(len(ism), 1)
    with _style():
        fig = plt.figure(figsize=(WIDTH, 6.6 + 0.75 * n_ism), layout="constrained")
        outer = GridSpec(3, 1, figure=fig, height_ratios=[2.3, 0.8 * n_ism, 2.1])
        top = outer[0].subgridspec(1, 3, width_ratios=[1.15, 0.8, 1.05])
        bottom = outer[2].subgridspec(1, 3)
        ax_scatter, ax_kmers, ax_mut = (fig.add_subplot(top[0, i]) for i in range(3))
        ism_grid = outer[1].subgridspec(n_ism, 1)
        ism_axes = [fig.add_subplot(ism_grid[i, 0]) for i in range(n_ism)]
        ax_count, ax_spacing, ax_affinity = (fig.add_subplot(bottom[0, i]) for i in range(3))

        # A: prediction scatter coloured by the best motif match.
        ax = ax_scatter
        if predictions is not None and len(predictions):
            levels = ["≥2 mismatches", "1 mismatch", "exact match"]
            colours = {"≥2 mismatches": GREY, "1 mismatch": COLORS[1], "exact match": COLORS[0]}
            for level in levels:
                part = predictions[predictions["match"] == level]
                if len(part):
                    ax.scatter(
                        part["measured"],
                        part["predicted"],
                        s=4 if level != "exact match" else 6,
                        alpha=0.55,
                        color=colours[level],
                        label=f"{level} (n = {len(part)})",
                        rasterized=True,
                        lw=0,
                    )
            r = np.corrcoef(predictions["measured"], predictions["predicted"])[0, 1]
            ax.set(xlabel=MEASURED, ylabel=PREDICTED, title=f"{rbp}: Set B, Pearson r = {r:.2f}")
            ax.legend(
                title=f"best match to {motif}", frameon=False, markerscale=2, loc="upper left"
            )
        else:
            not_run(ax, "not run: no Set B predictions of the main model", title="predictions")
        panel_label(ax, "A")

        # B: the top k-mers of the GIA search.
        ax = ax_kmers
        if kmer_search is not None and len(kmer_search):
            best = kmer_search.sort_values("importance", ascending=False).head(top_kmers)
            best = best.iloc[::-1]
            ax.barh(best["kmer"], best["importance"], xerr=_errors(best), color=COLORS[0])
            ax.tick_params(axis="y", labelfontfamily="monospace")
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            _zero_line(ax, "x")
            ax.set(xlabel=IMPORTANCE, title=f"GIA k-mer search (top {len(best)})")
        else:
            not_run(ax, "not run: no k-mer search table", title="k-mer search")
        panel_label(ax, "B")

        # C: GIA mutagenesis logo of the motif.
        ax = ax_mut
        if kmer_mutagenesis is not None and len(kmer_mutagenesis):
            matrix = mutagenesis_logo_matrix(kmer_mutagenesis)
            _draw_logo(ax, matrix, NUCLEOTIDE_COLORS)
            _zero_line(ax)
            ax.set_xticks(matrix.index)
            ax.set(
                xlabel=f"position in the motif {motif}",
                ylabel="importance minus position\nmean (Δ z-score)",
                title="GIA mutagenesis of the motif",
            )
        else:
            not_run(
                ax,
                "not run: add kmer_mutagenesis\nto gia.experiments",
                title="GIA mutagenesis of the motif",
            )
        panel_label(ax, "C")

        # D: ISM logos of the top probes.
        if ism:
            top_value = max(float(np.clip(m, 0, None).sum(axis=1).max()) for m, _, _ in ism)
            bottom_value = min(float(np.clip(m, None, 0).sum(axis=1).min()) for m, _, _ in ism)
            pad = 0.05 * max(top_value - bottom_value, 1e-9)
            longest = max(len(s) for _, s, _ in ism)
            for ax, (matrix, sequence, label) in zip(ism_axes, ism, strict=True):
                frame = pd.DataFrame(
                    np.asarray(matrix, dtype=float),
                    columns=list(ALPHABET),
                    index=np.arange(1, len(sequence) + 1),
                )
                _draw_logo(ax, frame, NUCLEOTIDE_COLORS)
                ax.set(
                    xlim=(0.4, longest + 0.6),
                    ylim=(bottom_value - pad, top_value + pad),
                    ylabel="ISM\n(−Δ z-score)",
                )
                ax.set_xticks(np.arange(5, len(sequence) + 1, 5))
                ax.set_title(label, loc="left")
            ism_axes[-1].set_xlabel("probe position (nt, 5' to 3')")
        else:
            not_run(
                ism_axes[0],
                "not run: no in-silico mutagenesis (set figures.ism_probes >= 1)",
                title="in-silico mutagenesis of top probes",
            )
        panel_label(ism_axes[0], "D")

        # E: motif count.
        ax = ax_count
        if motif_count is not None and len(motif_count):
            fit = None
            if {"slope", "intercept", "r2"} <= set(motif_count.columns):
                fit = tuple(float(v) for v in motif_count[["slope", "intercept", "r2"]].iloc[0])
            counts = motif_count
            if "kind" in counts:
                counts = counts[counts["kind"] == "condition"]
            _importance_line(ax, counts, "n_sites", fit)
            ax.set(xlabel=f"copies of {motif} embedded", ylabel=IMPORTANCE, title="Motif count")
            ax.xaxis.get_major_locator().set_params(integer=True)
        else:
            not_run(ax, "not run: add motif_count\nto gia.experiments", title="motif count")
        panel_label(ax, "E")

        # F: spacing.
        ax = ax_spacing
        if spacing is not None and len(spacing):
            pair = spacing[spacing["condition"] == "pair"]
            cooperation = spacing[spacing["condition"] == INTERACTION].sort_values("spacing")
            _importance_line(ax, pair, "spacing")
            ax.fill_between(
                cooperation["spacing"], cooperation["ci_low"], cooperation["ci_high"],
                color=COLORS[1], alpha=0.25, lw=0,
            )  # fmt: skip
            ax.plot(
                cooperation["spacing"], cooperation["importance"], marker="s", ms=3,
                color=COLORS[1], label="pair − single sites",
            )  # fmt: skip
            ax.legend(frameon=False, loc="best")
            best = cooperation.loc[cooperation["importance"].idxmax()]
            ax.axvline(best["spacing"], color=COLORS[3], lw=0.8, ls=":")
            ax.set(
                xlabel="gap between two motif copies (nt)",
                ylabel=IMPORTANCE,
                title=f"Motif spacing (cooperativity peaks at {int(best['spacing'])} nt)",
            )
        else:
            not_run(ax, "not run: add spacing\nto gia.experiments", title="motif spacing")
        panel_label(ax, "F")

        # G: GIA importance vs a measured affinity.
        ax = ax_affinity
        joined = None
        if affinity is not None and kmer_search is not None:
            joined = kmer_search[["kmer", "importance"]].merge(
                affinity[["kmer", "affinity"]], on="kmer"
            )
            joined = joined.dropna()
        if joined is not None and len(joined) >= 3:
            ax.scatter(joined["affinity"], joined["importance"], s=8, color=COLORS[0], lw=0)
            rho = stats.spearmanr(joined["affinity"], joined["importance"]).statistic
            r = np.corrcoef(joined["affinity"], joined["importance"])[0, 1]
            ax.set(
                xlabel=affinity_label,
                ylabel=f"GIA {IMPORTANCE}",
                title=f"GIA vs measured affinity\n{len(joined)} k-mers: r = {r:.2f}, "
                f"Spearman ρ = {rho:.2f}",
            )
            _zero_line(ax)
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
        panel_label(ax, "G")
        fig.suptitle(f"Figure 2. A motif-driven RBP: {rbp} ({motif})")
    return fig


# ----------------------------------------------------------------------------- Figure 3


def _structure_logo(ax, profile: pd.DataFrame, motif: str, title: str) -> None:
    if profile.isna().all().all():
        not_run(ax, f"not run: no probe contains {motif}", title=title)
        return
    _draw_logo(ax, profile.fillna(0.0), STRUCTURE_COLORS)
    m = len(motif)
    ax.axvspan(-0.5, m - 0.5, color=COLORS[1], alpha=0.12, lw=0, zorder=0)
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
    control at the same columns of the unfolded nulls, and the paired structure effects;
    B loop minus stem (net of position) across RBPs, with 95% CIs; C, D logos of the mean
    structure profile (P paired, H hairpin loop, I interior loop, M multi-loop, E exterior)
    around the motif in strongly and weakly bound probes.
    """
    with _style():
        fig = plt.figure(figsize=(WIDTH, 5.6), layout="constrained")
        grid = GridSpec(2, 2, figure=fig, width_ratios=[1, 1.1])
        ax_bars, ax_across = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        ax_bound, ax_unbound = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])

        ax = ax_bars
        if hairpin is not None and len(hairpin):
            table = hairpin[hairpin["condition"].isin(list(HAIRPIN_LABELS))].reset_index(drop=True)
            labels = [HAIRPIN_LABELS[c] for c in table["condition"]]
            if "fold_fraction" in table:
                labels = [
                    f"{label}\n(folds {f:.0%})" if np.isfinite(f) else label
                    for label, f in zip(labels, table["fold_fraction"], strict=True)
                ]
            _importance_bars(ax, labels, table, _kind_colours(table), capsize=2)
            ax.tick_params(axis="x", labelsize=6)
            ax.set(
                xlabel="context of the motif (hatched: paired differences)",
                ylabel=IMPORTANCE,
                title=f"{rbp}: {motif} in a hairpin loop vs a stem",
            )
        else:
            not_run(ax, "not run: add hairpin to gia.experiments", title="hairpin context")
        panel_label(ax, "A")

        ax = ax_across
        if loop_minus_stem is not None and len(loop_minus_stem):
            values = loop_minus_stem
            _ranked_with_ci(ax, values, highlight=[rbp])
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
        else:
            not_run(
                ax,
                "not run: add hairpin to gia.experiments",
                title="loop − stem across RBPs",
            )
        panel_label(ax, "B")

        if profiles is None:
            for ax in (ax_bound, ax_unbound):
                not_run(ax, "not run: no structure profiles in probes.h5")
        else:
            _structure_logo(
                ax_bound,
                profiles["bound"],
                motif,
                f"strongly bound probes with {motif} (top 10%, n = {profiles['n_bound']})",
            )
            _structure_logo(
                ax_unbound,
                profiles["unbound"],
                motif,
                f"weakly bound probes with {motif} (below median, n = {profiles['n_unbound']})",
            )
        panel_label(ax_bound, "C")
        panel_label(ax_unbound, "D")
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=STRUCTURE_COLORS[letter])
            for letter in STRUCTURE_LETTERS
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
        fig.suptitle(f"Figure 3. Structural context of a structure-sensitive RBP: {rbp}")
    return fig


# ----------------------------------------------------------------------------- Figure 4


def gc_contrasts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per RBP, the GC contrasts of its gc_bias table: ``rbp``, ``condition``, importance, CI."""
    rows = []
    for rbp, table in tables.items():
        part = table[table["condition"].isin([EFFECT_5P, EFFECT_3P, THREE_MINUS_FIVE])]
        rows.append(part[["condition", "importance", "ci_low", "ci_high"]].assign(rbp=rbp))
    columns = ["rbp", "condition", "importance", "ci_low", "ci_high"]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)


def _gc_effects_panel(ax, effects: pd.DataFrame, examples, example_colours) -> None:
    """Per end, what GC beside the motif changes, across RBPs (with CIs when few)."""
    ends = {EFFECT_5P: ("GC 5'", COLORS[0]), EFFECT_3P: ("GC 3'", COLORS[3])}
    wide = effects.pivot(index="rbp", columns="condition", values="importance")
    n = len(wide)
    if n >= 15:
        for condition, (label, colour) in ends.items():
            ax.hist(wide[condition].dropna(), bins="auto", color=colour, alpha=0.5, label=label)
        for rbp in examples:
            if rbp in wide.index:
                ax.axvline(wide.loc[rbp, EFFECT_3P], color=example_colours[rbp], lw=1.5)
        ax.set(xlabel="change beside the motif (Δ z-score)", ylabel="RBPs")
    else:
        order = wide.mean(axis=1).sort_values().index
        y = np.arange(n)
        for k, (condition, (label, colour)) in enumerate(ends.items()):
            part = effects[effects["condition"] == condition].set_index("rbp").loc[order]
            errors = np.vstack(
                [part["importance"] - part["ci_low"], part["ci_high"] - part["importance"]]
            ).clip(min=0)
            ax.barh(
                y + (k - 0.5) * 0.4, part["importance"], height=0.4, xerr=errors,
                color=colour, capsize=2, label=label,
            )  # fmt: skip
        ax.set_yticks(y, order)
        ax.set(xlabel="change beside the motif (Δ z-score, 95% CI)", ylabel="RBP")
    _zero_line(ax, "x")
    ax.legend(frameon=False, fontsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    later = (wide[EFFECT_3P] > wide[EFFECT_5P]).sum()
    ax.set_title(f"GC beside the motif, per end, {n} RBPs (3' > 5' in {later})")


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
    n_top = max(len(examples), 1)
    with _style():
        fig = plt.figure(figsize=(WIDTH, 5.4), layout="constrained")
        grid = GridSpec(2, 1, figure=fig, height_ratios=[1, 1])
        top = grid[0].subgridspec(1, n_top)
        bottom = grid[1].subgridspec(1, 2, width_ratios=[1.1, 1])
        example_axes = [fig.add_subplot(top[0, i]) for i in range(n_top)]
        ax_dist, ax_binding = fig.add_subplot(bottom[0, 0]), fig.add_subplot(bottom[0, 1])
        letters = iter("ABCDEFG")
        example_colours = {rbp: COLORS[(i + 1) % len(COLORS)] for i, rbp in enumerate(examples)}

        if not examples:
            not_run(example_axes[0], "not run: add gc_bias to gia.experiments", title="GC bias")
            panel_label(example_axes[0], next(letters))
        for ax, rbp in zip(example_axes, examples, strict=False):
            table = gc_tables[rbp]
            table = table[table["condition"].isin(list(GC_LABELS))].reset_index(drop=True)
            order = list(table["condition"])
            colours = _kind_colours(table)
            _importance_bars(ax, [GC_LABELS[c] for c in order], table, colours, capsize=2)
            ax.tick_params(axis="x", rotation=40)
            for label in ax.get_xticklabels():
                label.set_ha("right")
            motif = table["motif"].iloc[0] if "motif" in table else ""
            ax.set(ylabel=IMPORTANCE, title=f"{rbp} ({motif})")
            ax.title.set_color(example_colours[rbp])
            panel_label(ax, next(letters))

        ax = ax_dist
        if gc_effects is not None and len(gc_effects):
            _gc_effects_panel(ax, gc_effects, examples, example_colours)
        else:
            not_run(ax, "not run: add gc_bias to gia.experiments", title="GC effect across RBPs")
        panel_label(ax, next(letters))

        ax = ax_binding
        if gc_binding:
            for rbp, curve in gc_binding.items():
                if not len(curve):
                    continue
                colour = example_colours.get(rbp, COLORS[0])
                ax.errorbar(
                    curve["x"], curve["mean"], yerr=curve["ci"], marker="o", ms=3.5,
                    color=colour, capsize=2, label=rbp,
                )  # fmt: skip
            _zero_line(ax)
            ax.set(
                xlabel="GC fraction of the probe",
                ylabel="mean measured intensity\n(z-score, 95% CI)",
                title="Measured binding vs probe GC (Set B)",
            )
            ax.legend(frameon=False)
        else:
            not_run(ax, "not run: no measured Set B binding", title="binding vs GC")
        panel_label(ax, next(letters))
        fig.suptitle("Figure 4. GC bias of RBP binding")
    return fig
