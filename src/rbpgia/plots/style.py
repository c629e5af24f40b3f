"""One place for the look of every figure: readable fonts, colour-blind-safe colours.

:data:`RC` (with :func:`apply_style`) is the look of the report's figures; :data:`PAPER_RC`
(with :func:`paper_style`) adapts it to the paper's print-size figures
(:mod:`rbpgia.plots.paper`). Both draw with one palette, :data:`PALETTE`.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no display is needed

import matplotlib.pyplot as plt  # noqa: E402

from rbpgia.io import atomic_path  # noqa: E402

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Beside the palette, not in it: controls, reference groups and "not run" frames.
GREY = "#BBBBBB"
NUCLEOTIDE_COLORS = {"A": PALETTE[2], "C": PALETTE[0], "G": PALETTE[1], "U": PALETTE[3]}

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
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays editable
    "ps.fonttype": 42,
}

PAPER_WIDTH = 7.2  # inches: a two-column journal figure (183 mm)
PAPER_MIN_FONT = 8  # pt at print size
PAPER_RC = {
    **RC,
    "font.family": "DejaVu Sans",
    "font.size": PAPER_MIN_FONT,
    "axes.titlesize": 9,
    "axes.labelsize": PAPER_MIN_FONT,
    "xtick.labelsize": PAPER_MIN_FONT,
    "ytick.labelsize": PAPER_MIN_FONT,
    "legend.fontsize": PAPER_MIN_FONT,
    "legend.title_fontsize": PAPER_MIN_FONT,
    "figure.titlesize": 10,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "savefig.pad_inches": 0.05,
}


def palette_color(i: int) -> str:
    """The ``i``-th colour of :data:`PALETTE`, cycling."""
    return PALETTE[i % len(PALETTE)]


def apply_style() -> None:
    plt.rcParams.update(RC)


def paper_style():
    """A context in which figures get the paper's fonts, spines and palette."""
    return plt.rc_context(PAPER_RC)


def save_figure(fig, path: str | os.PathLike) -> None:
    """Write ``fig`` atomically in the format of ``path``'s suffix and close it."""
    suffix = os.path.splitext(os.fspath(path))[1]
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=suffix.lstrip(".") or "png")
    plt.close(fig)
