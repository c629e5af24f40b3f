"""The background probe pool: RNAcompete-like lengths, GC spread and Set A / Set B split.

The pool's parameters are the library's own: the workflow's config sets only ``n_probes``,
``seed`` and ``set_b_fraction`` (with stricter bounds in the schema, for a usable data set),
and the pool shape below is fixed there.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from rbpgia.errors import ConfigError
from rbpgia.sequence import ALPHABET
from rbpgia.simulate.codes import PAD, decode_padded

# Length mix of the RNAcompete 2013 pool (fractions of 30,000 Set A probes).
PROBE_LENGTHS = MappingProxyType({30: 0.146, 35: 0.254, 38: 0.586, 39: 0.012, 41: 0.002})
GC_MEAN = 0.50
GC_SD = 0.07
# RNAcompete probes carry slightly more A than U and more G than C.
A_SHARE_OF_AU = 0.545
G_SHARE_OF_GC = 0.535


def _is_number(value) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_pool_parameters(n_probes, set_b_fraction, lengths, gc_mean, gc_sd):
    if isinstance(n_probes, bool) or not isinstance(n_probes, numbers.Integral) or n_probes < 1:
        raise ConfigError(f"n_probes must be a positive integer (got {n_probes!r})")
    if not _is_number(set_b_fraction) or not 0 <= set_b_fraction <= 1:
        raise ConfigError(f"set_b_fraction must be in [0, 1] (got {set_b_fraction!r})")
    if not isinstance(lengths, Mapping) or not lengths:
        raise ConfigError(f"lengths must map probe length -> probability (got {lengths!r})")
    for length, prob in lengths.items():
        if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 1:
            raise ConfigError(f"lengths: probe length {length!r} is not a positive integer")
        if not _is_number(prob) or prob < 0:
            raise ConfigError(f"lengths: probability {prob!r} of length {length} is negative")
    if sum(lengths.values()) <= 0:
        raise ConfigError("lengths: probabilities sum to zero")
    if not _is_number(gc_mean) or not 0 <= gc_mean <= 1:
        raise ConfigError(f"gc_mean must be in [0, 1] (got {gc_mean!r})")
    if not _is_number(gc_sd) or gc_sd < 0:
        raise ConfigError(f"gc_sd must be >= 0 (got {gc_sd!r})")


def check_seed(seed) -> int:
    """``seed`` as an int; :class:`ConfigError` unless it is a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer (got {seed!r})")
    return int(seed)


def _background_pool(n_probes, rng, lengths, gc_mean, gc_sd) -> tuple[np.ndarray, np.ndarray]:
    """Random probes with a per-probe GC fraction; returns padded codes and lengths.

    Each probe gets exactly ``round(gc * L)`` G/C positions in random order. Drawing every
    nucleotide independently would add binomial spread (sd 0.08 at 38 nt) on top of the
    per-probe spread and make GC more variable than in the real pool (sd 0.073).
    """
    values = np.array(sorted(lengths), dtype=np.int64)
    probs = np.array([lengths[v] for v in values], dtype=np.float64)
    probe_lengths = rng.choice(values, size=n_probes, p=probs / probs.sum())
    width = int(values.max())
    gc = np.clip(rng.normal(gc_mean, gc_sd, size=n_probes), 0.0, 1.0)
    n_strong = np.rint(gc * probe_lengths).astype(np.int64)

    beyond_end = np.arange(width)[None, :] >= probe_lengths[:, None]
    order_keys = rng.random((n_probes, width))
    order_keys[beyond_end] = 2.0  # past the end sorts last
    rank = np.argsort(np.argsort(order_keys, axis=1), axis=1)
    strong = rank < n_strong[:, None]
    which = rng.random((n_probes, width))
    g, c, a, u = (ALPHABET.index(x) for x in "GCAU")
    codes = np.where(
        strong,
        np.where(which < G_SHARE_OF_GC, g, c),
        np.where(which < A_SHARE_OF_AU, a, u),
    ).astype(np.uint8)
    codes[beyond_end] = PAD
    # Drop padding columns that no probe reaches (e.g. no 41-nt probe was drawn).
    return codes[:, : probe_lengths.max()], probe_lengths


def _assign_sets(n_probes: int, set_b_fraction: float, rng) -> np.ndarray:
    n_b = int(round(n_probes * set_b_fraction))
    sets = np.array(["A"] * (n_probes - n_b) + ["B"] * n_b)
    return sets[rng.permutation(n_probes)]


def pool_codes(n_probes, seed, set_b_fraction, lengths, gc_mean, gc_sd):
    """The pool of :func:`generate_pool` as padded codes, probe lengths and sets."""
    _check_pool_parameters(n_probes, set_b_fraction, lengths, gc_mean, gc_sd)
    rng = np.random.default_rng([check_seed(seed), 0])
    codes, probe_lengths = _background_pool(n_probes, rng, lengths, gc_mean, gc_sd)
    sets = _assign_sets(n_probes, set_b_fraction, rng)
    return codes, probe_lengths, sets


def generate_pool(
    n_probes: int,
    seed: int,
    set_b_fraction: float = 0.5,
    lengths: Mapping[int, float] = PROBE_LENGTHS,
    gc_mean: float = GC_MEAN,
    gc_sd: float = GC_SD,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a random RNAcompete-like probe pool (before any motif is planted).

    Probe lengths follow ``lengths`` (length -> probability; default: the RNAcompete 2013
    mix of 30, 35, 38, 39 and 41 nt). Each probe's GC fraction is drawn from
    ``Normal(gc_mean, gc_sd)`` and realised exactly (rounded to whole nucleotides); the
    positions of G/C and of A/U are random. A fraction ``set_b_fraction`` of the probes,
    chosen at random, form Set B.

    Returns
    -------
    sequences : np.ndarray of str, shape (n_probes,)
    sets : np.ndarray of str, shape (n_probes,), ``"A"`` or ``"B"``
    """
    codes, _, sets = pool_codes(n_probes, seed, set_b_fraction, lengths, gc_mean, gc_sd)
    return decode_padded(codes), sets
