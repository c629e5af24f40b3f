"""Normalising RNAcompete intensities with statistics fitted on the training split only.

RNAcompete intensities are heavy-tailed: a few probes bind far more strongly than the
rest. Two transforms tame the tail before z-scoring:

``"clip"``
    Cap values at ``mean + 4 SD`` of the training values, then z-score with the mean and
    SD of the capped training values.
``"log"``
    ``log(y - min_train + 1)``, then z-score with the mean and SD of the logged training
    values. Values of other splits below ``min_train`` are first raised to ``min_train``
    (they map to the lowest training value) so that the logarithm is defined.

The original analysis normalised each split with its own statistics, which leaks
test-set information into the targets and puts splits on different scales; here
:func:`fit_normaliser` sees only training targets and :func:`apply_normaliser` applies
those numbers to every split. SDs are population SDs (``ddof=0``).
"""

from __future__ import annotations

import numpy as np

from rbpgia.errors import ConfigError

METHODS = ("clip", "log")
CLIP_SDS = 4.0
# Above this share of capped values among the probes holding a k-mer, a clip-normalised
# model sees one value for one, two or three copies of it alike: it cannot learn how
# binding grows with the copies.
MAX_CAPPED_SHARE = 0.05
_PARAMETERS = {"clip": ("clip_max", "mean", "std"), "log": ("min", "mean", "std")}


def fit_normaliser(y_train: np.ndarray, method: str) -> dict:
    """Fit a normaliser to training targets.

    Parameters
    ----------
    y_train : array-like, shape (N,)
        Training targets without NaN (drop probes without a measurement first).
    method : {"clip", "log"}

    Returns
    -------
    dict
        ``{"method": ..., <fitted numbers as Python floats>}``, JSON-serialisable so it can
        be saved beside the model: ``clip_max``, ``mean``, ``std`` for ``"clip"``; ``min``,
        ``mean``, ``std`` for ``"log"``.

    Raises
    ------
    ConfigError
        Unknown ``method``.
    ValueError
        ``y_train`` is empty, holds NaN or infinity, or is constant after the transform.
    """
    _check_method(method)
    y = np.asarray(y_train, dtype=np.float64).ravel()
    if y.size == 0:
        raise ValueError("cannot fit a normaliser to an empty training set")
    if np.isnan(y).any():
        raise ValueError("training targets contain NaN; drop probes without a measurement first")
    if np.isinf(y).any():
        raise ValueError("training targets contain infinite values")
    if method == "clip":
        clip_max = y.mean() + CLIP_SDS * y.std()
        transformed = np.minimum(y, clip_max)
        params = {"method": method, "clip_max": float(clip_max)}
    else:
        minimum = y.min()
        transformed = np.log(y - minimum + 1.0)
        params = {"method": method, "min": float(minimum)}
    std = transformed.std()
    if not std > 0:
        raise ValueError("training targets have no spread after the transform; cannot z-score")
    params.update(mean=float(transformed.mean()), std=float(std))
    return params


def apply_normaliser(y: np.ndarray, params: dict) -> np.ndarray:
    """Normalise ``y`` (any split) with numbers from :func:`fit_normaliser`.

    NaN stays NaN. Returns float32 with the shape of ``y``.
    """
    method = params.get("method") if isinstance(params, dict) else None
    _check_method(method)
    missing = [key for key in _PARAMETERS[method] if key not in params]
    if missing:
        raise ConfigError(f"normaliser parameters lack {', '.join(missing)} for {method!r}")
    y = np.asarray(y, dtype=np.float64)
    if method == "clip":
        transformed = np.minimum(y, params["clip_max"])
    else:
        minimum = params["min"]
        transformed = np.log(np.maximum(y, minimum) - minimum + 1.0)
    return ((transformed - params["mean"]) / params["std"]).astype(np.float32)


def at_cap(y: np.ndarray, params: dict) -> np.ndarray:
    """(N,) bool: values that a ``clip`` normaliser caps (at or above ``clip_max``).

    All False for ``log``, which caps nothing, and for NaN.
    """
    y = np.asarray(y, dtype=np.float64)
    if params.get("method") != "clip":
        return np.zeros(y.shape, dtype=bool)
    return y >= params["clip_max"]


def _check_method(method: object) -> None:
    if method not in METHODS:
        raise ConfigError(
            f"unknown normalisation method {method!r}; expected one of {', '.join(METHODS)}"
        )
