"""Correlation metrics between measured and predicted binding scores.

RNAcompete models are judged by how well predictions rank and track the measured
probe intensities, so the headline metrics are Pearson and Spearman correlations.
Both take plain 1-D arrays; removing missing targets (NaN) is the caller's job.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def _as_pair(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"targets and predictions differ in length: {y.size} vs {p.size}")
    return y, p


def pearson_r(y: np.ndarray, p: np.ndarray) -> float:
    """Pearson correlation of ``y`` and ``p``.

    The centred dot product divided by the product of the centred norms, computed in
    float64. A constant input (zero variance) or fewer than two values has no defined
    correlation and gives NaN, silently: a model that predicts a constant is a normal
    early-training state, not an error.

    Parameters
    ----------
    y, p : np.ndarray
        Measured and predicted values, same number of elements (flattened).

    Returns
    -------
    float
        r in [-1, 1], or NaN.
    """
    y, p = _as_pair(y, p)
    if y.size < 2:
        return float("nan")
    yc = y - y.mean()
    pc = p - p.mean()
    denominator = np.sqrt(np.dot(yc, yc) * np.dot(pc, pc))
    if not denominator > 0:
        return float("nan")
    # Rounding can push |r| a hair above 1.
    return float(np.clip(np.dot(yc, pc) / denominator, -1.0, 1.0))


def spearman_r(y: np.ndarray, p: np.ndarray) -> float:
    """Spearman rank correlation: the Pearson correlation of the ranks (ties averaged).

    NaN, without a warning, when either input is constant (see :func:`pearson_r`).
    """
    y, p = _as_pair(y, p)
    return pearson_r(rankdata(y), rankdata(p))
