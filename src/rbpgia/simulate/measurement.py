"""Measurement: exponential link, log-normal noise, missing values and a robust z-score."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rbpgia.simulate.spec import check_spec

# Non-specific signal of a probe, in the units of exp(log-affinity).
BACKGROUND = 1.0
# 1.4826 * MAD estimates the standard deviation of a normal sample.
MAD_TO_SD = 1.4826
# Largest log-affinity fed to exp, so float32 intensities stay finite.
MAX_LOG_AFFINITY = 80.0
# Gauss-Hermite nodes of the expectation over the log-normal noise (expected_normalised).
NOISE_NODES = 40


def expected_intensity(scores: np.ndarray) -> np.ndarray:
    """Noise-free raw intensity: non-specific background plus ``exp(log-affinity)``."""
    scores = np.asarray(scores, dtype=np.float64)
    return BACKGROUND + np.exp(np.minimum(scores, MAX_LOG_AFFINITY))


def measure_with_normalisation(scores, spec, rng) -> tuple[np.ndarray, float, float]:
    """Measured values and the (median, scale) of the robust z-score applied to them."""
    sd = spec["noise_sd"]
    # Log-normal noise with mean 1, so the expected raw intensity is expected_intensity.
    noise = np.exp(sd * rng.standard_normal(len(scores)) - sd**2 / 2.0)
    raw = expected_intensity(scores) * noise
    n_missing = int(round(spec["nan_fraction"] * len(scores)))
    missing = rng.choice(len(scores), size=n_missing, replace=False)
    raw[missing] = np.nan
    observed = raw[~np.isnan(raw)]
    median = float(np.median(observed)) if observed.size else 0.0
    mad = float(np.median(np.abs(observed - median))) if observed.size else 0.0
    scale = MAD_TO_SD * mad if mad > 0 else 1.0
    return ((raw - median) / scale).astype(np.float32), median, scale


def measure(
    scores: np.ndarray, spec: Mapping, rng: np.random.Generator, *, name: str = "RBP"
) -> np.ndarray:
    """Simulate RNAcompete normalised intensities from noise-free log-affinities.

    The raw intensity is ``(BACKGROUND + exp(score)) * exp(noise_sd * z - noise_sd**2 / 2)``
    with ``z ~ Normal(0, 1)``: site-free probes sit at the background and the few strong
    binders form a heavy right tail. A random ``nan_fraction`` of the probes is set to NaN,
    and the rest are robustly z-scored, ``(raw - median) / (1.4826 * MAD)``, so the values
    centre on 0 like RNAcompete's normalised intensities.

    Returns
    -------
    np.ndarray of float32, shape (N,)
    """
    spec = check_spec(name, spec)
    values, _, _ = measure_with_normalisation(np.asarray(scores, dtype=np.float64), spec, rng)
    return values


def expected_measurement(scores: np.ndarray, median: float, scale: float) -> np.ndarray:
    """Noise-free expectation of the measured value, given the pool's normalisation.

    ``median`` and ``scale`` are recorded per RBP in the ground truth
    (``rbps[name]["normalisation"]``); the result is what an ideal model would predict.
    """
    return (expected_intensity(scores) - median) / scale


def expected_normalised(
    scores: np.ndarray, noise_sd: float, median: float, scale: float, normaliser: dict
) -> np.ndarray:
    """The expected normalised measurement of noise-free log-affinities ``scores``.

    What a model fitted by least squares on ``normaliser``'s targets
    (:func:`rbpgia.data.normalise.fit_normaliser`) predicts at best: the mean over the
    measurement noise of the normalised value, on the model's own scale. A log model's
    targets are ``log(y - min + 1)`` of the robust-z intensity ``y``, which bends the
    exponential link, so a rule that adds on the log-affinity scale need not add there;
    comparing a trained model's GIA effects with the planted rule needs this scale.
    The mean over the noise ``exp(noise_sd * z - noise_sd**2 / 2)`` is Gauss-Hermite
    quadrature over ``z ~ Normal(0, 1)`` (:data:`NOISE_NODES` nodes).
    """
    from rbpgia.data.normalise import apply_normaliser

    nodes, weights = np.polynomial.hermite_e.hermegauss(NOISE_NODES)
    weights = weights / weights.sum()
    noise = np.exp(noise_sd * nodes - noise_sd**2 / 2.0)
    measured = (expected_intensity(scores)[:, None] * noise[None, :] - median) / scale
    return apply_normaliser(measured, normaliser).astype(np.float64) @ weights
