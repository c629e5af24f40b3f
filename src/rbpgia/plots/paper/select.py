"""Which RBPs the paper's figures show: the paper's own where modelled, else by headline value."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# The RBPs Koo et al. (2021) show, by experiment ID (RNAcompete 2013; VTS1 by its RNAcompete
# 2009 name first, then the 2013 Vts1p experiments), in the paper's order.
PAPER_RBPS = {
    "figure2": ("RNCMPT00168",),  # RBFOX1
    "figure3": ("VTS1", "RNCMPT00082", "RNCMPT00111"),  # Vts1p
    "figure4": ("RNCMPT00112", "RNCMPT00131", "RNCMPT00145"),  # HuR, CG17838, snf
}


def paper_rbps(figure: str, modelled: Iterable[str]) -> list[str]:
    """The paper's RBPs of ``figure`` (``figure2``..``figure4``) among the modelled RBPs."""
    modelled = set(modelled)
    return [rbp for rbp in PAPER_RBPS[figure] if rbp in modelled]


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
