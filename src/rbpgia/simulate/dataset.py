"""The whole synthetic data set: pool, planted sites, scores, measurements, ground truth."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from rbpgia.data.probes import Probes, check_name
from rbpgia.errors import ConfigError, InputError
from rbpgia.sequence import reverse_complement
from rbpgia.simulate.codes import decode_padded
from rbpgia.simulate.measurement import (
    BACKGROUND,
    expected_intensity,
    measure_with_normalisation,
)
from rbpgia.simulate.plant import PLANTED_SITE_COUNTS, plant_sites, planted_rows
from rbpgia.simulate.pool import GC_MEAN, GC_SD, PROBE_LENGTHS, check_seed, pool_codes
from rbpgia.simulate.rules import scores_from_codes, site_weights
from rbpgia.simulate.spec import check_spec
from rbpgia.simulate.structure import fold_unpaired

GENERATOR_VERSION = "1"


def _pearson(x, y) -> float | None:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _check_rbps(rbps: Mapping[str, Mapping]) -> dict[str, dict]:
    """Every RBP's checked rule; names safe as file names, planted fractions summing to <= 1."""
    if not isinstance(rbps, Mapping) or not rbps:
        raise ConfigError("rbps: at least one synthetic RBP is required")
    specs = {}
    for name, spec in rbps.items():
        try:
            check_name(name, "synthetic RBP name")
        except InputError as error:
            raise ConfigError(f"rbps: {error}") from None
        specs[name] = check_spec(name, spec)
    # Across RBPs, so no schema of one rule can say it.
    total_planted = sum(spec["planted_fraction"] for spec in specs.values())
    if total_planted > 1:
        raise ConfigError(
            f"rbps: planted_fraction values sum to {total_planted:g}; each RBP's motif is "
            "planted into its own probes, so the sum must be at most 1"
        )
    return specs


def generate(
    n_probes: int,
    rbps: Mapping[str, Mapping],
    seed: int,
    set_b_fraction: float = 0.5,
    threads: int = 1,
    on_fold: Callable[..., None] | None = None,
) -> tuple[Probes, dict]:
    """Generate a synthetic RNAcompete-like data set with known binding rules.

    Steps: draw the background pool (:func:`~rbpgia.simulate.pool.generate_pool`; the same
    seed gives the same background); give each RBP its own random ``planted_fraction`` of
    the probes (the fractions must sum to at most 1) and write 1-4 non-overlapping instances
    of its motif into each of them; fold the probes with ViennaRNA if any RBP has
    ``accessibility > 0``; score (:func:`~rbpgia.simulate.rules.planted_scores`, on the final
    sequences, so chance sites of every motif count too) and measure
    (:func:`~rbpgia.simulate.measurement.measure`) every RBP.

    Parameters
    ----------
    n_probes : int
    rbps : mapping of RBP name -> specification
        Names become target columns (and file names downstream). Each specification is
        checked, and its left-out keys filled, by :func:`~rbpgia.simulate.spec.check_spec`.
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
    seed = check_seed(seed)
    specs = _check_rbps(rbps)

    codes, lengths, sets = pool_codes(n_probes, seed, set_b_fraction, PROBE_LENGTHS, GC_MEAN, GC_SD)
    planted = planted_rows(n_probes, specs, np.random.default_rng([seed, 1]))
    for index, (name, spec) in enumerate(specs.items()):
        rng = np.random.default_rng([seed, 1, index + 1])
        codes = plant_sites(codes, lengths, spec["motif"], planted[name], rng)
    sequences = decode_padded(codes)

    unpaired = None
    if any(spec["accessibility"] > 0 for spec in specs.values()):
        unpaired = fold_unpaired(sequences, lengths, threads, on_fold)[:, : codes.shape[1]]

    set_b = sets == "B"
    targets = {}
    truth_rbps, truth_scores, ceilings = {}, {}, {}
    for index, (name, spec) in enumerate(specs.items()):
        scores = scores_from_codes(codes, lengths, spec, unpaired)
        rng = np.random.default_rng([seed, 2, index])
        measured, median, scale = measure_with_normalisation(scores, spec, rng)
        targets[name] = measured.astype(np.float64)

        usable = set_b & ~np.isnan(measured)
        ceilings[name] = {
            "pearson_r_set_b": _pearson(
                expected_intensity(scores[usable]), measured[usable].astype(np.float64)
            ),
            "pearson_r_score_set_b": _pearson(scores[usable], measured[usable]),
        }
        exact = site_weights(
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
