"""Global importance analysis (GIA; Koo et al. 2021) of any model over one-hot probes.

The global importance of a feature is the mean, over many background ("null")
probes, of the change in a model's prediction when the feature is written into them.
A model enters as a :class:`~rbpgia.gia.predictor.Predictor` (one-hot in, one score per
probe out; it refolds structure for models that read it), or as a plain prediction
function of one-hot input.

* :mod:`~rbpgia.gia.predictor`: the model as GIA sees it;
* :mod:`~rbpgia.gia.model_io`: Keras, ONNX and Python-callable models as predictors;
* :mod:`~rbpgia.gia.conventions`: their input layouts and outputs, GIA's to theirs;
* :mod:`~rbpgia.gia.nulls`: background probes (profile, shuffles, quartiles, GC-matched);
* :mod:`~rbpgia.gia.embed`: writing patterns into nulls, refolding structure inputs;
* :mod:`~rbpgia.gia.importance`: paired differences of interventions;
* :mod:`~rbpgia.gia.stats`: bootstrap CI, t-test, BH q-values, contrasts;
* :mod:`~rbpgia.gia.kmer_search`: exhaustive and adaptive k-mer searches;
* :mod:`~rbpgia.gia.experiments`: the paper's experiments on a motif, one module each;
* :mod:`~rbpgia.gia.registry`: one entry per experiment (function, headline, figure);
* :mod:`~rbpgia.gia.run`: the one run path of the command line and the workflow.

The experiments are reached through :mod:`~rbpgia.gia.registry`
(``registry.get(name).run``) or their modules. The functions named like their modules
(``embed``, ``importance``, ``kmer_search``) are not re-exported here, so
``rbpgia.gia.embed`` etc. stay the modules: import them from their modules, e.g.
``from rbpgia.gia.kmer_search import kmer_search``.
"""

from rbpgia.gia.embed import (
    ModelInput,
    common_starts,
    embed_per_sequence,
    real_regions,
    resolve_starts,
    with_structure,
)
from rbpgia.gia.importance import importance_table, intervention_differences, null_predictions
from rbpgia.gia.kmer_search import adaptive_kmer_search, all_kmers
from rbpgia.gia.nulls import (
    NULL_KINDS,
    dinuc_nulls,
    gc_matched_nulls,
    make_nulls,
    profile_nulls,
    quartile_nulls,
    shuffle_nulls,
)
from rbpgia.gia.predictor import Predictor, as_predictor
from rbpgia.gia.registry import DEFAULT_EXPERIMENTS, EXPERIMENTS, MOTIF_EXPERIMENTS
from rbpgia.gia.stats import bh_fdr, summarise

__all__ = [
    "DEFAULT_EXPERIMENTS",
    "EXPERIMENTS",
    "MOTIF_EXPERIMENTS",
    "NULL_KINDS",
    "ModelInput",
    "Predictor",
    "adaptive_kmer_search",
    "all_kmers",
    "as_predictor",
    "bh_fdr",
    "common_starts",
    "dinuc_nulls",
    "embed_per_sequence",
    "gc_matched_nulls",
    "importance_table",
    "intervention_differences",
    "make_nulls",
    "null_predictions",
    "profile_nulls",
    "quartile_nulls",
    "real_regions",
    "resolve_starts",
    "shuffle_nulls",
    "summarise",
    "with_structure",
]
