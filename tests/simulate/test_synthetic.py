"""Tests of the synthetic RNAcompete-like data set with planted binding rules."""

from __future__ import annotations

import copy
import json
import math
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import RNA
import scipy.sparse as sp
import yaml
from scipy.sparse.linalg import lsqr

from rbpgia import schema
from rbpgia.errors import ConfigError, InputError
from rbpgia.sequence import reverse_complement
from rbpgia.simulate import (
    GENERATOR_VERSION,
    SPEC_KEYS,
    check_spec,
    decode_padded,
    encode_padded,
    expected_measurement,
    generate,
    generate_pool,
    measure,
    planted_scores,
    unpaired_from_profiles,
)
from rbpgia.simulate.measurement import measure_with_normalisation
from rbpgia.workflow.config import validate_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "synthetic.md"

_BASE = {
    "max_mismatches": 1,
    "mismatch_weight": 0.25,
    "site_effect": "additive",
    "site_strength": 1.0,
    "saturation": 1.0,
    "spacing": None,
    "accessibility": 0.0,
    "gc_bias": 0.0,
    "position": None,
    "flanks": None,
    "noise_sd": 0.45,
    "nan_fraction": 0.01,
    "planted_fraction": 0.12,
}
# The recommended default set; docs/synthetic.md carries the same block as YAML.
DEFAULT_RBPS = {
    "SYN_ADDITIVE": {**_BASE, "motif": "UGCAUG", "site_strength": 0.8},
    "SYN_SATURATING": {
        **_BASE,
        "motif": "UAGGGA",
        "site_effect": "saturating",
        "site_strength": 2.5,
        "noise_sd": 0.35,
    },
    "SYN_SPACING": {
        **_BASE,
        "motif": "ACUAAC",
        "site_strength": 0.6,
        "spacing": {"distance": 5, "width": 1.5, "strength": 1.6},
        "noise_sd": 0.5,
        "planted_fraction": 0.2,
    },
    "SYN_STRUCTURE": {
        **_BASE,
        "motif": "GCUGGA",
        "site_effect": "saturating",
        "site_strength": 3.5,
        "accessibility": 1.0,
        "noise_sd": 0.4,
        "planted_fraction": 0.15,
    },
    "SYN_GC": {**_BASE, "motif": "CCAUUC", "site_strength": 0.8, "gc_bias": -6.0},
    "SYN_POSITION": {
        **_BASE,
        "motif": "AUCGUA",
        "site_effect": "saturating",
        "site_strength": 2.5,
        "position": {"centre": 0.25, "width": 0.2},
        "noise_sd": 0.3,
    },
    "SYN_FLANKS": {
        **_BASE,
        "motif": "GUUGAC",
        "site_strength": 0.7,
        "flanks": {"five_prime": "U", "three_prime": "A", "strength": 0.5},
        "noise_sd": 0.5,
    },
}
N_PROBES = 4000


def vienna_profiles(sequences, max_length=41, window=41, span=41, threads=1):
    """Stand-in for rbpgia.encode.structure.structure_profiles: channel 0 = P(paired)."""
    assert (window, span) == (41, 41)  # a probe of at most 41 nt is folded whole
    out = np.zeros((len(sequences), max_length, 5), dtype=np.float32)
    for i, seq in enumerate(sequences):
        fc = RNA.fold_compound(str(seq))
        fc.pf()
        bpp = np.array(fc.bpp())[1:, 1:]
        offset = (max_length - len(seq)) // 2
        out[i, offset : offset + len(seq), 0] = bpp.sum(axis=0) + bpp.sum(axis=1)
    return out


def vienna_unpaired(sequences):
    _, lengths = encode_padded(sequences)
    return unpaired_from_profiles(vienna_profiles(sequences), lengths)


def _stand_in_module():
    module = types.ModuleType("rbpgia.encode.structure")
    module.structure_profiles = vienna_profiles
    module.WINDOW = module.SPAN = 41
    return module


@pytest.fixture
def default_rbps():
    return copy.deepcopy(DEFAULT_RBPS)


@pytest.fixture
def stand_in_structure(monkeypatch):
    monkeypatch.setitem(sys.modules, "rbpgia.encode.structure", _stand_in_module())


