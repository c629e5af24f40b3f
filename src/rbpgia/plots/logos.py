"""Sequence logos: RNAcompete-style PWM logos, GIA k-mer motifs beside their best
RNAcompete match, and per-probe in-silico mutagenesis (ISM) attribution logos.

Letters use the RNA alphabet (U) in colour-blind-safe Okabe-Ito colours that keep the
usual nucleotide hues: A green, C blue, G orange, U vermilion.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import logomaker
import numpy as np
import pandas as pd

from rbpgia.encode.onehot import pad_offsets
from rbpgia.motifs import pwm_similarity
from rbpgia.plots.style import NUCLEOTIDE_COLORS, apply_style, plt, save_figure
from rbpgia.sequence import ALPHABET


def information_matrix(pwm: np.ndarray) -> np.ndarray:
    """Letter heights of an information-content logo (bits, uniform background).

    Each position's information is ``2 + sum_b p_b log2 p_b`` bits (0 for a uniform
    position, 2 for a certain one); each base gets ``p_b`` times that height.

    Parameters
    ----------
    pwm : np.ndarray, shape (L, 4)
        Rows are probabilities (they are renormalised to sum 1).

    Returns
    -------
    np.ndarray of float64, shape (L, 4)
    """
    pwm = np.asarray(pwm, dtype=np.float64)
    if pwm.ndim != 2 or pwm.shape[1] != 4 or (pwm < 0).any():
        raise ValueError(f"expected non-negative PWM of shape (L, 4), got {pwm.shape}")
    pwm = pwm / pwm.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(pwm > 0, pwm * np.log2(pwm), 0.0)
    information = 2.0 + plogp.sum(axis=1)
    return pwm * np.clip(information, 0.0, 2.0)[:, None]


def draw_logo(ax, frame: pd.DataFrame, colors: Mapping[str, str] = NUCLEOTIDE_COLORS) -> None:
    """Draw ``frame``'s letter heights (rows = positions, columns = letters) on ``ax``."""
    logomaker.Logo(
        frame, ax=ax, color_scheme=dict(colors), font_name="DejaVu Sans", baseline_width=0.5
    )


def shared_ylim(matrices: Sequence[np.ndarray]) -> tuple[float, float]:
    """One y range for logos of ``matrices`` (each (L, 4)): every stack fits, 5% padding."""
    top = max(float(np.clip(m, 0, None).sum(axis=1).max()) for m in matrices)
    bottom = min(float(np.clip(m, None, 0).sum(axis=1).min()) for m in matrices)
    pad = 0.05 * max(top - bottom, 1e-12)
    return bottom - pad, top + pad


def draw_heights(matrix: np.ndarray, ax, start: int = 0) -> None:
    """Draw nucleotide letter heights (L, 4) on ``ax`` at x = start, start + 1, ..."""
    frame = pd.DataFrame(
        np.asarray(matrix, dtype=np.float64),
        columns=list(ALPHABET),
        index=np.arange(start, start + len(matrix)),
    )
    draw_logo(ax, frame)


def plot_pwm_logo(pwm: np.ndarray, path: str | os.PathLike, title: str = "") -> None:
    """Information-content logo of one PWM, positions numbered from 1."""
    apply_style()
    pwm = np.asarray(pwm, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(max(3.0, 0.45 * len(pwm) + 1.0), 2.2))
    draw_heights(information_matrix(pwm), ax, start=1)
    ax.set(ylim=(0, 2), ylabel="bits", xlabel="position", title=title)
    ax.set_xticks(np.arange(1, len(pwm) + 1))
    fig.tight_layout()
    save_figure(fig, path)


