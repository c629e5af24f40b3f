"""Keras models with fixed weights, each implementing one written-down binding rule.

They are built from standard layers only (Conv1D, Dense, Multiply, Add, Flatten), so they
save and load in Keras's safe mode like any trained model, and run through the same
``make_predict_fn`` and command line. A GIA design is right when it finds the rule that
is there, and nothing that is not, on every one of them.

Every rule starts from an exact-match detector: a Conv1D whose kernel holds 1 at the
motif's letters and whose bias is ``-(len(motif) - 1)``, so after ReLU it is 1 where the
motif starts and 0 elsewhere (one mismatch already gives 0; padding rows give 0).
"""

from __future__ import annotations

import keras
import numpy as np

from rbpgia.sequence import ALPHABET

LENGTH = 41


def _detector(x, motif: str, channels: int, name: str):
    """(N, L - m + 1, 1): 1 where ``motif`` starts exactly, else 0."""
    m = len(motif)
    kernel = np.zeros((m, channels, 1), dtype=np.float32)
    for t, letter in enumerate(motif):
        kernel[t, ALPHABET.index(letter), 0] = 1.0
    layer = keras.layers.Conv1D(1, m, activation="relu", name=name)
    out = layer(x)
    layer.set_weights([kernel, np.array([-(m - 1)], dtype=np.float32)])
    return out


def _weighted_sum(x, weights, name: str, activation=None):
    """Sum over positions of ``x`` (N, P, 1) with fixed per-position ``weights``."""
    flat = keras.layers.Flatten(name=f"{name}_flat")(x)
    layer = keras.layers.Dense(1, use_bias=False, activation=activation, name=name)
    out = layer(flat)
    layer.set_weights([np.asarray(weights, dtype=np.float32).reshape(-1, 1)])
    return out


def position_model(motif: str = "UGCAUG", centre: float = 17.0, sd: float = 3.0):
    """Additive sites with a position preference and nothing else.

    Each exact ``motif`` adds ``exp(-(start - centre)^2 / (2 sd^2))``: a Gaussian of its
    start column. No structure, no cooperativity, no GC rule, no flank preference.
    """
    x = keras.Input((LENGTH, 4))
    hits = _detector(x, motif, 4, "sites")
    starts = np.arange(LENGTH - len(motif) + 1)
    weights = np.exp(-((starts - centre) ** 2) / (2 * sd**2))
    return keras.Model(x, _weighted_sum(hits, weights, "position_weights"), name="position")


def saturating_model(motif: str = "UGCAUG"):
    """``tanh(number of exact sites)``: each added site adds less (0.76, 0.20, 0.04)."""
    x = keras.Input((LENGTH, 4))
    hits = _detector(x, motif, 4, "sites")
    count = _weighted_sum(hits, np.ones(LENGTH - len(motif) + 1), "count", activation="tanh")
    return keras.Model(x, count, name="saturating")


def unpaired_model(motif: str = "UGCAUG"):
    """A ``pu`` model: each exact site scores the mean unpaired probability over it.

    Reads channel 5 (unpaired) of ``pu`` inputs ``(L, 6)``, so only what ViennaRNA says
    about the probe's fold; position-neutral and additive over sites.
    """
    m = len(motif)
    x = keras.Input((LENGTH, 6))
    hits = _detector(x, motif, 6, "sites")
    kernel = np.zeros((m, 6, 1), dtype=np.float32)
    kernel[:, 5, 0] = 1.0 / m
    unpaired_layer = keras.layers.Conv1D(1, m, use_bias=False, name="unpaired_over_site")
    unpaired = unpaired_layer(x)
    unpaired_layer.set_weights([kernel])
    scored = keras.layers.Multiply(name="site_times_unpaired")([hits, unpaired])
    total = _weighted_sum(scored, np.ones(LENGTH - m + 1), "total")
    return keras.Model(x, total, name="unpaired")


def gc_3prime_model(motif: str = "UGCAUG", first_column: int = 24, weight: float = 0.5):
    """Exact sites count 1 each; every G or C at column ``first_column`` or later adds
    ``weight`` (the 3' side of the centred 41-nt frame; the 5' side does not matter)."""
    x = keras.Input((LENGTH, 4))
    hits = _detector(x, motif, 4, "sites")
    sites = _weighted_sum(hits, np.ones(LENGTH - len(motif) + 1), "count")
    gc_layer = keras.layers.Conv1D(1, 1, use_bias=False, name="is_gc")
    gc = gc_layer(x)
    gc_layer.set_weights([np.array([0, 1, 1, 0], dtype=np.float32).reshape(1, 4, 1)])
    columns = np.where(np.arange(LENGTH) >= first_column, weight, 0.0)
    gc_term = _weighted_sum(gc, columns, "gc_3prime")
    return keras.Model(x, keras.layers.Add(name="score")([sites, gc_term]), name="gc_3prime")