@pytest.fixture(scope="module")
def dataset():
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "rbpgia.encode.structure", _stand_in_module())
        yield generate(N_PROBES, copy.deepcopy(DEFAULT_RBPS), seed=1)


def spec(**changes):
    """A plain additive ACGU rule with no extras, for hand-computed scores."""
    base = {**_BASE, "motif": "ACGU", "max_mismatches": 0, "mismatch_weight": 0.5}
    return {**base, **changes}


# ----------------------------------------------------------------------------------------
# Encoding


def test_encode_padded_codes_and_round_trip():
    codes, lengths = encode_padded(["ACGU", "GA"])
    np.testing.assert_array_equal(codes, [[0, 1, 2, 3], [2, 0, 4, 4]])
    np.testing.assert_array_equal(lengths, [4, 2])
    np.testing.assert_array_equal(decode_padded(codes), ["ACGU", "GA"])


def test_encode_padded_rejects_non_rna_letters():
    with pytest.raises(InputError, match="sequence 1"):
        encode_padded(["ACGU", "ACGN"])


# ----------------------------------------------------------------------------------------
# The pool


def test_generate_pool_is_reproducible_and_depends_on_seed():
    first = generate_pool(500, seed=3)
    again = generate_pool(500, seed=3)
    other = generate_pool(500, seed=4)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert np.mean(first[0] != other[0]) > 0.99


def test_generate_pool_looks_like_rnacompete():
    sequences, sets = generate_pool(5000, seed=0)
    lengths = np.char.str_len(sequences)
    for length, share in {30: 0.146, 35: 0.254, 38: 0.586}.items():
        assert np.mean(lengths == length) == pytest.approx(share, abs=0.02)
    assert set(np.unique(lengths)) <= {30, 35, 38, 39, 41}
    gc = np.array([(s.count("G") + s.count("C")) / len(s) for s in sequences])
    low, q1, median, q3, high = np.percentile(gc, [1, 25, 50, 75, 99])
    # Real pool: 0.33 / 0.45 / 0.50 / 0.54 / 0.70.
    assert low == pytest.approx(0.33, abs=0.03)
    assert q1 == pytest.approx(0.45, abs=0.02)
    assert median == pytest.approx(0.50, abs=0.01)
    assert q3 == pytest.approx(0.54, abs=0.02)
    assert high == pytest.approx(0.70, abs=0.05)
    assert np.sum(sets == "B") == 2500
    assert set(sets) == {"A", "B"}


def test_generate_pool_honours_custom_lengths_and_set_fraction():
    sequences, sets = generate_pool(100, seed=1, set_b_fraction=0.2, lengths={20: 1.0})
    assert set(np.char.str_len(sequences)) == {20}
    assert np.sum(sets == "B") == 20


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"n_probes": 0}, "n_probes"),
        ({"set_b_fraction": 1.5}, "set_b_fraction"),
        ({"lengths": {38: -1.0}}, "lengths"),
        ({"gc_mean": 2.0}, "gc_mean"),
        ({"gc_sd": -0.1}, "gc_sd"),
        ({"seed": -1}, "seed"),
    ],
)
def test_generate_pool_rejects_bad_parameters(kwargs, key):
    arguments = {"n_probes": 10, "seed": 0, **kwargs}
    with pytest.raises(ConfigError, match=key):
        generate_pool(**arguments)


# ----------------------------------------------------------------------------------------
# Planted scores: hand-computed values


def test_additive_sites_and_mismatches_hand_computed():
    # AACGAAAA holds ACGA (1 mismatch, weight 0.5); its other windows have >= 3 mismatches.
    sequences = ["AAACGUAA", "ACGUACGU", "AAAAAAAA", "AACGAAAA"]
    scores = planted_scores(sequences, spec(max_mismatches=1))
    np.testing.assert_allclose(scores, [1.0, 2.0, 0.0, 0.5])


def test_windows_running_past_the_probe_end_are_not_sites():
    # "ACG" at the end would be a 1-mismatch site if the padding counted as sequence.
    scores = planted_scores(["AAACG", "AAAAAAAA"], spec(max_mismatches=1))
    np.testing.assert_allclose(scores, [0.0, 0.0])


