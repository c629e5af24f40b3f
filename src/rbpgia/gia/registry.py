"""One entry per GIA experiment: what runs it, how its table is read and drawn.

The command line, the workflow (its rules, the cross-RBP summary, the report), the
figures and the validation all look experiments up here, so adding one means: its module
under :mod:`rbpgia.gia.experiments`, its entry in :data:`EXPERIMENTS` below, and its
report caption ``workflow/report/gia/<name>.rst``. Nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia.experiments.design import Headline, load_position
from rbpgia.gia.experiments.flanks import count_support as flanks_support
from rbpgia.gia.experiments.flanks import flanks
from rbpgia.gia.experiments.flanks import headline as flanks_headline
from rbpgia.gia.experiments.gc_bias import count_support as gc_bias_support
from rbpgia.gia.experiments.gc_bias import gc_bias
from rbpgia.gia.experiments.gc_bias import headline as gc_bias_headline
from rbpgia.gia.experiments.gc_bias import load_design as gc_bias_design
from rbpgia.gia.experiments.hairpin import count_support as hairpin_support
from rbpgia.gia.experiments.hairpin import hairpin
from rbpgia.gia.experiments.hairpin import headline as hairpin_headline
from rbpgia.gia.experiments.hairpin import load_design as hairpin_design
from rbpgia.gia.experiments.motif_count import count_support as motif_count_support
from rbpgia.gia.experiments.motif_count import headline as motif_count_headline
from rbpgia.gia.experiments.motif_count import load_design as motif_count_design
from rbpgia.gia.experiments.motif_count import motif_count
from rbpgia.gia.experiments.mutagenesis import count_support as mutagenesis_support
from rbpgia.gia.experiments.mutagenesis import headline as mutagenesis_headline
from rbpgia.gia.experiments.mutagenesis import kmer_mutagenesis
from rbpgia.gia.experiments.patterns import count_support as patterns_support
from rbpgia.gia.experiments.patterns import headline as patterns_headline
from rbpgia.gia.experiments.patterns import load_design as patterns_design
from rbpgia.gia.experiments.patterns import patterns
from rbpgia.gia.experiments.positional import best_row, positional
from rbpgia.gia.experiments.positional import count_support as positional_support
from rbpgia.gia.experiments.positional import headline as positional_headline
from rbpgia.gia.experiments.positional import load_design as positional_design
from rbpgia.gia.experiments.search import headline as search_headline
from rbpgia.gia.experiments.spacing import INTERACTION, spacing, strongest_interaction
from rbpgia.gia.experiments.spacing import count_support as spacing_support
from rbpgia.gia.experiments.spacing import headline as spacing_headline
from rbpgia.gia.experiments.spacing import load_design as spacing_design
from rbpgia.gia.support import Training

# (training set, an experiment's table, its design options) -> support, support_1mm.
SupportCounter = Callable[[Training, pd.DataFrame, Mapping], pd.DataFrame]


@dataclass(frozen=True)
class Figure:
    """How an experiment's table is drawn (:func:`rbpgia.plots.gia.plot_experiment`).

    ``kind``: ``ranking`` (the best rows as horizontal bars), ``grid`` (a heat map of
    ``rows`` x ``columns``), ``line`` (importance against ``x``, one line per value of
    ``series``, optionally with the table's fitted line) or ``bars`` (one bar per row,
    contrasts drawn apart). ``xlabel``/``ylabel`` name the axes (a grid's rows: their column
    name when empty). ``rows_shown`` keeps only rows whose ``condition`` is listed,
    ``kinds_shown`` only rows of those kinds.
    """

    kind: str
    x: str | None = None
    xlabel: str = ""
    ylabel: str = ""
    rows: str | None = None
    columns: str | None = None
    series: str | None = None
    fit: bool = False
    rows_shown: tuple[str, ...] | None = None
    kinds_shown: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Experiment:
    """A GIA experiment: its function, the columns naming its rows, headline and figure.

    ``run`` is None for the k-mer search, which takes no motif and runs through
    :mod:`rbpgia.gia.kmer_search`; ``labels`` are the columns that name a row, before the
    statistics; ``summary`` is one line for help texts; ``support`` counts the training
    probes holding each condition's configuration, ``(training, table, design options) ->
    support columns`` (:mod:`rbpgia.gia.support`; None for the search). ``by_default``:
    whether ``gia.experiments: null`` runs it (an experiment that needs the user's input,
    such as a list of patterns, runs only when its design is configured). ``load_design``
    turns design options that name files into values and checks them, before any
    prediction. ``places_motif``: whether its answer depends on the motif (only those run
    again with a tied runner-up motif, config ``gia.runner_up``). ``named_row``: the row a
    headline without a CI names (a start, a gap), by which two tables' answers are compared
    (:func:`rbpgia.headlines.same_answer`).
    """

    name: str
    run: Callable[..., pd.DataFrame] | None
    labels: tuple[str, ...]
    headline: Callable[[pd.DataFrame], Headline]
    figure: Figure
    summary: str
    support: SupportCounter | None = None
    by_default: bool = True
    load_design: Callable[[Mapping], dict] | None = None
    places_motif: bool = True
    named_row: Callable[[pd.DataFrame], pd.Series] | None = None

    @property
    def needs_motif(self) -> bool:
        return self.run is not None


SEARCH = "kmer_search"

_ENTRIES = [
    Experiment(SEARCH, None, ("kmer", "position"), search_headline, Figure("ranking", x="kmer"),
               "every k-mer at the nulls' centre, ranked by importance"),
    Experiment("kmer_mutagenesis", kmer_mutagenesis,
               ("condition", "position", "nucleotide", "kmer", "wild_type"), mutagenesis_headline,
               Figure("grid", rows="nucleotide", columns="position",
                      xlabel="position in the motif (from 1)"),
               "every single-nucleotide variant of the motif at the same columns",
               mutagenesis_support, load_design=load_position),
    Experiment("positional", positional, ("condition", "anchor", "offset", "position"),
               positional_headline,
               Figure("line", x="offset", series="anchor",
                      xlabel="motif start (nt from that end)"),
               "the motif at every start, counted from the 5' and the 3' end",
               positional_support, load_design=positional_design, named_row=best_row),
    Experiment("motif_count", motif_count, ("condition", "pattern", "n_sites"),
               motif_count_headline,
               Figure("line", x="n_sites", series="pattern", xlabel="copies of the motif",
                      fit=True, kinds_shown=("condition",)),
               "1..n copies placed alike for every count, and each added copy",
               motif_count_support, load_design=motif_count_design),
    Experiment("spacing", spacing, ("condition", "spacing"), spacing_headline,
               Figure("line", x="spacing", series="condition",
                      xlabel="gap between the two copies (nt)",
                      rows_shown=("pair", INTERACTION)),
               "two copies at each gap, and their interaction beyond the single sites",
               spacing_support, load_design=spacing_design, named_row=strongest_interaction),
    Experiment("gc_bias", gc_bias, ("condition",), gc_bias_headline,
               Figure("bars", x="condition"),
               "a GC-rich k-mer at either end, with and without the motif", gc_bias_support,
               load_design=gc_bias_design),
    Experiment("hairpin", hairpin, ("condition",), hairpin_headline, Figure("bars", x="condition"),
               "the motif in a hairpin loop and stem, each against the same letters unpaired",
               hairpin_support, load_design=hairpin_design),
    Experiment("flanks", flanks, ("condition", "five_prime", "three_prime"), flanks_headline,
               Figure("grid", rows="five_prime", columns="three_prime",
                      xlabel="3' flanking nucleotide", ylabel="5' flanking nucleotide"),
               "the motif with every pair of flanking nucleotides", flanks_support,
               load_design=load_position),
    Experiment("patterns", patterns, ("condition", "pattern", "length"), patterns_headline,
               Figure("bars", x="condition"),
               "each of a list of patterns at the centre, against measured affinity if given",
               patterns_support, by_default=False,
               load_design=patterns_design, places_motif=False),
]  # fmt: skip

EXPERIMENTS: dict[str, Experiment] = {entry.name: entry for entry in _ENTRIES}
# Experiments on a motif, in the order the workflow runs them.
MOTIF_EXPERIMENTS: tuple[str, ...] = tuple(e.name for e in _ENTRIES if e.needs_motif)
# Those that `gia.experiments: null` runs; the others only when their design is configured.
DEFAULT_EXPERIMENTS: tuple[str, ...] = tuple(
    e.name for e in _ENTRIES if e.needs_motif and e.by_default
)


def get(name: str) -> Experiment:
    """The registry entry of ``name``; InputError listing the known ones otherwise."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise InputError(
            f"unknown GIA experiment {name!r}; known: {', '.join(EXPERIMENTS)}"
        ) from None


def experiment_of(result: pd.DataFrame, source=None) -> str:
    """The experiment a GIA table comes from, read from its ``experiment`` column."""
    if "experiment" not in result.columns or not len(result):
        raise InputError(
            "the table has no 'experiment' column (written before rbpgia 0.2?); "
            "name the experiment with --experiment",
            source,
        )
    try:
        return get(str(result["experiment"].iloc[0])).name
    except InputError as error:
        raise InputError(f"column experiment: {error}", source) from None


def headline(name: str, result: pd.DataFrame) -> Headline:
    """The headline of one experiment's table."""
    return get(name).headline(result)


__all__ = [
    "DEFAULT_EXPERIMENTS",
    "EXPERIMENTS",
    "MOTIF_EXPERIMENTS",
    "SEARCH",
    "Experiment",
    "Figure",
    "Headline",
    "experiment_of",
    "get",
    "headline",
]
