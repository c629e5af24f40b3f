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
from rbpgia.simulate.codes import encode_padded
from rbpgia.simulate.rules import planted_scores
from rbpgia.simulate.spec import SPEC_KEYS, check_spec
from rbpgia.simulate.structure import fold_unpaired


def planted_predict(spec: Mapping, *, threads: int = 1, name: str = "RBP"):
    """``predict(onehot (N, L, 4)) -> (N,)``: the noise-free planted log-affinity.

    The log-affinity scale is the one the log-normalised models GIA explains are fitted
    on. Probes are refolded with ViennaRNA (``threads`` processes) when the rule has
    ``accessibility > 0``, exactly as the generator folded the pool. ``spec`` may carry
    the generator's extra keys (``ground_truth.json``); only the rule's keys are used.
    """
    rule = check_spec(name, {key: value for key, value in spec.items() if key in SPEC_KEYS})

    def predict(onehot: np.ndarray) -> np.ndarray:
        sequences = np.asarray(decode(np.asarray(onehot)[..., :4]))
        unpaired = None
        if rule["accessibility"] > 0:
            _, lengths = encode_padded(sequences)
            unpaired = fold_unpaired(sequences, lengths, threads)
        return planted_scores(sequences, rule, unpaired, name=name)

    return predict