def test_saturating_sites_hand_computed():
    rule = spec(site_effect="saturating", site_strength=2.0, saturation=1.0)
    scores = planted_scores(["AAAAAAAA", "AACGUAAA", "ACGUACGU"], rule)
    np.testing.assert_allclose(scores, [0.0, 2.0 * (1 - math.exp(-1)), 2.0 * (1 - math.exp(-2))])


def test_gc_bias_hand_computed():
    scores = planted_scores(["GGCC", "AAUU", "GAUC"], spec(gc_bias=2.0))
    np.testing.assert_allclose(scores, [1.0, -1.0, 0.0])


def test_spacing_bonus_hand_computed():
    rule = spec(spacing={"distance": 3, "width": 1.0, "strength": 1.5})
    sequences = ["ACGU" + "AAA" + "ACGU", "ACGU" + "AAAAA" + "ACGU", "ACGUAAAAA"]
    scores = planted_scores(sequences, rule)
    np.testing.assert_allclose(scores, [2.0 + 1.5, 2.0 + 1.5 * math.exp(-2.0), 1.0])


def test_position_weight_hand_computed():
    # Site centres at (0 + 2) / 16 = 0.125 and (12 + 2) / 16 = 0.875.
    rule = spec(position={"centre": 0.125, "width": 0.1})
    scores = planted_scores(["ACGU" + "A" * 12, "A" * 12 + "ACGU"], rule)
    np.testing.assert_allclose(scores, [1.0, math.exp(-(0.75**2) / 0.02)])


def test_flank_bonus_hand_computed():
    rule = spec(flanks={"five_prime": "U", "three_prime": "A", "strength": 0.5})
    scores = planted_scores(["UACGUA", "CACGUC", "ACGUA", "UACGUC"], rule)
    np.testing.assert_allclose(scores, [2.0, 1.0, 1.5, 1.5])


def test_flank_nucleotides_may_be_left_out():
    rule = spec(flanks={"five_prime": "U", "strength": 0.5})
    assert check_spec("SYN_X", rule)["flanks"]["three_prime"] is None
    np.testing.assert_allclose(planted_scores(["UACGUA", "CACGUA"], rule), [1.5, 1.0])


def test_accessibility_weight_hand_computed():
    rule = spec(accessibility=0.8)
    unpaired = [np.full(7, 0.2), np.ones(7)]
    scores = planted_scores(["AACGUAA", "AACGUAA"], rule, unpaired=unpaired)
    np.testing.assert_allclose(scores, [1 - 0.8 + 0.8 * 0.2, 1.0])
    # The same probabilities as a left-aligned 2-D array.
    again = planted_scores(["AACGUAA", "AACGUAA"], rule, unpaired=np.array(unpaired))
    np.testing.assert_allclose(again, scores)


def test_accessibility_without_unpaired_probabilities_is_an_error():
    with pytest.raises(ValueError, match="unpaired"):
        planted_scores(["AACGUAA"], spec(accessibility=0.5))


# ----------------------------------------------------------------------------------------
# Planted scores: the rules behind each GIA experiment


def _insert(background: str, motif: str, starts) -> str:
    seq = list(background)
    for start in starts:
        seq[start : start + len(motif)] = motif
    return "".join(seq)


def test_count_effect_additive_is_linear_and_saturating_flattens():
    starts = [2, 11, 20, 29]  # 3-nt gaps: no extra 1-mismatch window across a junction
    additive = DEFAULT_RBPS["SYN_ADDITIVE"]
    saturating = DEFAULT_RBPS["SYN_SATURATING"]
    # On a poly-A background no window but the inserted ones is a site: exact values.
    for rule, expected in [
        (additive, [0.8 * n for n in range(5)]),
        (saturating, [2.5 * (1 - math.exp(-n)) for n in range(5)]),
    ]:
        sequences = [_insert("A" * 38, rule["motif"], starts[:n]) for n in range(5)]
        np.testing.assert_allclose(planted_scores(sequences, rule), expected, atol=1e-12)

    # On random backgrounds the mean effect of each extra site follows the same shape.
    backgrounds, _ = generate_pool(300, seed=5, lengths={38: 1.0})
    steps = {}
    for name, rule in [("additive", additive), ("saturating", saturating)]:
        means = [
            planted_scores(
                [_insert(b, rule["motif"], starts[:n]) for b in backgrounds], rule
            ).mean()
            for n in range(5)
        ]
        steps[name] = np.diff(means)
    np.testing.assert_allclose(steps["additive"], 0.8, atol=0.05)
    first, second, third, fourth = steps["saturating"]
    assert first > 1.3
    assert second < 0.5 * first
    assert third < 0.5 * second
    assert fourth < 0.1 * first


