"""Global importance analysis (GIA; Koo et al. 2021) of any model over one-hot probes.

The global importance of a feature is the mean, over many background ("null")
probes, of the change in a model's prediction when the feature is written into them.
A model enters only as a prediction function ``predict(x: (N, L, C)) -> (N,)``, so any
Keras model works through :func:`rbpgia.train.make_predict_fn`.

* :mod:`~rbpgia.gia.nulls`: background probes (profile, shuffles, quartiles, GC-matched);
* :mod:`~rbpgia.gia.embed`: writing patterns into nulls, refolding structure inputs;
* :mod:`~rbpgia.gia.importance`: importance, bootstrap CI, t-test, BH q-values;
* :mod:`~rbpgia.gia.kmer_search`: exhaustive and adaptive k-mer searches;
* :mod:`~rbpgia.gia.experiments`: the paper's experiments on a motif.

The functions named like their modules (``embed``, ``importance``, ``kmer_search``)
are not re-exported here, so ``rbpgia.gia.embed`` etc. stay the modules: import them
from their modules, e.g. ``from rbpgia.gia.kmer_search import kmer_search``.
"""

from rbpgia.gia.embed import (
    ModelInput,
    common_starts,
    embed_per_sequence,
    real_regions,
    resolve_starts,
    reverse_complement,
    with_structure,
)
from rbpgia.gia.experiments import (
    GC_BIAS_CONDITIONS,
    HAIRPIN_CONTEXTS,
    feasible_spacings,
    flanks,
    gc_bias,
    hairpin,
    kmer_mutagenesis,
    motif_count,
    positional,
    spacing,
)
from rbpgia.gia.importance import (
    bh_fdr,
    importance_table,
    intervention_differences,
    null_predictions,
    summarise,
)
from rbpgia.gia.kmer_search import adaptive_kmer_search, all_kmers
from rbpgia.gia.nulls import (
    NULL_KINDS,
    dinuc_nulls,
    gc_content,
    gc_matched_nulls,
    make_nulls,
    profile_nulls,
    quartile_nulls,
    shuffle_nulls,
)

EXPERIMENTS = {
    "kmer_mutagenesis": kmer_mutagenesis,
    "positional": positional,
    "motif_count": motif_count,
    "spacing": spacing,
    "gc_bias": gc_bias,
    "hairpin": hairpin,
    "flanks": flanks,
}

__all__ = [
    "EXPERIMENTS",
    "GC_BIAS_CONDITIONS",
    "HAIRPIN_CONTEXTS",
    "NULL_KINDS",
    "ModelInput",
    "adaptive_kmer_search",
    "all_kmers",
    "bh_fdr",
    "common_starts",
    "dinuc_nulls",
    "embed_per_sequence",
    "feasible_spacings",
    "flanks",
    "gc_bias",
    "gc_content",
    "gc_matched_nulls",
    "hairpin",
    "importance_table",
    "intervention_differences",
    "kmer_mutagenesis",
    "make_nulls",
    "motif_count",
    "null_predictions",
    "positional",
    "profile_nulls",
    "quartile_nulls",
    "real_regions",
    "resolve_starts",
    "reverse_complement",
    "shuffle_nulls",
    "spacing",
    "summarise",
    "with_structure",
]
