"""One place for the look of every figure: readable fonts, colour-blind-safe colours."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no display is needed

import matplotlib.pyplot as plt  # noqa: E402

from rbpgia.io import atomic_path  # noqa: E402

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
}


def apply_style() -> None:
    plt.rcParams.update(RC)


def save_figure(fig, path: str | os.PathLike) -> None:
    """Write ``fig`` atomically in the format of ``path``'s suffix and close it."""
    suffix = os.path.splitext(os.fspath(path))[1]
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=suffix.lstrip(".") or "png")
    plt.close(fig)