def test_spacing_bonus_peaks_at_the_planted_distance():
    rule = DEFAULT_RBPS["SYN_SPACING"]
    gaps = np.arange(21)
    sequences = [_insert("A" * 38, rule["motif"], [2, 2 + 6 + gap]) for gap in gaps]
    scores = planted_scores(sequences, rule)
    assert gaps[np.argmax(scores)] == 5
    assert scores[5] == pytest.approx(2 * 0.6 + 1.6)
    assert scores[0] == pytest.approx(1.2 + 1.6 * math.exp(-25 / 4.5))


def test_accessibility_site_in_a_stem_scores_lower_than_in_a_loop():
    rule = DEFAULT_RBPS["SYN_STRUCTURE"]
    motif = rule["motif"]
    stem = "AAAAA" + motif + "GAAA" + reverse_complement(motif) + "AAAAA"
    loop = "AAAA" + "GCCGAC" + "A" + motif + "A" + "GUCGGC" + "AAAA"
    assert RNA.fold(stem)[0] == "....." + "(" * 6 + "...." + ")" * 6 + "....."
    assert RNA.fold(loop)[0] == "...." + "(" * 6 + "." * 8 + ")" * 6 + "...."
    unpaired = vienna_unpaired([stem, loop])
    in_stem, in_loop = planted_scores([stem, loop], rule, unpaired=unpaired)
    # A fully unpaired single site scores 3.5 * (1 - e^-1) = 2.21; a paired one about 0.
    assert in_loop > 1.9
    assert in_stem < 0.3
    blind = {**rule, "accessibility": 0.0}
    np.testing.assert_allclose(planted_scores([stem, loop], blind), 3.5 * (1 - math.exp(-1)))


# ----------------------------------------------------------------------------------------
# Measurement


def test_measure_centres_on_zero_with_a_heavy_right_tail():
    rng = np.random.default_rng(0)
    scores = np.where(rng.random(20000) < 0.1, rng.uniform(1, 4, 20000), 0.0)
    rule = spec(noise_sd=0.3, nan_fraction=0.02)
    values = measure(scores, rule, np.random.default_rng(1))
    assert values.dtype == np.float32
    assert np.isnan(values).sum() == 400
    low, median, high = np.nanpercentile(values, [1, 50, 99])
    assert median == pytest.approx(0.0, abs=1e-6)
    assert -2.0 < low < -1.2
    assert high > 20
    again = measure(scores, rule, np.random.default_rng(1))
    np.testing.assert_array_equal(values, again)


def test_expected_measurement_is_the_noise_free_mean():
    scores = np.repeat([0.0, 2.0], 50000)
    rule = spec(noise_sd=0.4, nan_fraction=0.0)
    values, median, scale = measure_with_normalisation(scores, rule, np.random.default_rng(2))
    expected = expected_measurement(np.array([0.0, 2.0]), median, scale)
    observed = [values[:50000].mean(), values[50000:].mean()]
    np.testing.assert_allclose(observed, expected, rtol=0.02)


# ----------------------------------------------------------------------------------------
# The whole data set


