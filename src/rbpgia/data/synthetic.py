"""Synthetic RNAcompete-like probe pools whose binding rules are planted and known.

The idea: draw a random probe pool that looks like RNAcompete's (probe lengths, GC spread,
Set A / Set B split), plant instances of each synthetic RBP's motif into a fraction of the
probes (RNAcompete's designed pool is likewise enriched for k-mer coverage), score every
probe with an explicit log-affinity model, and turn the score into a normalised intensity
with an exponential link, multiplicative noise and a robust z-score. Because the score is
known exactly, every later stage (models, global importance analysis) can be checked
against the truth.

The log-affinity of a probe for one RBP is

``score = site_term(n_eff) + flank_term + spacing_term + gc_bias * (GC - 0.5)``

where every window that matches the motif with ``m <= max_mismatches`` mismatches is a
site of weight ``w = mismatch_weight**m * accessibility_factor * position_factor`` and
``n_eff`` is the sum of the weights. See ``docs/synthetic.md`` for the full description.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from rbpgia.data.probes import Probes, check_name
from rbpgia.errors import ConfigError, InputError
from rbpgia.sequence import ALPHABET, reverse_complement

GENERATOR_VERSION = "1"

# Length mix of the RNAcompete 2013 pool (fractions of 30,000 Set A probes).
PROBE_LENGTHS = MappingProxyType({30: 0.146, 35: 0.254, 38: 0.586, 39: 0.012, 41: 0.002})
GC_MEAN = 0.50
GC_SD = 0.07
# RNAcompete probes carry slightly more A than U and more G than C.
A_SHARE_OF_AU = 0.545
G_SHARE_OF_GC = 0.535
# Number of motif instances written into a planted probe (capped by what fits).
PLANTED_SITE_COUNTS = MappingProxyType({1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05})
# Non-specific signal of a probe, in the units of exp(log-affinity).
BACKGROUND = 1.0
# Width of the centred structure profiles from rbpgia.encode.structure.
STRUCTURE_WIDTH = 41
# 1.4826 * MAD estimates the standard deviation of a normal sample.
MAD_TO_SD = 1.4826
# Largest log-affinity fed to exp, so float32 intensities stay finite.
MAX_LOG_AFFINITY = 80.0

SPEC_KEYS = (
    "motif",
    "max_mismatches",
    "mismatch_weight",
    "site_effect",
    "site_strength",
    "saturation",
    "spacing",
    "accessibility",
    "gc_bias",
    "position",
    "flanks",
    "noise_sd",
    "nan_fraction",
    "planted_fraction",
)
SITE_EFFECTS = ("additive", "saturating")

_PAD = 4  # code of padding; never equals a nucleotide code
_ENCODE = np.full(256, 255, dtype=np.uint8)
for _code, _letter in enumerate(ALPHABET):
    _ENCODE[ord(_letter)] = _code
_ENCODE[0] = _PAD
_DECODE = np.frombuffer(ALPHABET.encode() + b"\0", dtype=np.uint8)


# --------------------------------------------------------------------------------------
# Sequences as padded code arrays


def encode_padded(sequences: Sequence[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encode RNA strings as a left-aligned ``uint8`` array padded with code 4.

    Codes are 0-3 for A, C, G, U (``ALPHABET`` order) and 4 after each probe's end, so a
    window that runs past the end never matches a motif.

    Returns
    -------
    codes : np.ndarray of uint8, shape (N, max_length)
    lengths : np.ndarray of int64, shape (N,)
    """
    strings = np.asarray(sequences, dtype=str)
    if strings.ndim != 1:
        raise InputError(f"sequences must be one-dimensional, got shape {strings.shape}")
    lengths = np.char.str_len(strings).astype(np.int64)
    if strings.size == 0:
        return np.zeros((0, 0), dtype=np.uint8), lengths
    width = max(int(lengths.max()), 1)
    try:
        ascii_bytes = strings.astype(f"S{width}")
    except UnicodeEncodeError as error:
        raise InputError(f"sequences must be ASCII ACGU strings ({error})") from None
    raw = np.frombuffer(ascii_bytes.tobytes(), dtype=np.uint8)
    codes = _ENCODE[raw.reshape(len(strings), width)]
    bad = np.flatnonzero((codes == 255).any(axis=1))
    if bad.size:
        raise InputError(f"sequence {bad[0]} ({strings[bad[0]]!r}) is not over ACGU")
    return codes, lengths


