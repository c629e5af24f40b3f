"""The k-mer search as an experiment: its headline (the search itself is rbpgia.gia.kmer_search)."""

from __future__ import annotations

import pandas as pd

from rbpgia.gia.experiments.design import Headline, with_ci

NAME = "kmer_search"


def top_kmer(result: pd.DataFrame) -> str:
    """The best k-mer: k-mer search tables are in rank order (refined k-mers first)."""
    return str(result["kmer"].iloc[0])


def near_tie(result: pd.DataFrame) -> pd.Series | None:
    """The second k-mer where its CI reaches the top one's, else None: the motif every
    other experiment places is then one of a near tie (on the real A1CF data UAAUUA 1.59
    against UAAUUG 1.57 gave different extrapolated answers)."""
    if len(result) < 2:
        return None
    top, runner_up = result.iloc[0], result.iloc[1]
    return runner_up if runner_up["ci_high"] >= top["ci_low"] else None


def headline(result: pd.DataFrame) -> Headline:
    """The top k-mer's importance; detail: the k-mer, and the next one where their CIs
    overlap (:func:`near_tie`)."""
    top = result.iloc[0]
    detail = top_kmer(result)
    runner_up = near_tie(result)
    if runner_up is not None:
        detail += f"; next {runner_up['kmer']} {with_ci(runner_up)}, CIs overlap"
    return Headline.of_row("top k-mer importance", top, detail)
