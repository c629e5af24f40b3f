"""The k-mer search as an experiment: its headline (the search itself is rbpgia.gia.kmer_search)."""

from __future__ import annotations

import pandas as pd

from rbpgia.gia.experiments.design import Headline

NAME = "kmer_search"


def top_kmer(result: pd.DataFrame) -> str:
    """The best k-mer: k-mer search tables are in rank order (refined k-mers first)."""
    return str(result["kmer"].iloc[0])


def headline(result: pd.DataFrame) -> Headline:
    """The top k-mer's importance; detail: the k-mer."""
    return Headline.of_row("top k-mer importance", result.iloc[0], top_kmer(result))
