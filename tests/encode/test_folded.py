"""The synthetic generator's structure profiles, reused by the encode step only when they match."""

import numpy as np
import pytest

from rbpgia.encode.folded import load_folded, save_folded
from rbpgia.encode.store import encode_probes
from rbpgia.encode.structure import SPAN, WINDOW, structure_profiles
from rbpgia.simulate import generate
from rbpgia.workflow.config import validate_config


def rules(**rbps):
    """Synthetic RBP rules with the schema's defaults filled in, as the workflow has them."""
    config = {"dataset": "d", "datasets": {"d": {"format": "synthetic", "rbps": rbps}}}
    return validate_config(config)["datasets"]["d"]["rbps"]


RULES = rules(R_LOOP={"motif": "UGCAUG", "accessibility": 1.0, "planted_fraction": 0.5})


@pytest.fixture(scope="module")
def generated():
    kept = {}

    def keep(profiles, window, span):
        kept.update(profiles=profiles, window=window, span=span)

    probes, _ = generate(n_probes=60, rbps=RULES, seed=3, on_fold=keep)
    return probes, kept


def test_generator_hands_over_the_profiles_of_its_final_sequences(generated):
    probes, kept = generated
    assert (kept["window"], kept["span"]) == (WINDOW, SPAN)
    np.testing.assert_array_equal(kept["profiles"], structure_profiles(probes.sequences))


def test_no_accessibility_rule_folds_nothing():
    calls = []
    generate(n_probes=30, rbps=rules(R={"motif": "UGCAUG"}), seed=3, on_fold=calls.append)
    assert calls == []


def test_encoding_with_reused_profiles_equals_folding_again(generated, tmp_path):
    probes, kept = generated
    path = tmp_path / "folded.npz"
    save_folded(path, kept["profiles"], probes.sequences, kept["window"], kept["span"])
    profiles, reason = load_folded(path, probes.sequences, 41, WINDOW, SPAN)
    assert "reusing" in reason
    reused = encode_probes(probes, structure=profiles)
    folded = encode_probes(probes)
    for a, b in zip(reused, folded, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype == np.float32


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"window": 30}, "folded with (window, span, max_length) = (41, 41, 41), not (30, 41, 41)"),
        ({"max_length": 45}, "not (41, 41, 45)"),
        ({"sequences": "other"}, "other sequences"),
    ],
)
def test_profiles_of_other_settings_or_sequences_are_not_reused(
    generated, tmp_path, change, reason
):
    probes, kept = generated
    path = tmp_path / "folded.npz"
    save_folded(path, kept["profiles"], probes.sequences, kept["window"], kept["span"])
    sequences = list(probes.sequences)
    if change.get("sequences"):
        sequences[7] = sequences[7][::-1]
    settings = {"max_length": 41, "window": WINDOW, "span": SPAN, **change}
    settings.pop("sequences", None)
    profiles, why = load_folded(path, sequences, **settings)
    assert profiles is None
    assert reason in why


def test_nothing_folded_is_saved_and_said(tmp_path):
    path = tmp_path / "folded.npz"
    save_folded(path, None, ["ACGU"], 0, 0)
    profiles, why = load_folded(path, ["ACGU"], 41, WINDOW, SPAN)
    assert profiles is None
    assert "did not fold" in why


def test_profiles_of_the_wrong_shape_are_refused(generated):
    probes, kept = generated
    with pytest.raises(ValueError, match="structure has shape"):
        encode_probes(probes, max_length=45, structure=kept["profiles"])
    with pytest.raises(ValueError, match="59 profiles for 60 sequences"):
        save_folded("unused.npz", kept["profiles"][1:], probes.sequences, WINDOW, SPAN)
