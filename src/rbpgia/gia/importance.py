"""Global importance: the mean effect of an intervention on a model's predictions.

For nulls ``x_1..x_n`` and an intervention ``f`` (e.g. "write UGCAUG at the centre"),
the global importance of ``f`` is (Koo et al. 2021)

    I(f) = mean_i [ predict(f(x_i)) - predict(x_i) ],

the average over the nulls of the paired differences ``d_i``. It is reported with

* a percentile bootstrap confidence interval (``ci_low``, ``ci_high``; 95% by
  default): the nulls are resampled with replacement ``n_boot`` times and the mean
  recomputed. One seeded table of resampling counts is drawn per call and shared by
  every intervention, so all bootstrap means are one matrix product;
* ``n``, the number of nulls;
* ``p_value``, two-sided one-sample t-test of the differences against 0 (a paired
  t-test of intervention vs null predictions). When all differences are equal the
  t statistic is 0/0 or infinite; the p-value is then 1 if they are all 0, else 0.
* ``q_value``, Benjamini-Hochberg across the interventions of one table
  (:func:`bh_fdr`).

The null predictions do not depend on the intervention, so they are computed once
(:func:`null_predictions`) and can be passed as ``baseline`` to every later call, e.g.
to the 4,096 interventions of a 6-mer search.

``predict`` is any function from model inputs ``(N, L, C)`` float32 to ``(N,)``
scores, such as :func:`rbpgia.train.make_predict_fn` of a Keras model; it must not
modify its input. Interventions act on one-hot nulls; for ``pu``/``struct`` models the
structure channels are refolded after the intervention
(:func:`rbpgia.gia.embed.with_structure`), and results say so in
``structure_recomputed``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from rbpgia.encode.structure import SPAN, WINDOW
from rbpgia.errors import InputError
from rbpgia.gia.embed import as_onehot, embed, with_structure

N_BOOT = 1000
CONFIDENCE = 0.95
BATCH_ROWS = 16384
# Statistics columns of every GIA table, in order.
STAT_COLUMNS = [
    "importance",
    "ci_low",
    "ci_high",
    "n",
    "p_value",
    "q_value",
    "structure_recomputed",
]

Intervention = Callable[[np.ndarray], np.ndarray] | Sequence | tuple


def predict_onehot(
    predict: Callable[[np.ndarray], np.ndarray],
    onehot: np.ndarray,
    input_type: str = "seq",
    *,
    threads: int = 1,
    window: int = WINDOW,
    span: int = SPAN,
) -> tuple[np.ndarray, bool]:
    """Predictions for one-hot probes, refolding structure first for ``pu``/``struct``.

    Returns
    -------
    predictions : np.ndarray of float64, shape (N,)
    structure_recomputed : bool
    """
    if input_type == "seq":
        # Sequence models read the one-hot rows as they are: no copy, no re-check.
        x, recomputed = onehot, False
    else:
        x, recomputed = with_structure(onehot, input_type, threads, window=window, span=span)
    predictions = np.asarray(predict(x), dtype=np.float64).reshape(-1)
    if predictions.shape != (len(onehot),):
        raise InputError(f"predict returned {predictions.size} values for {len(onehot)} sequences")
    return predictions, recomputed


def null_predictions(
    predict: Callable[[np.ndarray], np.ndarray],
    nulls: np.ndarray,
    input_type: str = "seq",
    *,
    threads: int = 1,
    window: int = WINDOW,
    span: int = SPAN,
) -> np.ndarray:
    """Predictions on the nulls alone, shape (n,): the ``baseline`` every GIA call reuses."""
    return predict_onehot(
        predict, as_onehot(nulls), input_type, threads=threads, window=window, span=span
    )[0]


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


def baseline_for(predict, nulls, baseline, input_type="seq", **fold) -> np.ndarray:
    """``baseline`` checked against the nulls, or the null predictions if it is None."""
    if baseline is None:
        return null_predictions(predict, nulls, input_type, **fold)
    baseline = np.asarray(baseline, dtype=np.float64).reshape(-1)
    if baseline.shape != (len(nulls),):
        raise InputError(f"baseline has {baseline.size} predictions for {len(nulls)} nulls")
    return baseline


def intervention_differences(
    predict: Callable[[np.ndarray], np.ndarray],
    nulls: np.ndarray,
    interventions: Sequence[Intervention],
    input_type: str = "seq",
    *,
    baseline: np.ndarray | None = None,
    batch_rows: int = BATCH_ROWS,
    threads: int = 1,
    window: int = WINDOW,
    span: int = SPAN,
) -> tuple[np.ndarray, bool]:
    """Paired differences ``predict(f(x_i)) - predict(x_i)`` for many interventions.

    Intervened copies of the nulls are stacked until about ``batch_rows`` sequences,
    then predicted (and refolded, for structure models) in one call. Without a
    ``baseline`` the nulls ride along in the first call, so no call is spent on them
    alone.

    Returns
    -------
    differences : np.ndarray of float64, shape (K, n)
    structure_recomputed : bool
    """
    nulls = as_onehot(nulls)
    fold = {"threads": threads, "window": window, "span": span}
    if baseline is not None:
        baseline = baseline_for(predict, nulls, baseline, input_type, **fold)
    n = len(nulls)
    per_call = max(1, batch_rows // n)
    differences = np.empty((len(interventions), n), dtype=np.float64)
    recomputed = input_type != "seq"
    for first in range(0, max(len(interventions), 1), per_call):
        blocks = [apply_intervention(nulls, f) for f in interventions[first : first + per_call]]
        with_nulls = baseline is None
        if with_nulls:
            blocks.insert(0, nulls)
        predictions, recomputed = predict_onehot(
            predict, np.concatenate(blocks), input_type, **fold
        )
        predictions = predictions.reshape(len(blocks), n)
        if with_nulls:
            baseline, predictions = predictions[0], predictions[1:]
        differences[first : first + len(predictions)] = predictions - baseline
    return differences, recomputed


def bootstrap_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``n`` items is drawn in each of ``n_boot`` resamples, (n_boot, n)."""
    draws = rng.integers(0, n, size=(n_boot, n))
    flat = (np.arange(n_boot)[:, None] * n + draws).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)


