"""Global importance: the mean effect of an intervention on a model's predictions.

For nulls ``x_1..x_n`` and an intervention ``f`` (e.g. "write UGCAUG at the centre"),
the global importance of ``f`` is (Koo et al. 2021)

    I(f) = mean_i [ predict(f(x_i)) - predict(x_i) ],

the average over the nulls of the paired differences ``d_i``, reported with a bootstrap
CI, ``n``, a t-test p-value and a BH q-value (:mod:`rbpgia.gia.stats`).

The null predictions do not depend on the intervention, so they are computed once
(:func:`null_predictions`) and can be passed as ``baseline`` to every later call, e.g.
to the 4,096 interventions of a 6-mer search.

``predict`` is a :class:`~rbpgia.gia.predictor.Predictor`, which takes one-hot probes
and refolds structure for ``pu``/``struct`` models (results say so in
``structure_recomputed``), or any function from one-hot ``(N, L, 4)`` float32 to
``(N,)`` scores, taken as a sequence model. It must not modify its input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia.embed import as_onehot, embed
from rbpgia.gia.predictor import Predictor, as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT, stats_frame, summarise

BATCH_ROWS = 16384

Intervention = Callable[[np.ndarray], np.ndarray] | Sequence | tuple


def null_predictions(predict: Predictor | Callable, nulls: np.ndarray) -> np.ndarray:
    """Predictions on the nulls alone, shape (n,): the ``baseline`` every GIA call reuses."""
    return as_predictor(predict)(as_onehot(nulls))


def apply_intervention(nulls: np.ndarray, intervention: Intervention) -> np.ndarray:
    """A new one-hot array with ``intervention`` applied to every null.

    ``intervention`` is either a callable ``nulls -> new one-hot array of the same
    shape`` (it must not modify its argument) or patterns for
    :func:`rbpgia.gia.embed.embed`: a list of ``(pattern, position)`` or one such tuple.
    """
    if callable(intervention):
        out = as_onehot(intervention(nulls), "intervention output")
    else:
        out = embed(nulls, intervention)
    if out.shape != nulls.shape:
        raise InputError(f"intervention changed the null shape {nulls.shape} to {out.shape}")
    return out


def baseline_for(predict, nulls, baseline) -> np.ndarray:
    """``baseline`` checked against the nulls, or the null predictions if it is None."""
    if baseline is None:
        return null_predictions(predict, nulls)
    baseline = np.asarray(baseline, dtype=np.float64).reshape(-1)
    if baseline.shape != (len(nulls),):
        raise InputError(f"baseline has {baseline.size} predictions for {len(nulls)} nulls")
    return baseline


def intervention_differences(
    predict: Predictor | Callable,
    nulls: np.ndarray,
    interventions: Sequence[Intervention],
    *,
    baseline: np.ndarray | None = None,
    batch_rows: int = BATCH_ROWS,
) -> np.ndarray:
    """Paired differences ``predict(f(x_i)) - predict(x_i)`` for many interventions.

    Intervened copies of the nulls are stacked until about ``batch_rows`` sequences,
    then predicted (and refolded, for structure models) in one call. Without a
    ``baseline`` the nulls ride along in the first call, so no call is spent on them
    alone.

    Returns
    -------
    np.ndarray of float64, shape (K, n)
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    if baseline is not None:
        baseline = baseline_for(predict, nulls, baseline)
    n = len(nulls)
    per_call = max(1, batch_rows // n)
    differences = np.empty((len(interventions), n), dtype=np.float64)
    for first in range(0, max(len(interventions), 1), per_call):
        blocks = [apply_intervention(nulls, f) for f in interventions[first : first + per_call]]
        with_nulls = baseline is None
        if with_nulls:
            blocks.insert(0, nulls)
        predictions = predict(np.concatenate(blocks)).reshape(len(blocks), n)
        if with_nulls:
            baseline, predictions = predictions[0], predictions[1:]
        differences[first : first + len(predictions)] = predictions - baseline
    return differences


def importance_table(
    predict: Predictor | Callable,
    nulls: np.ndarray,
    interventions: Sequence[Intervention],
    *,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
    batch_rows: int = BATCH_ROWS,
) -> pd.DataFrame:
    """Global importance of each of several interventions on the same nulls.

    Returns
    -------
    pd.DataFrame
        One row per intervention, in order: ``importance, ci_low, ci_high, n, p_value,
        q_value`` (BH over these rows) and ``structure_recomputed``.
    """
    predict = as_predictor(predict)
    differences = intervention_differences(
        predict, nulls, list(interventions), baseline=baseline, batch_rows=batch_rows
    )
    return stats_frame(differences, predict.refolds, n_boot, rng, confidence)


def importance(
    predict: Predictor | Callable,
    nulls: np.ndarray,
    intervention: Intervention,
    *,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> dict:
    """Global importance of one intervention.

    Parameters
    ----------
    predict : Predictor or callable
        A :class:`~rbpgia.gia.predictor.Predictor`, or ``predict(onehot) -> (N,)`` of a
        sequence model, e.g. ``make_predict_fn(model)``.
    nulls : np.ndarray, shape (n, L, 4)
        One-hot nulls; never modified.
    intervention : callable or list of (pattern, position)
        See :func:`apply_intervention`.
    baseline : np.ndarray, shape (n,), optional
        :func:`null_predictions` of these nulls, to skip recomputing them.
    n_boot, rng, confidence
        Bootstrap settings (see :func:`rbpgia.gia.stats.summarise`).

    Returns
    -------
    dict
        ``importance`` (mean paired difference), ``ci_low``, ``ci_high``, ``n``,
        ``p_value`` (two-sided one-sample t-test of the differences) and
        ``structure_recomputed``.
    """
    predict = as_predictor(predict)
    differences = intervention_differences(predict, nulls, [intervention], baseline=baseline)
    row = {
        key: value[0].item()
        for key, value in summarise(differences, n_boot, rng, confidence).items()
    }
    row["structure_recomputed"] = predict.refolds
    return row
