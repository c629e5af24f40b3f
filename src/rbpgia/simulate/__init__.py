"""Synthetic RNAcompete-like probe pools whose binding rules are planted and known.

The idea: draw a random probe pool that looks like RNAcompete's (probe lengths, GC spread,
Set A / Set B split), plant instances of each synthetic RBP's motif into a fraction of the
probes (RNAcompete's designed pool is likewise enriched for k-mer coverage), score every
probe with an explicit log-affinity model, and turn the score into a normalised intensity
with an exponential link, multiplicative noise and a robust z-score. Because the score is
known exactly, every later stage (models, global importance analysis) can be checked
against the truth. See ``docs/synthetic.md`` for the full description.

Modules, in the order :func:`generate` uses them:

- :mod:`~rbpgia.simulate.spec`: an RBP's planted rule, checked against the config schema;
- :mod:`~rbpgia.simulate.pool`: the background pool (:func:`generate_pool`);
- :mod:`~rbpgia.simulate.plant`: motif instances written into each RBP's share of probes;
- :mod:`~rbpgia.simulate.structure`: unpaired probabilities, for the accessibility rule;
- :mod:`~rbpgia.simulate.rules`: the noise-free log-affinity (:func:`planted_scores`);
- :mod:`~rbpgia.simulate.measurement`: noise, missing values, normalisation (:func:`measure`);
- :mod:`~rbpgia.simulate.dataset`: all of it, and the ground truth (:func:`generate`);
- :mod:`~rbpgia.simulate.recovery`: GIA's recovered effects checked against the planted
  rules (``python -m rbpgia.simulate.recovery validation.tsv``).
"""

from __future__ import annotations

from rbpgia.simulate.codes import decode_padded, encode_padded
from rbpgia.simulate.dataset import GENERATOR_VERSION, generate
from rbpgia.simulate.measurement import expected_intensity, expected_measurement, measure
from rbpgia.simulate.pool import generate_pool
from rbpgia.simulate.rules import planted_scores
from rbpgia.simulate.spec import SITE_EFFECTS, SPEC_KEYS, check_spec
from rbpgia.simulate.structure import unpaired_from_profiles

__all__ = [
    "GENERATOR_VERSION",
    "SITE_EFFECTS",
    "SPEC_KEYS",
    "check_spec",
    "decode_padded",
    "encode_padded",
    "expected_intensity",
    "expected_measurement",
    "generate",
    "generate_pool",
    "measure",
    "planted_scores",
    "unpaired_from_profiles",
]
