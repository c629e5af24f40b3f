"""The planted rule as a model: what GIA would find if training had learned it exactly.

A synthetic RBP's validation compares each GIA table with the rule it was generated from.
When a check fails, it is either the design (GIA cannot see the rule even in a perfect
model) or the trained model (it did not learn the rule). Running the same experiment, on
the same nulls, with the planted rule itself as the model tells the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rbpgia.encode.onehot import decode
from rbpgia.errors import InputError
from rbpgia.simulate.codes import encode_padded
from rbpgia.simulate.measurement import expected_normalised
from rbpgia.simulate.rules import planted_scores
from rbpgia.simulate.spec import SPEC_KEYS, check_spec
from rbpgia.simulate.structure import fold_unpaired


def planted_predict(
    spec: Mapping, *, threads: int = 1, name: str = "RBP", normaliser: dict | None = None
):
    """``predict(onehot (N, L, 4)) -> (N,)``: the planted rule, noise-free.

    Without ``normaliser``, the log-affinity. With the ``normaliser`` of a model trained
    on the data set (its ``metrics.json``), the rule on that model's scale: the expected
    normalised measurement (:func:`~rbpgia.simulate.measurement.expected_normalised`,
    which needs ``spec``'s ``noise_sd`` and ``normalisation`` from ``ground_truth.json``),
    the scale on which that model's GIA effects are measured. The two differ: through
    the exponential link and ``log(y - min + 1)``, three independent sites give growing
    increments on a log model's scale (SYN_ADDITIVE: 0.88, 1.25, 1.51) where their
    log-affinities add level ones (1.04, 1.02, 1.01).

    Probes are refolded with ViennaRNA (``threads`` processes) when the rule has
    ``accessibility > 0``, exactly as the generator folded the pool. ``spec`` may carry
    the generator's extra keys; only the rule's keys define the rule.
    """
    rule = check_spec(name, {key: value for key, value in spec.items() if key in SPEC_KEYS})
    if normaliser is not None:
        missing = [key for key in ("noise_sd", "normalisation") if key not in spec]
        if missing:
            raise InputError(
                f"{name}: the rule on a model's scale needs the ground truth's {', '.join(missing)}"
            )

    def predict(onehot: np.ndarray) -> np.ndarray:
        sequences = np.asarray(decode(np.asarray(onehot)[..., :4]))
        unpaired = None
        if rule["accessibility"] > 0:
            _, lengths = encode_padded(sequences)
            unpaired = fold_unpaired(sequences, lengths, threads)
        scores = planted_scores(sequences, rule, unpaired, name=name)
        if normaliser is None:
            return scores
        measured = spec["normalisation"]
        return expected_normalised(
            scores, spec["noise_sd"], measured["median"], measured["scale"], normaliser
        )

    return predict