def test_generate_is_reproducible_and_depends_on_seed(stand_in_structure, default_rbps):
    probes, truth = generate(600, default_rbps, seed=11)
    again, truth_again = generate(600, copy.deepcopy(default_rbps), seed=11)
    other, _ = generate(600, default_rbps, seed=12)
    np.testing.assert_array_equal(probes.sequences, again.sequences)
    np.testing.assert_array_equal(probes.sets, again.sets)
    np.testing.assert_array_equal(probes.targets.to_numpy(), again.targets.to_numpy())
    assert json.dumps(truth, sort_keys=True) == json.dumps(truth_again, sort_keys=True)
    assert np.mean(probes.sequences != other.sequences) > 0.99
    # The background is generate_pool's.
    pool, sets = generate_pool(600, seed=11)
    np.testing.assert_array_equal(sets, probes.sets)
    # 5 x 12 % + 20 % + 15 % of the probes are planted; the other 5 % keep the background.
    assert np.sum(pool == probes.sequences) == 600 - 5 * 72 - 120 - 90


def test_generate_returns_probes_with_targets_in_order(dataset):
    probes, _ = dataset
    assert probes.experiments == list(DEFAULT_RBPS)
    assert probes.source == "synthetic"
    assert len(probes) == N_PROBES
    assert np.sum(probes.sets == "B") == N_PROBES // 2
    assert all(probes.targets[name].dtype == np.float64 for name in DEFAULT_RBPS)
    assert all(re.fullmatch("[ACGU]+", s) for s in probes.sequences)


def test_nan_fraction_matches(dataset):
    probes, _ = dataset
    for name in DEFAULT_RBPS:
        assert probes.targets[name].isna().sum() == round(0.01 * N_PROBES)


def test_planted_fraction_of_probes_carry_a_site(dataset):
    _, truth = dataset
    for name, rule in DEFAULT_RBPS.items():
        # Planted probes plus chance occurrences (~0.3-0.8 % per probe for a 6-mer).
        observed = truth["rbps"][name]["fraction_with_exact_site"]
        assert rule["planted_fraction"] <= observed <= rule["planted_fraction"] + 0.02


def test_ground_truth_is_json_and_matches_the_sequences(dataset):
    probes, truth = dataset
    text = json.dumps(truth, allow_nan=False)
    assert json.loads(text)["n_probes"] == N_PROBES
    assert truth["seed"] == 1
    assert truth["generator_version"] == GENERATOR_VERSION
    assert list(truth["rbps"]) == list(DEFAULT_RBPS)
    assert truth["rbps"]["SYN_ADDITIVE"]["motif_reverse_complement"] == "CAUGCA"
    unpaired = None
    for name, rule in DEFAULT_RBPS.items():
        if rule["accessibility"] > 0 and unpaired is None:
            unpaired = vienna_unpaired(probes.sequences)
        scores = planted_scores(probes.sequences, rule, unpaired=unpaired)
        np.testing.assert_allclose(truth["scores"][name], scores, atol=5e-7)


def test_noise_ceiling_in_documented_range(dataset):
    probes, truth = dataset
    for name in DEFAULT_RBPS:
        ceiling = truth["noise_ceiling"][name]["pearson_r_set_b"]
        assert 0.7 <= ceiling <= 0.95, (name, ceiling)
        # Recompute it from the returned data.
        on_b = (probes.sets == "B") & probes.targets[name].notna().to_numpy()
        norm = truth["rbps"][name]["normalisation"]
        ideal = expected_measurement(np.array(truth["scores"][name]), **norm)
        r = np.corrcoef(ideal[on_b], probes.targets[name].to_numpy()[on_b])[0, 1]
        assert r == pytest.approx(ceiling, abs=1e-4)


def _kmer_counts(sequences, k=6):
    codes, lengths = encode_padded(sequences)
    windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1).astype(np.int64)
    ids = (windows * 4 ** np.arange(k - 1, -1, -1)).sum(axis=2)
    inside = np.arange(windows.shape[1])[None, :] + k <= lengths[:, None]
    rows = np.broadcast_to(np.arange(len(sequences))[:, None], ids.shape)
    counts = sp.coo_matrix(
        (np.ones(inside.sum()), (rows[inside], ids[inside])), shape=(len(sequences), 4**k)
    )
    return sp.hstack([counts, np.ones((len(sequences), 1))]).tocsr()


