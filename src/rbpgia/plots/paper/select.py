"""Which RBPs the paper's figures show: chosen from the GIA summary's headline values."""

from __future__ import annotations

import pandas as pd


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