def decode_padded(codes: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_padded`: codes (N, L) -> array of str (padding dropped)."""
    if codes.shape[1] == 0:
        return np.full(len(codes), "", dtype=str)
    raw = np.ascontiguousarray(_DECODE[codes])
    return raw.view(f"S{codes.shape[1]}").ravel().astype(str)


# --------------------------------------------------------------------------------------
# The background pool


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


def _check_seed(seed) -> int:
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
    codes[beyond_end] = _PAD
    # Drop padding columns that no probe reaches (e.g. no 41-nt probe was drawn).
    return codes[:, : probe_lengths.max()], probe_lengths


def _assign_sets(n_probes: int, set_b_fraction: float, rng) -> np.ndarray:
    n_b = int(round(n_probes * set_b_fraction))
    sets = np.array(["A"] * (n_probes - n_b) + ["B"] * n_b)
    return sets[rng.permutation(n_probes)]


def _pool_codes(n_probes, seed, set_b_fraction, lengths, gc_mean, gc_sd):
    _check_pool_parameters(n_probes, set_b_fraction, lengths, gc_mean, gc_sd)
    rng = np.random.default_rng([_check_seed(seed), 0])
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
    codes, _, sets = _pool_codes(n_probes, seed, set_b_fraction, lengths, gc_mean, gc_sd)
    return decode_padded(codes), sets


# --------------------------------------------------------------------------------------
# RBP specifications


def _is_number(value) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _fail(name: str, key: str, message: str):
    raise ConfigError(f"RBP {name!r}: {key}: {message}")


def _number(name, key, value, low=None, high=None, low_open=False) -> float:
    if not _is_number(value):
        _fail(name, key, f"must be a finite number (got {value!r})")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        bracket = "(" if low_open else "["
        _fail(name, key, f"must be in {bracket}{lo}, {hi}] (got {value!r})")
    return value


def _sub_mapping(name, key, value, keys, optional=()) -> dict | None:
    """Check a nested mapping (or null); ``optional`` keys default to None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        _fail(name, key, f"must be null or a mapping with keys {list(keys)} (got {value!r})")
    missing = [k for k in keys if k not in value and k not in optional]
    unknown = [k for k in value if k not in keys]
    if missing:
        _fail(name, key, f"missing key(s) {missing}")
    if unknown:
        _fail(name, key, f"unknown key(s) {unknown}; allowed: {list(keys)}")
    return {k: value.get(k) for k in keys}


def _nucleotide(name, key, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.replace("T", "U") not in ALPHABET or len(value) != 1:
        _fail(name, key, f"must be null or one of A, C, G, U (got {value!r})")
    return value.replace("T", "U")


def check_spec(name: str, spec: Mapping) -> dict:
    """Validate one synthetic RBP specification and return a normalised copy.

    Every key of :data:`SPEC_KEYS` is required (the workflow's config supplies defaults);
    unknown keys are rejected so that a typo cannot silently fall back to a default. A
    motif may be written with ``T``, read as ``U``.

    Raises
    ------
    ConfigError
        Naming the RBP and the offending key, e.g. ``RBP 'SYN_X': motif: ...``.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(f"RBP {name!r}: the specification must be a mapping (got {spec!r})")
    missing = [k for k in SPEC_KEYS if k not in spec]
    if missing:
        _fail(name, ", ".join(missing), "required key(s) missing")
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if unknown:
        _fail(name, ", ".join(map(str, unknown)), f"unknown key(s); allowed: {list(SPEC_KEYS)}")

    out = {}
    motif = spec["motif"]
    if not isinstance(motif, str) or not 4 <= len(motif) <= 8:
        _fail(name, "motif", f"must be a string of 4-8 nucleotides (got {motif!r})")
    motif = motif.replace("T", "U")
    if any(x not in ALPHABET for x in motif):
        _fail(name, "motif", f"must use only A, C, G, U (got {spec['motif']!r})")
    out["motif"] = motif

    mismatches = spec["max_mismatches"]
    if isinstance(mismatches, bool) or not isinstance(mismatches, numbers.Integral):
        _fail(name, "max_mismatches", f"must be an integer 0-2 (got {mismatches!r})")
    if not 0 <= mismatches <= 2:
        _fail(name, "max_mismatches", f"must be 0, 1 or 2 (got {mismatches!r})")
    out["max_mismatches"] = int(mismatches)
    out["mismatch_weight"] = _number(name, "mismatch_weight", spec["mismatch_weight"], 0, 1)

    effect = spec["site_effect"]
    if effect not in SITE_EFFECTS:
        _fail(name, "site_effect", f"must be one of {list(SITE_EFFECTS)} (got {effect!r})")
    out["site_effect"] = effect
    out["site_strength"] = _number(name, "site_strength", spec["site_strength"], 0, None, True)
    out["saturation"] = _number(name, "saturation", spec["saturation"], 0, None, True)

    spacing = _sub_mapping(name, "spacing", spec["spacing"], ("distance", "width", "strength"))
    if spacing is not None:
        distance = spacing["distance"]
        if isinstance(distance, bool) or not isinstance(distance, numbers.Integral):
            _fail(name, "spacing.distance", f"must be an integer >= 0 (got {distance!r})")
        if distance < 0:
            _fail(name, "spacing.distance", f"must be >= 0 (got {distance!r})")
        spacing = {
            "distance": int(distance),
            "width": _number(name, "spacing.width", spacing["width"], 0, None, True),
            "strength": _number(name, "spacing.strength", spacing["strength"]),
        }
    out["spacing"] = spacing

    out["accessibility"] = _number(name, "accessibility", spec["accessibility"], 0, 1)
    out["gc_bias"] = _number(name, "gc_bias", spec["gc_bias"])

    position = _sub_mapping(name, "position", spec["position"], ("centre", "width"))
    if position is not None:
        position = {
            "centre": _number(name, "position.centre", position["centre"], 0, 1),
            "width": _number(name, "position.width", position["width"], 0, None, True),
        }
    out["position"] = position

    flanks = _sub_mapping(
        name,
        "flanks",
        spec["flanks"],
        ("five_prime", "three_prime", "strength"),
        optional=("five_prime", "three_prime"),
    )
    if flanks is not None:
        flanks = {
            "five_prime": _nucleotide(name, "flanks.five_prime", flanks["five_prime"]),
            "three_prime": _nucleotide(name, "flanks.three_prime", flanks["three_prime"]),
            "strength": _number(name, "flanks.strength", flanks["strength"]),
        }
    out["flanks"] = flanks

    out["noise_sd"] = _number(name, "noise_sd", spec["noise_sd"], 0)
    out["nan_fraction"] = _number(name, "nan_fraction", spec["nan_fraction"], 0, 1)
    if out["nan_fraction"] >= 1:
        _fail(name, "nan_fraction", "must be below 1 (got 1.0)")
    out["planted_fraction"] = _number(name, "planted_fraction", spec["planted_fraction"], 0, 1)
    return out


# --------------------------------------------------------------------------------------
# Planting motif instances


def _planted_rows(n_probes: int, specs: Mapping[str, dict], rng) -> dict[str, np.ndarray]:
    """Give each RBP its own ``round(planted_fraction * N)`` random probes, disjoint.

    Disjoint sets keep one RBP's planted instances from being overwritten by another's.
    """
    order = rng.permutation(n_probes)
    rows, used = {}, 0
    for name, spec in specs.items():
        n_planted = int(round(spec["planted_fraction"] * n_probes))
        rows[name] = np.sort(order[used : used + n_planted])
        used += n_planted
    return rows


def _plant_sites(codes, lengths, motif, rows, rng) -> np.ndarray:
    """Write non-overlapping motif instances into the probes ``rows``.

    The number of instances per probe follows :data:`PLANTED_SITE_COUNTS` (capped by
    what fits) and every non-overlapping placement is equally likely: choose ``c``
    distinct slots ``t`` among ``L - c*k + c`` and start site ``i`` at ``t_i + i*(k - 1)``.
    """
    if len(rows) == 0:
        return codes
    k = len(motif)
    motif_codes = np.array([ALPHABET.index(x) for x in motif], dtype=np.uint8)
    choices = np.array(sorted(PLANTED_SITE_COUNTS), dtype=np.int64)
    probs = np.array([PLANTED_SITE_COUNTS[c] for c in choices])
    counts = rng.choice(choices, size=len(rows), p=probs / probs.sum())
    counts = np.minimum(counts, lengths[rows] // k)
    out = codes.copy()
    for count in np.unique(counts[counts > 0]):
        chosen = rows[counts == count]
        n_slots = lengths[chosen] - count * k + count
        keys = rng.random((len(chosen), int(n_slots.max())))
        keys[np.arange(keys.shape[1])[None, :] >= n_slots[:, None]] = np.inf
        slots = np.sort(np.argsort(keys, axis=1)[:, :count], axis=1)
        starts = slots + np.arange(count) * (k - 1)
        columns = starts[:, :, None] + np.arange(k)
        out[chosen[:, None, None], columns] = motif_codes
    return out


# --------------------------------------------------------------------------------------
# Structure


def unpaired_from_profiles(profiles: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Left-aligned unpaired probabilities from centred structure profiles.

    ``profiles`` is the ``(N, W, 5)`` output of
    :func:`rbpgia.encode.structure.structure_profiles` (channel 0 = paired; a probe of
    length L sits at offset ``(W - L) // 2``). Returns ``(N, max(lengths))`` float64 with
    ``1 - paired`` over each probe's own positions and 0 after its end.
    """
    profiles = np.asarray(profiles)
    lengths = np.asarray(lengths, dtype=np.int64)
    width = profiles.shape[1]
    if np.any(lengths > width):
        raise ValueError(f"probes longer than the structure profile width {width}")
    longest = int(lengths.max()) if lengths.size else 0
    offsets = (width - lengths) // 2
    columns = np.minimum(offsets[:, None] + np.arange(longest), width - 1)
    paired = np.take_along_axis(profiles[:, :, 0].astype(np.float64), columns, axis=1)
    unpaired = 1.0 - paired
    unpaired[np.arange(longest)[None, :] >= lengths[:, None]] = 0.0
    return unpaired


def _unpaired_for(sequences, lengths, threads, on_fold=None) -> np.ndarray:
    # Imported here: ViennaRNA folding is only needed when some RBP uses accessibility.
    from rbpgia.encode.structure import SPAN, WINDOW, structure_profiles

    width = max(STRUCTURE_WIDTH, int(lengths.max()))
    profiles = structure_profiles(
        sequences, max_length=width, window=WINDOW, span=SPAN, threads=threads
    )
    if on_fold is not None:
        on_fold(profiles, window=WINDOW, span=SPAN)
    return unpaired_from_profiles(profiles, lengths)


def _as_unpaired_array(unpaired, lengths, width) -> np.ndarray:
    """Accept a left-aligned 2-D array or one 1-D array per probe; return (N, width)."""
    n = len(lengths)
    if isinstance(unpaired, np.ndarray) and unpaired.ndim == 2:
        if unpaired.shape[0] != n or unpaired.shape[1] < width:
            raise ValueError(
                f"unpaired has shape {unpaired.shape}; expected ({n}, >= {width}), "
                "left-aligned per probe"
            )
        return np.asarray(unpaired[:, :width], dtype=np.float64)
    if len(unpaired) != n:
        raise ValueError(f"unpaired has {len(unpaired)} entries for {n} sequences")
    out = np.zeros((n, width), dtype=np.float64)
    for i, (values, length) in enumerate(zip(unpaired, lengths, strict=True)):
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (length,):
            raise ValueError(f"unpaired[{i}] has shape {values.shape}; the probe has {length} nt")
        out[i, :length] = values
    return out


# --------------------------------------------------------------------------------------
# Scores


def _gaussian(x, centre, width):
    return np.exp(-((x - centre) ** 2) / (2.0 * width**2))


def _site_weights(codes, lengths, spec, unpaired) -> np.ndarray:
    """Weight of a site starting at each position, shape (N, P); 0 where no site."""
    motif = np.array([ALPHABET.index(x) for x in spec["motif"]], dtype=np.uint8)
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
    padded = np.pad(codes, ((0, 0), (1, 1)), constant_values=_PAD)
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


def _scores_from_codes(codes, lengths, spec, unpaired) -> np.ndarray:
    k = len(spec["motif"])
    weights = _site_weights(codes, lengths, spec, unpaired)
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
        One RBP specification (see :func:`check_spec`).
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
        unpaired_array = _as_unpaired_array(unpaired, lengths, codes.shape[1])
    return _scores_from_codes(codes, lengths, spec, unpaired_array)


# --------------------------------------------------------------------------------------
# Measurement


def expected_intensity(scores: np.ndarray) -> np.ndarray:
    """Noise-free raw intensity: non-specific background plus ``exp(log-affinity)``."""
    scores = np.asarray(scores, dtype=np.float64)
    return BACKGROUND + np.exp(np.minimum(scores, MAX_LOG_AFFINITY))


def _measure(scores, spec, rng) -> tuple[np.ndarray, float, float]:
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
    values, _, _ = _measure(np.asarray(scores, dtype=np.float64), spec, rng)
    return values


def expected_measurement(scores: np.ndarray, median: float, scale: float) -> np.ndarray:
    """Noise-free expectation of the measured value, given the pool's normalisation.

    ``median`` and ``scale`` are recorded per RBP in the ground truth
    (``rbps[name]["normalisation"]``); the result is what an ideal model would predict.
    """
    return (expected_intensity(scores) - median) / scale


def _pearson(x, y) -> float | None:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


# --------------------------------------------------------------------------------------
# The whole data set


def generate(
    n_probes: int,
    rbps: Mapping[str, Mapping],
    seed: int,
    set_b_fraction: float = 0.5,
    threads: int = 1,
    on_fold: Callable[..., None] | None = None,
) -> tuple[Probes, dict]:
    """Generate a synthetic RNAcompete-like data set with known binding rules.

    Steps: draw the background pool (:func:`generate_pool`; the same seed gives the same
    background); give each RBP its own random ``planted_fraction`` of the probes (the
    fractions must sum to at most 1) and write 1-4 non-overlapping instances of its motif
    into each of them; fold the probes with ViennaRNA if any RBP has
    ``accessibility > 0``; score (:func:`planted_scores`, on the final sequences, so
    chance sites of every motif count too) and measure (:func:`measure`) every RBP.

    Parameters
    ----------
    n_probes : int
    rbps : mapping of RBP name -> specification
        Names become target columns (and file names downstream).
    seed : int
        Non-negative; the same seed and RBPs give the same output bit for bit.
    set_b_fraction : float
    threads : int
        Passed to the structure prediction.
    on_fold : callable, optional
        Called as ``on_fold(profiles, window=..., span=...)`` with the structure profiles
        (:func:`rbpgia.encode.structure.structure_profiles`) of the returned sequences
        when they are folded, e.g. to save them for the encode step.

    Returns
    -------
    probes : Probes
        ``targets`` has one float64 column per RBP, in the given order; source
        ``"synthetic"``.
    ground_truth : dict
        JSON-serialisable: ``seed``, ``n_probes``, ``generator_version``, ``pool``,
        ``link``, ``rbps`` (validated spec plus derived facts), ``scores`` (noise-free
        log-affinity per probe, 6 decimals) and ``noise_ceiling`` (Pearson r on Set B
        non-NaN probes of the noise-free expected measurement, ``pearson_r_set_b``, and of
        the log-affinity itself, ``pearson_r_score_set_b``, vs the measured value).
    """
    seed = _check_seed(seed)
    if not isinstance(rbps, Mapping) or not rbps:
        raise ConfigError("rbps: at least one synthetic RBP is required")
    specs = {}
    for name, spec in rbps.items():
        try:
            check_name(name, "synthetic RBP name")
        except InputError as error:
            raise ConfigError(f"rbps: {error}") from None
        specs[name] = check_spec(name, spec)
    total_planted = sum(spec["planted_fraction"] for spec in specs.values())
    if total_planted > 1:
        raise ConfigError(
            f"rbps: planted_fraction values sum to {total_planted:g}; each RBP's motif is "
            "planted into its own probes, so the sum must be at most 1"
        )

    codes, lengths, sets = _pool_codes(
        n_probes, seed, set_b_fraction, PROBE_LENGTHS, GC_MEAN, GC_SD
    )
    planted = _planted_rows(n_probes, specs, np.random.default_rng([seed, 1]))
    for index, (name, spec) in enumerate(specs.items()):
        rng = np.random.default_rng([seed, 1, index + 1])
        codes = _plant_sites(codes, lengths, spec["motif"], planted[name], rng)
    sequences = decode_padded(codes)

    unpaired = None
    if any(spec["accessibility"] > 0 for spec in specs.values()):
        unpaired = _unpaired_for(sequences, lengths, threads, on_fold)[:, : codes.shape[1]]

    set_b = sets == "B"
    targets = {}
    truth_rbps, truth_scores, ceilings = {}, {}, {}
    for index, (name, spec) in enumerate(specs.items()):
        scores = _scores_from_codes(codes, lengths, spec, unpaired)
        rng = np.random.default_rng([seed, 2, index])
        measured, median, scale = _measure(scores, spec, rng)
        targets[name] = measured.astype(np.float64)

        usable = set_b & ~np.isnan(measured)
        ceilings[name] = {
            "pearson_r_set_b": _pearson(
                expected_intensity(scores[usable]), measured[usable].astype(np.float64)
            ),
            "pearson_r_score_set_b": _pearson(scores[usable], measured[usable]),
        }
        exact = _site_weights(
            codes,
            lengths,
            {**spec, "max_mismatches": 0, "accessibility": 0, "position": None},
            None,
        )
        truth_rbps[name] = {
            **spec,
            "motif_reverse_complement": reverse_complement(spec["motif"]),
            "motif_gc": sum(x in "GC" for x in spec["motif"]) / len(spec["motif"]),
            "fraction_with_exact_site": float((exact.sum(axis=1) > 0).mean()),
            "mean_exact_sites": float(exact.sum(axis=1).mean()),
            "normalisation": {"median": median, "scale": scale},
        }
        truth_scores[name] = np.round(scores, 6).tolist()

    probes = Probes(
        sequences=sequences,
        sets=sets,
        targets=pd.DataFrame(targets, columns=list(specs)),
        source="synthetic",
    )
    ground_truth = {
        "seed": seed,
        "n_probes": int(n_probes),
        "generator_version": GENERATOR_VERSION,
        "set_b_fraction": float(set_b_fraction),
        "pool": {
            "lengths": {str(k): float(v) for k, v in PROBE_LENGTHS.items()},
            "gc_mean": GC_MEAN,
            "gc_sd": GC_SD,
            "planted_site_counts": {str(k): float(v) for k, v in PLANTED_SITE_COUNTS.items()},
        },
        "link": {
            "background": BACKGROUND,
            "raw": "(background + exp(score)) * exp(noise_sd * z - noise_sd**2 / 2)",
            "measured": "(raw - normalisation.median) / normalisation.scale",
        },
        "rbps": truth_rbps,
        "scores": truth_scores,
        "noise_ceiling": ceilings,
    }
    return probes, ground_truth