def _kmer(index, k=6):
    return "".join("ACGU"[(index // 4**p) % 4] for p in range(k - 1, -1, -1))


def test_each_planted_motif_is_the_top_kmer(dataset):
    # Ridge regression of the log raw intensity on 6-mer counts: unlike the mean intensity
    # of probes containing a k-mer, it is not fooled by the junction k-mers of adjacent sites.
    probes, truth = dataset
    counts = _kmer_counts(probes.sequences)
    for name, rule in DEFAULT_RBPS.items():
        values = probes.targets[name].to_numpy()
        measured = ~np.isnan(values)
        norm = truth["rbps"][name]["normalisation"]
        log_raw = np.log(values[measured] * norm["scale"] + norm["median"])
        coefficients = lsqr(counts[measured], log_raw - log_raw.mean(), damp=np.sqrt(10.0))[0]
        top = _kmer(int(np.argmax(coefficients[:-1])))
        motif = rule["motif"]
        allowed = {motif}
        if rule["flanks"] is not None:
            # The motif shifted by one into a preferred flank is the same planted rule.
            flanks = rule["flanks"]
            allowed |= {flanks["five_prime"] + motif[:-1], motif[1:] + flanks["three_prime"]}
        assert top in allowed, (name, top)


# ----------------------------------------------------------------------------------------
# Configuration errors


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("motif", "ACGX"),
        ("motif", "ACG"),
        ("motif", "ACGUACGUA"),
        ("max_mismatches", 3),
        ("max_mismatches", 1.5),
        ("mismatch_weight", 1.5),
        ("site_effect", "linear"),
        ("site_strength", 0.0),
        ("saturation", -1.0),
        ("spacing", {"distance": -1, "width": 1.0, "strength": 1.0}),
        ("spacing", {"distance": 3, "strength": 1.0}),
        ("spacing", {"distance": 3, "width": 0.0, "strength": 1.0}),
        ("accessibility", 2.0),
        ("gc_bias", float("nan")),
        ("position", {"centre": 1.5, "width": 0.1}),
        ("position", 0.5),
        ("flanks", {"five_prime": "N", "three_prime": None, "strength": 1.0}),
        ("noise_sd", -0.1),
        ("nan_fraction", 1.0),
        ("nan_fraction", 0.6),
        ("planted_fraction", 1.2),
        ("planted_fraction", True),
        ("motif", "TGCATG"),
        ("motif", "UGCAUG\n"),
        ("flanks", {"five_prime": "T", "strength": 1.0}),
        ("spacing", [5, 1.5, 1.6]),
        ("spacing", {"distance": 3, "width": 1.0, "strength": 1.0, "gap": 2}),
        ("site_strength", float("inf")),
    ],
)
def test_bad_spec_values_name_the_rbp_and_key(key, value):
    bad = {**DEFAULT_RBPS["SYN_ADDITIVE"], key: value}
    with pytest.raises(ConfigError, match=rf"RBP 'SYN_BAD': {key}"):
        check_spec("SYN_BAD", bad)
    with pytest.raises(ConfigError, match=rf"RBP 'SYN_BAD': {key}"):
        generate(10, {"SYN_BAD": bad}, seed=0)


def test_missing_and_unknown_keys_are_named():
    rule = dict(DEFAULT_RBPS["SYN_ADDITIVE"])
    del rule["motif"]
    with pytest.raises(ConfigError, match="RBP 'SYN_X': motif: required"):
        check_spec("SYN_X", rule)
    with pytest.raises(ConfigError, match="RBP 'SYN_X': site_efect: unknown"):
        check_spec("SYN_X", {**DEFAULT_RBPS["SYN_ADDITIVE"], "site_efect": "additive"})
    with pytest.raises(ConfigError, match=r"RBP 'SYN_X': spacing\.width: required"):
        check_spec("SYN_X", spec(spacing={"distance": 3, "strength": 1.0}))
    with pytest.raises(ConfigError, match="must be null or a mapping"):
        check_spec("SYN_X", spec(position=0.5))


def _in_config(rbps: dict) -> dict:
    """``rbps`` as the workflow's config validation returns them (defaults filled)."""
    config = {"dataset": "d", "datasets": {"d": {"format": "synthetic", "rbps": rbps}}}
    return validate_config(config)["datasets"]["d"]["rbps"]


def test_left_out_keys_take_the_schema_defaults_as_in_the_workflow():
    definition = schema.definition("synthetic_rbp")["properties"]
    checked = check_spec("SYN_X", {"motif": "UGCAUG"})
    assert tuple(checked) == SPEC_KEYS == tuple(definition)
    assert checked == {"motif": "UGCAUG"} | {
        key: node["default"] for key, node in definition.items() if "default" in node
    }
    # The workflow fills the same defaults from the same schema: one rule, one meaning.
    assert check_spec("SYN_X", _in_config({"SYN_X": {"motif": "UGCAUG"}})["SYN_X"]) == checked
    # Nested keys left out take their defaults too.
    flanks = check_spec("SYN_X", {"motif": "UGCAUG", "flanks": {"strength": 0.5}})["flanks"]
    assert flanks == {"five_prime": None, "three_prime": None, "strength": 0.5}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("motif", "TGCATG"),
        ("nan_fraction", 0.6),
        ("max_mismatches", 3),
        ("spacing", {"distance": 3, "strength": 1.0}),
        ("flanks", {"five_prime": "N", "strength": 1.0}),
    ],
)
def test_the_workflow_config_rejects_the_same_rules(key, value):
    bad = {**DEFAULT_RBPS["SYN_ADDITIVE"], key: value}
    with pytest.raises(ConfigError, match=rf"RBP 'SYN_BAD': {key}"):
        check_spec("SYN_BAD", bad)
    with pytest.raises(ConfigError, match=rf"datasets\.d\.rbps\.SYN_BAD\.{key}"):
        _in_config({"SYN_BAD": bad})


