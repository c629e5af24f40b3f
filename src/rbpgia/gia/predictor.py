"""A model as GIA sees it: one-hot probes in, one score per probe out.

GIA writes patterns into one-hot nulls ``(N, L, 4)``. A sequence model reads those as
they are; a model that also reads structure (``pu``: + paired/unpaired, ``struct``: +
five structural contexts) needs its structure channels recomputed from each changed
sequence, never carried over from the null. :class:`Predictor` owns that: it takes
one-hot probes, refolds them with ViennaRNA when its model reads structure, calls the
model and checks that one finite-shaped score comes back per probe. Every GIA function
takes a Predictor (or a plain function, taken as a sequence model), so none of them
needs to know the model's input type.

>>> predictor = Predictor(make_predict_fn(model), "pu", threads=4)
>>> scores = predictor(onehot)            # (N,) float64, structure folded for the model
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rbpgia.encode.onehot import INPUT_CHANNELS
from rbpgia.encode.structure import SPAN, WINDOW
from rbpgia.errors import InputError
from rbpgia.gia.embed import with_structure

PredictFn = Callable[[np.ndarray], np.ndarray]


class Predictor:
    """Scores one-hot probes with a model, adding structure channels when it reads them.

    Parameters
    ----------
    predict : callable
        ``predict(x: (N, L, C) float32) -> (N,)`` on the model's own input, e.g.
        :func:`rbpgia.train.make_predict_fn` of a Keras model. It must not modify ``x``.
    input_type : {"seq", "pu", "struct"}
        What the model reads: one-hot only (C = 4), or one-hot plus ViennaRNA structure
        profiles (C = 6 or 9; see :mod:`rbpgia.encode.structure`).
    threads : int
        Processes folding probes for ``pu``/``struct`` models.
    window, span : int
        ViennaRNA window W and maximal span L: the values the model was trained with.
    """

    def __init__(
        self,
        predict: PredictFn,
        input_type: str = "seq",
        *,
        threads: int = 1,
        window: int = WINDOW,
        span: int = SPAN,
    ):
        if not callable(predict):
            raise InputError(f"predict must be callable, got {type(predict).__name__}")
        if input_type not in INPUT_CHANNELS:
            raise InputError(
                f"input_type must be one of {sorted(INPUT_CHANNELS)}, got {input_type!r}"
            )
        self.predict = predict
        self.input_type = input_type
        self.threads = int(threads)
        self.window = int(window)
        self.span = int(span)

    @property
    def refolds(self) -> bool:
        """True when structure is recomputed after every intervention (``pu``/``struct``)."""
        return self.input_type != "seq"

    def model_input(self, onehot: np.ndarray) -> np.ndarray:
        """What the model reads for one-hot probes: themselves, or with structure channels."""
        if not self.refolds:
            return onehot  # sequence models read the one-hot rows as they are: no copy
        return with_structure(
            onehot, self.input_type, self.threads, window=self.window, span=self.span
        ).x

    def __call__(self, onehot: np.ndarray) -> np.ndarray:
        """Scores of one-hot probes ``(N, L, 4)``, shape (N,) float64."""
        scores = np.asarray(self.predict(self.model_input(onehot)), dtype=np.float64).reshape(-1)
        if scores.shape != (len(onehot),):
            raise InputError(f"predict returned {scores.size} values for {len(onehot)} sequences")
        return finite_scores(scores, "predict")

    def __repr__(self) -> str:
        return f"Predictor({self.input_type}, threads={self.threads})"


def finite_scores(scores: np.ndarray, source: str) -> np.ndarray:
    """``scores`` if all are finite, else InputError saying how many ``source`` spoilt."""
    bad = int(np.count_nonzero(~np.isfinite(scores)))
    if bad:
        raise InputError(f"{source} returned {bad} non-finite scores (NaN or infinite)")
    return scores


def as_predictor(predict: Predictor | PredictFn) -> Predictor:
    """``predict`` itself if it is a :class:`Predictor`, else a sequence-model Predictor."""
    return predict if isinstance(predict, Predictor) else Predictor(predict, "seq")
