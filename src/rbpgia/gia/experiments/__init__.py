"""The GIA experiments of Koo et al. (2021), one module per question about a motif.

Every experiment is a function ``(predict, nulls, motif, *, rng, baseline=None,
n_boot=1000, confidence=0.95, **design) -> pd.DataFrame`` whose rows are its conditions,
the controls that differ from a condition in one thing, and the contrasts between them
(``"A - B"``, paired per null, each with its own CI): see
:mod:`rbpgia.gia.experiments.design` for the table layout and
:mod:`rbpgia.gia.registry` for how the command line, the workflow and the figures find
them. ``predict`` is a :class:`~rbpgia.gia.predictor.Predictor` (or a plain function of
one-hot input, taken as a sequence model).
"""

from rbpgia.gia.experiments.flanks import flanks
from rbpgia.gia.experiments.gc_bias import gc_bias
from rbpgia.gia.experiments.hairpin import hairpin
from rbpgia.gia.experiments.motif_count import motif_count
from rbpgia.gia.experiments.mutagenesis import kmer_mutagenesis
from rbpgia.gia.experiments.patterns import patterns
from rbpgia.gia.experiments.positional import positional
from rbpgia.gia.experiments.spacing import feasible_spacings, spacing

__all__ = [
    "feasible_spacings",
    "flanks",
    "gc_bias",
    "hairpin",
    "kmer_mutagenesis",
    "motif_count",
    "patterns",
    "positional",
    "spacing",
]