def plot_kmer_logo_with_match(
    pwm: np.ndarray,
    match_pwm: np.ndarray,
    match_label: str,
    score: float,
    path: str | os.PathLike,
    offset: int | None = None,
    title: str = "GIA k-mer alignment",
) -> None:
    """The GIA k-mer-alignment logo above its best RNAcompete match, aligned.

    Parameters
    ----------
    pwm, match_pwm : np.ndarray, shape (L, 4) and (L', 4)
        The GIA motif and the matching motif.
    match_label : str
        E.g. ``"RNCMPT00001 A1CF"``.
    score : float
        Their similarity, shown in the lower title.
    path : path-like
    offset : int, optional
        Position of ``match_pwm``'s first column in ``pwm``'s coordinates, as returned
        by :func:`rbpgia.motifs.pwm_similarity` (computed when omitted).
    title : str
        Title of the upper logo.
    """
    apply_style()
    pwm = np.asarray(pwm, dtype=np.float64)
    match_pwm = np.asarray(match_pwm, dtype=np.float64)
    if offset is None:
        offset = pwm_similarity(pwm, match_pwm)[1]
    left = min(0, offset)
    right = max(len(pwm), offset + len(match_pwm))
    fig, axes = plt.subplots(2, 1, figsize=(max(3.5, 0.45 * (right - left) + 1.2), 4.2))
    draw_heights(information_matrix(pwm), axes[0], start=0)
    draw_heights(information_matrix(match_pwm), axes[1], start=offset)
    axes[0].set_title(title)
    axes[1].set_title(f"{match_label}  (similarity {score:.2f}, offset {offset:+d})")
    for ax in axes:
        ax.set(xlim=(left - 0.6, right - 0.4), ylim=(0, 2), ylabel="bits")
        # Columns of the joint alignment, numbered from 1.
        ticks = np.arange(left, right)
        ax.set_xticks(ticks, [str(t - left + 1) for t in ticks])
    axes[1].set_xlabel("aligned position")
    fig.tight_layout()
    save_figure(fig, path)


def plot_ism_logos(
    matrices: np.ndarray,
    sequences: Sequence[str],
    labels: Sequence[str],
    path: str | os.PathLike,
    title: str = "In-silico mutagenesis",
) -> None:
    """One attribution logo per probe, one row each, padding cut off.

    Parameters
    ----------
    matrices : np.ndarray, shape (N, L, 4)
        Attribution of each probe in its centred ``L`` window, e.g.
        :func:`rbpgia.explain.ism_logo_matrix`.
    sequences : sequence of str, length N
        The probes; their lengths locate them in the window (centred as
        :func:`rbpgia.encode.onehot.one_hot` does).
    labels : sequence of str, length N
        Row titles (e.g. probe ID and prediction).
    path : path-like
    title : str

    Notes
    -----
    All rows share one y scale, so heights compare across probes. Each column is
    labelled with the probe's base, every fifth also with its 1-based position.
    """
    apply_style()
    matrices = np.asarray(matrices, dtype=np.float64)
    n = len(sequences)
    if matrices.ndim != 3 or matrices.shape[0] != n or matrices.shape[2] != 4 or n == 0:
        raise ValueError(f"need (N >= 1, L, 4) matrices for {n} sequences, got {matrices.shape}")
    if len(labels) != n:
        raise ValueError(f"need one label per sequence: {n} sequences, {len(labels)} labels")
    lengths = np.array([len(s) for s in sequences])
    starts = pad_offsets(lengths, matrices.shape[1])
    crops = [m[a : a + k] for m, a, k in zip(matrices, starts, lengths, strict=True)]
    ylim = shared_ylim(crops)
    fig, axes = plt.subplots(
        n, 1, figsize=(max(6.0, 0.3 * lengths.max() + 1.5), 1.7 * n + 0.6), squeeze=False
    )
    for ax, crop, sequence, label in zip(axes[:, 0], crops, sequences, labels, strict=True):
        draw_heights(crop, ax, start=1)
        positions = np.arange(1, len(sequence) + 1)
        ticks = [f"{b}\n{p}" if p % 5 == 0 else b for b, p in zip(sequence, positions, strict=True)]
        ax.set_xticks(positions, ticks, fontsize=7)
        ax.tick_params(axis="x", length=0)
        ax.set(ylim=ylim, xlim=(0.4, lengths.max() + 0.6), ylabel="ISM")
        ax.set_title(label, loc="left", fontsize=9)
    axes[-1, 0].set_xlabel("probe position (5' to 3')")
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
