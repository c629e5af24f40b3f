"""The planted binding rules: the noise-free log-affinity of every probe for one RBP.

``score = site_term(n_eff) + flank_term + spacing_term + gc_bias * (GC - 0.5)``, where every
window that matches the motif with ``m <= max_mismatches`` mismatches is a site of weight
``w = mismatch_weight**m * accessibility_factor * position_factor`` and ``n_eff`` is the sum
of the weights (:func:`planted_scores`; ``docs/synthetic.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rbpgia.sequence import ALPHABET
from rbpgia.simulate.codes import PAD, encode_padded, motif_codes
from rbpgia.simulate.spec import check_spec
from rbpgia.simulate.structure import as_unpaired_array


def _gaussian(x, centre, width):
    return np.exp(-((x - centre) ** 2) / (2.0 * width**2))


def site_weights(codes, lengths, spec, unpaired) -> np.ndarray:
    """Weight of a site starting at each position, shape (N, P); 0 where no site."""
    motif = motif_codes(spec["motif"])
    k = len(motif)
    n, width = codes.shape
    n_starts = width - k + 1
    if n_starts < 1:
        return np.zeros((n, 0))
    windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1)
    mismatches = (windows != motif).sum(axis=2)
    starts = np.arange(n_starts)
    inside = starts[None, :] + k <= lengths[:, None]
    is_site = inside & (mismatches <= spec["max_mismatches"])
    weights = np.where(is_site, spec["mismatch_weight"] ** mismatches, 0.0)

    if spec["accessibility"] > 0:
        mean_unpaired = np.lib.stride_tricks.sliding_window_view(unpaired, k, axis=1).mean(2)
        a = spec["accessibility"]
        weights *= 1.0 - a + a * np.clip(mean_unpaired, 0.0, 1.0)
    if spec["position"] is not None:
        relative = (starts[None, :] + k / 2.0) / lengths[:, None]
        weights *= _gaussian(relative, spec["position"]["centre"], spec["position"]["width"])
    return weights


def _flank_matches(codes, k, flanks) -> np.ndarray:
    """Number of requested flanking nucleotides present around a site at each start."""
    n, width = codes.shape
    n_starts = width - k + 1
    # One pad column each side: a site at the probe's edge has no flank there.
    padded = np.pad(codes, ((0, 0), (1, 1)), constant_values=PAD)
    matches = np.zeros((n, n_starts))
    if flanks["five_prime"] is not None:
        matches += padded[:, :n_starts] == ALPHABET.index(flanks["five_prime"])
    if flanks["three_prime"] is not None:
        matches += padded[:, k + 1 : k + 1 + n_starts] == ALPHABET.index(flanks["three_prime"])
    return matches


def _best_pair(weights, k, spacing) -> np.ndarray:
    """max over non-overlapping site pairs of w_i * w_j * Gaussian(gap - distance)."""
    n, n_starts = weights.shape
    best = np.zeros(n)
    for gap in range(max(n_starts - k, 0)):
        # First site at p, second at p + k + gap.
        pairs = weights[:, : n_starts - k - gap] * weights[:, k + gap :]
        factor = _gaussian(float(gap), spacing["distance"], spacing["width"])
        best = np.maximum(best, pairs.max(axis=1) * factor)
    return best


def scores_from_codes(codes, lengths, spec, unpaired) -> np.ndarray:
    """:func:`planted_scores` on padded codes, for a checked ``spec``."""
    k = len(spec["motif"])
    weights = site_weights(codes, lengths, spec, unpaired)
    n_eff = weights.sum(axis=1)
    if spec["site_effect"] == "additive":
        score = spec["site_strength"] * n_eff
    else:
        saturation = spec["saturation"]
        score = spec["site_strength"] * saturation * (1.0 - np.exp(-n_eff / saturation))
    if spec["flanks"] is not None and weights.shape[1]:
        matches = _flank_matches(codes, k, spec["flanks"])
        score = score + spec["flanks"]["strength"] * (weights * matches).sum(axis=1)
    if spec["spacing"] is not None:
        score = score + spec["spacing"]["strength"] * _best_pair(weights, k, spec["spacing"])
    if spec["gc_bias"] != 0:
        gc = np.isin(codes, [ALPHABET.index("C"), ALPHABET.index("G")]).sum(axis=1) / lengths
        score = score + spec["gc_bias"] * (gc - 0.5)
    return score.astype(np.float64)


def planted_scores(
    sequences: Sequence[str] | np.ndarray,
    spec: Mapping,
    unpaired=None,
    *,
    name: str = "RBP",
) -> np.ndarray:
    """Noise-free log-affinity of every probe under one planted binding rule.

    Every window matching ``spec["motif"]`` with ``m <= max_mismatches`` mismatches is a
    site of weight ``mismatch_weight**m``, times ``1 - a + a * mean unpaired probability``
    over the site (``a = accessibility``) and, if ``position`` is set, a Gaussian of the
    site centre's relative position. With ``n_eff`` the summed weight, the score adds

    - ``site_strength * n_eff`` (additive) or
      ``site_strength * saturation * (1 - exp(-n_eff / saturation))`` (saturating);
    - ``flanks.strength * sum(w * number of requested flanking nucleotides present)``;
    - ``spacing.strength * max over non-overlapping pairs of w_i w_j *
      exp(-(gap - distance)**2 / (2 width**2))``, gap = nt between the two sites;
    - ``gc_bias * (GC fraction - 0.5)``.

    Matching runs on a padded ``uint8`` array, vectorised over probes and positions.

    Parameters
    ----------
    sequences : array of str, shape (N,)
    spec : mapping
        One RBP specification (see :func:`rbpgia.simulate.spec.check_spec`).
    unpaired : array (N, >= max length), left-aligned, or list of per-probe arrays, optional
        Per-nucleotide probability of being unpaired; required when ``accessibility > 0``.
    name : str
        The RBP's name, for error messages.

    Returns
    -------
    np.ndarray of float64, shape (N,)
    """
    spec = check_spec(name, spec)
    codes, lengths = encode_padded(sequences)
    unpaired_array = None
    if spec["accessibility"] > 0:
        if unpaired is None:
            raise ValueError(
                f"RBP {name!r} has accessibility {spec['accessibility']}: "
                "planted_scores needs per-nucleotide unpaired probabilities"
            )
        unpaired_array = as_unpaired_array(unpaired, lengths, codes.shape[1])
    return scores_from_codes(codes, lengths, spec, unpaired_array)
