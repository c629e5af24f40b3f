"""The tables behind the paper's figures, computed without drawing.

Sequence analyses of the probes (best motif match, structure around the motif, binned
binding), reshaped GIA tables (mutagenesis logo, GC contrasts, affinity join) and the
comparisons of ``performance.tsv`` that Figure 1 draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rbpgia.benchmark import published_comparison, signed_rank
from rbpgia.encode.onehot import pad_offsets
from rbpgia.gia.experiments.gc_bias import EFFECT_3P, EFFECT_5P, THREE_MINUS_FIVE
from rbpgia.sequence import ALPHABET

STRUCTURE_LETTERS = ("P", "H", "I", "M", "E")
STRUCTURE_NAMES = ("paired", "hairpin loop", "interior loop", "multi-loop", "exterior")
NOISE_CEILING = "noise ceiling"

# ----------------------------------------------------------------------------- probes


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


# ----------------------------------------------------------------------------- GIA tables


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


def gc_contrasts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per RBP, the GC contrasts of its gc_bias table: ``rbp``, ``condition``, importance, CI."""
    rows = []
    for rbp, table in tables.items():
        part = table[table["condition"].isin([EFFECT_5P, EFFECT_3P, THREE_MINUS_FIVE])]
        rows.append(part[["condition", "importance", "ci_low", "ci_high"]].assign(rbp=rbp))
    columns = ["rbp", "condition", "importance", "ci_low", "ci_high"]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)


def affinity_join(kmer_search: pd.DataFrame | None, affinity: pd.DataFrame | None) -> pd.DataFrame:
    """GIA ``importance`` beside the measured ``affinity`` of each k-mer in both tables."""
    if kmer_search is None or affinity is None:
        return pd.DataFrame(columns=["kmer", "importance", "affinity"])
    joined = kmer_search[["kmer", "importance"]].merge(affinity[["kmer", "affinity"]], on="kmer")
    return joined.dropna()


# ----------------------------------------------------------------------------- performance


def _trained(performance: pd.DataFrame) -> pd.DataFrame:
    return performance[performance["input"] != "published"]


def variant_rows(performance: pd.DataFrame, main: tuple[str, str, str]) -> pd.DataFrame:
    """One row per (RBP, model): each model at the main input/normalisation when it has
    them (else ``seq`` and the main normalisation, else its first variant)."""
    _, main_input, main_norm = main
    trained = _trained(performance)
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


def model_distribution(
    performance: pd.DataFrame, rows: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Pearson r per RBP and ``label`` (model, published model, noise ceiling) and the
    order of the labels: the noise ceiling first, then by median Pearson r, best first.

    ``rows`` are :func:`variant_rows` of ``performance``.
    """
    data = rows.assign(label=rows["model"])
    published = performance[performance["input"] == "published"]
    if len(published):
        data = pd.concat(
            [data, published.assign(label=published["model"] + " (published)")],
            ignore_index=True,
        )
    if "noise_ceiling_r" in rows and rows["noise_ceiling_r"].notna().any():
        # The ceiling of the rows' normalisation (the main one), one per RBP.
        ceiling = rows.dropna(subset=["noise_ceiling_r"]).drop_duplicates("rbp")
        ceiling = ceiling[["rbp", "noise_ceiling_r"]]
        ceiling = ceiling.rename(columns={"noise_ceiling_r": "pearson_r"})
        data = pd.concat([data, ceiling.assign(label=NOISE_CEILING)], ignore_index=True)
    data = data.dropna(subset=["pearson_r"])
    order = data.groupby("label")["pearson_r"].median().sort_values(ascending=False).index
    order = [label for label in order if label != NOISE_CEILING]
    if NOISE_CEILING in set(data["label"]):
        order.insert(0, NOISE_CEILING)
    return data, order


def baseline_delta(
    rows: pd.DataFrame, main_model: str, baselines: Sequence[str] = ()
) -> tuple[str, pd.Series] | None:
    """The strongest baseline (highest median Pearson r; any other model when
    ``baselines`` is empty) and the main model's Pearson r minus its, per RBP, ascending;
    None without both. ``rows`` are :func:`variant_rows`.
    """
    wide = rows.pivot_table(index="rbp", columns="model", values="pearson_r")
    candidates = [m for m in (baselines or wide.columns) if m in wide and m != main_model]
    if main_model not in wide or not candidates:
        return None
    strongest = max(candidates, key=lambda m: wide[m].median())
    return strongest, (wide[main_model] - wide[strongest]).dropna().sort_values()


def wilcoxon_p(delta: pd.Series) -> float:
    """Wilcoxon signed-rank p of paired differences (NaN where the test cannot tell:
    :func:`rbpgia.benchmark.signed_rank`)."""
    return signed_rank(delta)[0]


def published_test(performance: pd.DataFrame, rows: pd.DataFrame, main_model: str) -> dict | None:
    """The main model against the strongest published method (highest mean r over the
    experiments both have), as :func:`rbpgia.benchmark.published_comparison` gives it;
    None without published rows. ``rows`` are :func:`variant_rows` of ``performance``.
    """
    published = performance[performance["input"] == "published"]
    if not len(published) or main_model not in set(rows["model"]):
        return None
    main_rows = rows[rows["model"] == main_model]
    comparison = published_comparison(pd.concat([main_rows, published]), main_model)
    strongest = comparison[comparison["strongest"]]
    return strongest.iloc[0].to_dict() if len(strongest) else None


def norm_pairs(performance: pd.DataFrame, main_input: str) -> pd.DataFrame:
    """``model, rbp, clip, log``: Pearson r of both normalisations at the main input."""
    same_input = _trained(performance)
    same_input = same_input[same_input["input"] == main_input]
    norms = same_input.pivot_table(index=["model", "rbp"], columns="norm", values="pearson_r")
    if not {"clip", "log"} <= set(norms.columns):
        return pd.DataFrame(columns=["model", "rbp", "clip", "log"])
    return norms[["clip", "log"]].dropna().reset_index()


def input_comparison(performance: pd.DataFrame, main_norm: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows at the main normalisation of the models trained on more than one input, and
    the inputs among ``seq, pu, struct`` they cover (empty unless two inputs were run).
    """
    same_norm = _trained(performance)
    same_norm = same_norm[same_norm["norm"] == main_norm]
    inputs = [i for i in ("seq", "pu", "struct") if i in set(same_norm["input"])]
    deep = same_norm[same_norm.groupby("model")["input"].transform("nunique") > 1]
    if len(inputs) <= 1 or not len(deep):
        return deep.iloc[:0], []
    return deep, [i for i in inputs if i in set(deep["input"])]