def summarise(
    differences: np.ndarray,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> dict[str, np.ndarray]:
    """Mean, bootstrap CI, n and t-test p-value of each row of paired differences.

    Parameters
    ----------
    differences : np.ndarray, shape (K, n) or (n,)
        One row per intervention, one column per null.
    n_boot : int
        Bootstrap resamples (shared by all rows).
    rng : np.random.Generator or int, optional
        Source of the resamples; ``None`` means seed 0, so results are reproducible.
    confidence : float
        Coverage of the percentile interval.

    Returns
    -------
    dict of np.ndarray, each shape (K,)
        ``importance`` (mean difference), ``ci_low``, ``ci_high``, ``n``, ``p_value``.
    """
    d = np.atleast_2d(np.asarray(differences, dtype=np.float64))
    k, n = d.shape
    if n == 0:
        raise InputError("no nulls to summarise")
    rng = np.random.default_rng(0 if rng is None else rng)
    mean = d.mean(axis=1)
    counts = bootstrap_counts(n, n_boot, rng)
    alpha = (1.0 - confidence) / 2
    ci = np.empty((k, 2))
    for first in range(0, k, 1024):  # bounds the (rows x n_boot) matrix in memory
        boot_means = d[first : first + 1024] @ counts.T / n
        ci[first : first + 1024] = np.quantile(boot_means, [alpha, 1 - alpha], axis=1).T
    return {
        "importance": mean,
        "ci_low": ci[:, 0],
        "ci_high": ci[:, 1],
        "n": np.full(k, n, dtype=np.int64),
        "p_value": t_test_p(d),
    }


def t_test_p(differences: np.ndarray) -> np.ndarray:
    """Two-sided one-sample t-test p-value of each row against mean 0, shape (K,).

    Rows with zero spread get 1 when they are all zero and 0 otherwise; rows of fewer
    than two values get NaN.
    """
    d = np.atleast_2d(np.asarray(differences, dtype=np.float64))
    n = d.shape[1]
    if n < 2:
        return np.full(len(d), np.nan)
    mean = d.mean(axis=1)
    sd = d.std(axis=1, ddof=1)
    # Spread below round-off of the mean counts as none.
    flat = sd <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / (sd / np.sqrt(n))
    p = 2.0 * stats.t.sf(np.abs(t), df=n - 1)
    return np.where(flat, np.where(mean == 0, 1.0, 0.0), p)


def bh_fdr(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values of a family of p-values.

    ``q_(i) = min_{j >= i} min(1, p_(j) m / j)`` over the p-values sorted ascending,
    where m counts the finite p-values; NaN p-values are left out of the family and get
    NaN q-values.

    Parameters
    ----------
    p_values : array-like, shape (m,)

    Returns
    -------
    np.ndarray of float64, shape (m,), in the input order.
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    q = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if not finite.size:
        return q
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise InputError("p-values must lie in [0, 1]")
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return q


def stats_frame(
    differences: np.ndarray,
    structure_recomputed: bool,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """:func:`summarise` as a table with BH ``q_value`` and ``structure_recomputed``."""
    table = pd.DataFrame(summarise(differences, n_boot, rng, confidence))
    table["q_value"] = bh_fdr(table["p_value"])
    table["structure_recomputed"] = bool(structure_recomputed)
    return table[STAT_COLUMNS]


def importance_table(
    predict: Callable[[np.ndarray], np.ndarray],
    nulls: np.ndarray,
    interventions: Sequence[Intervention],
    input_type: str = "seq",
    *,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
    batch_rows: int = BATCH_ROWS,
    threads: int = 1,
    window: int = WINDOW,
    span: int = SPAN,
) -> pd.DataFrame:
    """Global importance of each of several interventions on the same nulls.

    Returns
    -------
    pd.DataFrame
        One row per intervention, in order: ``importance, ci_low, ci_high, n, p_value,
        q_value`` (BH over these rows) and ``structure_recomputed``.
    """
    differences, recomputed = intervention_differences(
        predict,
        nulls,
        list(interventions),
        input_type,
        baseline=baseline,
        batch_rows=batch_rows,
        threads=threads,
        window=window,
        span=span,
    )
    return stats_frame(differences, recomputed, n_boot, rng, confidence)


def importance(
    predict: Callable[[np.ndarray], np.ndarray],
    nulls: np.ndarray,
    intervention: Intervention,
    input_type: str = "seq",
    *,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
    threads: int = 1,
    window: int = WINDOW,
    span: int = SPAN,
) -> dict:
    """Global importance of one intervention.

    Parameters
    ----------
    predict : callable
        ``predict(x: (N, L, C) float32) -> (N,)``, e.g. ``make_predict_fn(model)``.
    nulls : np.ndarray, shape (n, L, 4)
        One-hot nulls; never modified.
    intervention : callable or list of (pattern, position)
        See :func:`apply_intervention`.
    input_type : {"seq", "pu", "struct"}
        What ``predict`` reads; ``pu``/``struct`` inputs are refolded after the
        intervention (and for the nulls).
    baseline : np.ndarray, shape (n,), optional
        :func:`null_predictions` of these nulls, to skip recomputing them.
    n_boot, rng, confidence
        Bootstrap settings (see :func:`summarise`).
    threads, window, span
        ViennaRNA folding settings for structure inputs.

    Returns
    -------
    dict
        ``importance`` (mean paired difference), ``ci_low``, ``ci_high``, ``n``,
        ``p_value`` (two-sided one-sample t-test of the differences) and
        ``structure_recomputed``.
    """
    differences, recomputed = intervention_differences(
        predict,
        nulls,
        [intervention],
        input_type,
        baseline=baseline,
        threads=threads,
        window=window,
        span=span,
    )
    row = {
        key: value[0].item()
        for key, value in summarise(differences, n_boot, rng, confidence).items()
    }
    row["structure_recomputed"] = recomputed
    return row