def test_whole_numbers_and_numpy_scalars_are_accepted_and_normalised():
    rule = spec(max_mismatches=np.int64(1), site_strength=np.float32(2.0), gc_bias=1)
    rule["spacing"] = {"distance": 3.0, "width": 1, "strength": np.float64(0.5)}
    checked = check_spec("SYN_X", rule)
    assert checked["max_mismatches"] == 1
    assert type(checked["max_mismatches"]) is int
    assert type(checked["site_strength"]) is float
    assert type(checked["gc_bias"]) is float
    assert checked["spacing"] == {"distance": 3, "width": 1.0, "strength": 0.5}
    assert type(checked["spacing"]["distance"]) is int
    assert json.dumps(checked)


def test_generate_rejects_bad_names_and_overfull_planting(default_rbps):
    with pytest.raises(ConfigError, match="bad/name"):
        generate(10, {"bad/name": default_rbps["SYN_ADDITIVE"]}, seed=0)
    overfull = {
        "SYN_A": {**default_rbps["SYN_ADDITIVE"], "planted_fraction": 0.6},
        "SYN_B": {**default_rbps["SYN_GC"], "planted_fraction": 0.6},
    }
    with pytest.raises(ConfigError, match="planted_fraction"):
        generate(10, overfull, seed=0)
    with pytest.raises(ConfigError, match="rbps"):
        generate(10, {}, seed=0)


# ----------------------------------------------------------------------------------------
# Documentation and the real structure module


def test_docs_panel_block_matches_the_fixture(default_rbps):
    block = re.search(r"```yaml\n(.*?)```", DOCS.read_text(), re.DOTALL).group(1)
    config = yaml.safe_load(block)["synthetic_panel"]
    assert config["rbps"] == default_rbps
    for name, rule in config["rbps"].items():
        check_spec(name, rule)
    assert sum(rule["planted_fraction"] for rule in default_rbps.values()) <= 1


def test_real_structure_profiles_mark_a_stem_paired():
    structure = pytest.importorskip("rbpgia.encode.structure")
    motif = DEFAULT_RBPS["SYN_STRUCTURE"]["motif"]
    stem = "AAAAA" + motif + "GAAA" + reverse_complement(motif) + "AAAAA"
    profiles = structure.structure_profiles(np.array([stem]), max_length=41, threads=1)
    unpaired = unpaired_from_profiles(profiles, np.array([len(stem)]))
    np.testing.assert_allclose(unpaired, vienna_unpaired([stem]), atol=0.05)
