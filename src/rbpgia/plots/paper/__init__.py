"""The paper's figures (Koo et al. 2021, Figures 1-4) regenerated from the workflow's tables.

Every ``figure*`` function is pure: tables and arrays in, a :class:`matplotlib.figure.Figure`
out; :func:`save_paper_figure` writes it as PDF (vector, TrueType fonts) and PNG (300 dpi).
A panel whose data the run does not have (a normalisation, an input type, a GIA experiment
or a measured affinity that was not configured) shows a "not run: ..." note that says which
config key to set, instead of failing; :func:`not_run_notes` lists those notes.

Style: :func:`rbpgia.plots.style.paper_style`: 7.2-inch-wide (183 mm, two-column) figures,
fonts of at least 8 pt at that size, the Okabe-Ito palette of every figure, axes labelled
with their units. Predictions and measurements are z-scored normalised intensities, so
effects are in z-score units (standard deviations of the normalised intensity).

Modules: :mod:`.select` chooses the RBPs each figure shows, :mod:`.analysis` computes the
tables the panels draw, :mod:`.common` holds what the figures share (panel letters, notes,
bars with CIs, saving), and ``figure1`` ... ``figure4`` lay out one figure each from one
function per panel.
"""

from rbpgia.plots.paper.analysis import (
    STRUCTURE_LETTERS,
    STRUCTURE_NAMES,
    binned_means,
    gc_contrasts,
    match_class,
    motif_mismatches,
    motif_structure_profiles,
    mutagenesis_logo_matrix,
)
from rbpgia.plots.paper.common import (
    IMPORTANCE,
    MEASURED,
    PEARSON,
    PREDICTED,
    not_run,
    not_run_notes,
    panel_label,
    panel_title,
    save_paper_figure,
)
from rbpgia.plots.paper.figure1 import figure1
from rbpgia.plots.paper.figure2 import figure2
from rbpgia.plots.paper.figure3 import HAIRPIN_LABELS, STRUCTURE_COLORS, figure3
from rbpgia.plots.paper.figure4 import GC_LABELS, figure4
from rbpgia.plots.paper.select import (
    PAPER_RBPS,
    paper_rbps,
    select_gc_rbps,
    select_motif_rbp,
    select_structure_rbp,
)
from rbpgia.plots.style import NUCLEOTIDE_COLORS
from rbpgia.plots.style import PAPER_MIN_FONT as MIN_FONT
from rbpgia.plots.style import PAPER_WIDTH as WIDTH

__all__ = [
    "GC_LABELS",
    "HAIRPIN_LABELS",
    "IMPORTANCE",
    "MEASURED",
    "MIN_FONT",
    "NUCLEOTIDE_COLORS",
    "PEARSON",
    "PREDICTED",
    "STRUCTURE_COLORS",
    "STRUCTURE_LETTERS",
    "STRUCTURE_NAMES",
    "WIDTH",
    "binned_means",
    "figure1",
    "figure2",
    "figure3",
    "figure4",
    "gc_contrasts",
    "match_class",
    "motif_mismatches",
    "motif_structure_profiles",
    "mutagenesis_logo_matrix",
    "not_run",
    "not_run_notes",
    "panel_label",
    "panel_title",
    "save_paper_figure",
    "PAPER_RBPS",
    "paper_rbps",
    "select_gc_rbps",
    "select_motif_rbp",
    "select_structure_rbp",
]