def gc_near_site_model(motif: str = "UGCAUG", reach: int = 10, weight: float = 0.5):
    """Exact sites count 1 each, plus ``weight`` per G or C within ``reach`` nt of a site,
    on either side alike (no 5'/3' preference: what GC does fades with distance only)."""
    m = len(motif)
    x = keras.Input((LENGTH, 4))
    hits = _detector(x, motif, 4, "sites")
    gc_layer = keras.layers.Conv1D(1, 1, use_bias=False, name="is_gc")
    gc = gc_layer(x)
    gc_layer.set_weights([np.array([0, 1, 1, 0], dtype=np.float32).reshape(1, 4, 1)])
    # Window p - reach .. p + m + reach - 1 of each site start p, aligned with `hits`.
    padded = keras.layers.ZeroPadding1D(reach, name="pad_gc")(gc)
    window_layer = keras.layers.Conv1D(1, m + 2 * reach, use_bias=False, name="gc_near")
    near = window_layer(padded)
    window_layer.set_weights([np.full((m + 2 * reach, 1, 1), weight, dtype=np.float32)])
    bonus = keras.layers.Multiply(name="site_times_gc")([hits, near])
    ones = np.ones(LENGTH - m + 1)
    total = keras.layers.Add(name="score")(
        [_weighted_sum(hits, ones, "count"), _weighted_sum(bonus, ones, "gc_bonus")]
    )
    return keras.Model(x, total, name="gc_near_site")


def cooperative_model(motif: str = "UGCAUG", gap: int = 4, bonus: float = 2.0):
    """Exact sites count 1 each, plus ``bonus`` for each pair exactly ``gap`` nt apart."""
    m = len(motif)
    x = keras.Input((LENGTH, 4))
    hits = _detector(x, motif, 4, "sites")
    sites = _weighted_sum(hits, np.ones(LENGTH - m + 1), "count")
    span = m + gap
    kernel = np.zeros((span + 1, 1, 1), dtype=np.float32)
    kernel[0, 0, 0] = kernel[span, 0, 0] = 1.0
    pair_layer = keras.layers.Conv1D(1, span + 1, activation="relu", name="pair_at_gap")
    pairs = pair_layer(hits)
    pair_layer.set_weights([kernel, np.array([-1.0], dtype=np.float32)])
    pair_term = _weighted_sum(pairs, np.full(LENGTH - m + 1 - span, bonus), "pair_bonus")
    return keras.Model(x, keras.layers.Add(name="score")([sites, pair_term]), name="cooperative")


# Per-position weight of the consensus letter in weighted_site_model: a mismatch at
# position t leaves 1 - w_t of the site (all w_t >= 0.5, so two mismatches leave nothing).
SITE_WEIGHTS = (0.6, 0.92, 0.9, 0.9, 0.6, 0.99, 0.9)


def weighted_site_model(consensus: str = "UGCAUGU", weights=SITE_WEIGHTS):
    """Sites scored by how well they match ``consensus``, position by position.

    Each window scores ``relu(sum_t w_t [letter t matches] - (sum_t w_t - 1))``: 1 for the
    consensus, ``1 - w_t`` with one mismatch at position t, 0 with two or more; the
    prediction is the sum over windows. An affinity ladder whose order is written down.
    """
    m = len(consensus)
    x = keras.Input((LENGTH, 4))
    kernel = np.zeros((m, 4, 1), dtype=np.float32)
    for t, letter in enumerate(consensus):
        kernel[t, ALPHABET.index(letter), 0] = weights[t]
    layer = keras.layers.Conv1D(1, m, activation="relu", name="weighted_sites")
    hits = layer(x)
    layer.set_weights([kernel, np.array([1.0 - float(np.sum(weights))], dtype=np.float32)])
    total = _weighted_sum(hits, np.ones(LENGTH - m + 1), "total")
    return keras.Model(x, total, name="weighted_site")
