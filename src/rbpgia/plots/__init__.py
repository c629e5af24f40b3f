"""Figures: one module per figure family, shared style in :mod:`rbpgia.plots.style`."""
