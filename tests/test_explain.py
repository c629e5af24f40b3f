"""In-silico mutagenesis: exact effects on toy models, structure refolding, ISM logos."""

import numpy as np
import pandas as pd
import pytest

from rbpgia.encode.onehot import one_hot
from rbpgia.encode.structure import model_inputs, structure_profiles
from rbpgia.explain import (
    ISM_COLUMNS,
    ism_logo_matrix,
    ism_logos,
    ism_table,
    mutants,
    saturation_mutagenesis,
)
from rbpgia.plots.logos import plot_ism_logos

SITE = np.array(["ACGU".index(c) for c in "GCAUG"])


def count_sites(x: np.ndarray) -> np.ndarray:
    """Toy model: occurrences of GCAUG in each one-hot probe (padding matches nothing)."""
    codes = np.where(x[..., :4].sum(axis=-1) == 1, x[..., :4].argmax(axis=-1), -1)
    windows = np.lib.stride_tricks.sliding_window_view(codes, len(SITE), axis=1)
    return (windows == SITE).all(axis=-1).sum(axis=1).astype(np.float32)


def expected_effects(sequence: str, length: int) -> np.ndarray:
    """Mutant-minus-wild-type site counts by brute force over mutated strings."""
    out = np.zeros((length, 4))
    start = (length - len(sequence)) // 2
    wild = count_sites(one_hot([sequence], length))[0]
    for i, observed in enumerate(sequence):
        for b, base in enumerate("ACGU"):
            if base != observed:
                mutant = sequence[:i] + base + sequence[i + 1 :]
                out[start + i, b] = count_sites(one_hot([mutant], length))[0] - wild
    return out


def test_mutants_order_and_padding():
    x = one_hot(["AC"], max_length=4)  # pad 1 left, 1 right
    variants, probe, position, base = mutants(x)
    assert variants.shape == (6, 4, 4)
    np.testing.assert_array_equal(probe, [0] * 6)
    np.testing.assert_array_equal(position, [1, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(base, [1, 2, 3, 2, 3, 0])  # observed A then C, + 1, 2, 3
    np.testing.assert_array_equal(variants[:, [0, 3]], 0)  # padding never mutated
    np.testing.assert_array_equal(variants[4], one_hot(["AU"], max_length=4)[0])


def test_ism_of_site_counter_is_exact():
    sequences = ["AAAAGCAUGAAAA", "CCGCAUACC"]  # 13 nt, and a site one mutation away
    x = one_hot(sequences, max_length=15)
    scores = saturation_mutagenesis(count_sites, x)
    assert scores.shape == (2, 15, 4)
    assert scores.dtype == np.float32
    # Probe 0: every substitution inside GCAUG (window positions 5-9) loses the site.
    first = np.zeros((15, 4))
    for i, observed in zip(range(5, 10), "GCAUG", strict=True):
        first[i] = -1.0
        first[i, "ACGU".index(observed)] = 0.0
    np.testing.assert_array_equal(scores[0], first)
    # Probe 1: only A -> G at probe position 7 creates a site (+1).
    second = np.zeros((15, 4))
    second[3 + 6, 2] = 1.0
    np.testing.assert_array_equal(scores[1], second)
    for k, sequence in enumerate(sequences):
        np.testing.assert_array_equal(scores[k], expected_effects(sequence, 15))
    # Padding rows stay zero.
    np.testing.assert_array_equal(scores[0, [0, 14]], 0)
    np.testing.assert_array_equal(scores[1, :3], 0)


def test_batching_and_column_output_do_not_change_results():
    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGU"), size=n)) + "GCAUG" for n in (5, 12, 20, 30)]
    x = one_hot(sequences, max_length=41)
    whole = saturation_mutagenesis(count_sites, x)
    calls = []

    def column_predict(batch):
        calls.append(len(batch))
        return count_sites(batch)[:, None]

    # 130 // (3 * 41) = 1 probe per call.
    pieces = saturation_mutagenesis(column_predict, x, batch_size=130)
    np.testing.assert_array_equal(whole, pieces)
    assert calls == [1 + 3 * len(s) for s in sequences]
    for k, sequence in enumerate(sequences):
        np.testing.assert_array_equal(whole[k], expected_effects(sequence, 41))


def test_bad_predict_shape_and_bad_onehot_are_rejected():
    x = one_hot(["ACGU"], max_length=6)
    with pytest.raises(ValueError, match="predict must return"):
        saturation_mutagenesis(lambda batch: np.zeros((len(batch), 2)), x)
    with pytest.raises(ValueError, match="one-hot"):
        saturation_mutagenesis(count_sites, x * 2)


def test_structure_inputs_are_refolded_for_each_mutant():
    sequence = "GGGAAACCCAUUGCAUGA"  # a hairpin: structure changes with its stem bases
    x = one_hot([sequence], max_length=20)

    def paired_total(batch):
        assert batch.shape[-1] == 6  # one-hot + [paired, unpaired]
        return batch[..., 4].sum(axis=1)

    scores = saturation_mutagenesis(paired_total, x, input_type="pu")
    strings = []
    for i in range(len(sequence)):
        for base in "ACGU":
            strings.append(sequence[:i] + base + sequence[i + 1 :])
    onehot = one_hot(strings, max_length=20)
    totals = paired_total(model_inputs(onehot, structure_profiles(strings, 20), "pu"))
    wild = paired_total(model_inputs(x, structure_profiles([sequence], 20), "pu"))[0]
    expected = np.zeros((20, 4), dtype=np.float32)
    expected[1:19] = (totals - wild).reshape(len(sequence), 4)
    np.testing.assert_allclose(scores[0], expected, atol=1e-5)
    assert np.abs(scores[0]).max() > 0.5  # breaking the stem matters
    # Structure inputs need the centring that one_hot uses.
    shifted = np.roll(x, 1, axis=1)
    with pytest.raises(ValueError, match="centred"):
        saturation_mutagenesis(paired_total, shifted, input_type="pu")


def test_ism_logo_matrix_places_minus_mean_effect_on_observed_base():
    sequences = ["AAAAGCAUGAAAA", "CCGCAUACC"]
    x = one_hot(sequences, max_length=15)
    logo = ism_logo_matrix(saturation_mutagenesis(count_sites, x), x)
    expected = np.zeros((2, 15, 4), dtype=np.float32)
    # Every site base is needed: -(-1 -1 -1) / 3 = 1 on the observed letter.
    expected[0, np.arange(5, 10), [2, 1, 0, 3, 2]] = 1.0
    # One of three changes of the A at window position 9 gains a site: -1/3.
    expected[1, 9, 0] = -1.0 / 3.0
    np.testing.assert_allclose(logo, expected, atol=1e-7)


def test_ism_logos_write_png(tmp_path):
    sequences = ["AAAAGCAUGAAAA", "CCGCAUACC", "UGCAUGUGCAUGUGCAUGUGCAUGUGCAUGUGCAUGUGCAU"]
    x = one_hot(sequences, max_length=41)
    logo = ism_logo_matrix(saturation_mutagenesis(count_sites, x), x)
    path = tmp_path / "ism.png"
    plot_ism_logos(logo, sequences, ["probe 1", "probe 2", "probe 3 (41 nt)"], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10000
    with pytest.raises(ValueError, match="label"):
        plot_ism_logos(logo, sequences, ["only one"], tmp_path / "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ism.png"]


def test_ism_table_keeps_real_positions_and_round_trips_to_logos(tmp_path):
    sequences = ["AAAAGCAUGAAAA", "CCGCAUACC"]
    x = one_hot(sequences, max_length=15)  # 1 and 3 padding rows on each side
    scores = saturation_mutagenesis(count_sites, x)
    table = ism_table(scores, x, np.array([70, 12]), np.array([4.5, 2.25]))
    assert tuple(table.columns) == ISM_COLUMNS
    assert len(table) == 13 + 9  # padding left out
    first = table[table["probe"] == 70]
    assert first["position"].tolist() == list(range(1, 14))
    assert "".join(first["base"]) == sequences[0]
    assert (first["measured"] == 4.5).all()
    # G of GCAUG (probe position 5): its three substitutions each lose the site.
    g = first[first["position"] == 5].iloc[0]
    assert (g["delta_A"], g["delta_C"], g["delta_G"], g["delta_U"]) == (-1.0, -1.0, 0.0, -1.0)
    assert g["attribution"] == 1.0
    # Probe 12: A -> G at probe position 7 creates a site, so the A scores -1/3.
    a = table[(table["probe"] == 12) & (table["position"] == 7)].iloc[0]
    assert a["base"] == "A"
    assert a["delta_G"] == 1.0
    assert a["attribution"] == pytest.approx(-1.0 / 3.0)

    path = tmp_path / "ism.tsv"
    table.to_csv(path, sep="\t", index=False)
    logos = ism_logos(pd.read_csv(path, sep="\t"))
    assert [(probe, measured, sequence) for probe, measured, sequence, _ in logos] == [
        (70, 4.5, sequences[0]),
        (12, 2.25, sequences[1]),
    ]
    full = ism_logo_matrix(scores, x)
    np.testing.assert_allclose(logos[0][3], full[0, 1:14], atol=1e-7)
    np.testing.assert_allclose(logos[1][3], full[1, 3:12], atol=1e-7)


def test_ism_table_names_probes_by_their_ids(tmp_path):
    sequences = ["AAAAGCAUGAAAA", "CCGCAUACC"]
    x = one_hot(sequences, max_length=15)
    ids = np.array(["RBD_v3_000071", "RBD_v3_000013"])
    table = ism_table(
        saturation_mutagenesis(count_sites, x), x, np.array([70, 12]), [1.0, 2.0], ids
    )
    assert table.groupby("probe", sort=False)["probe_id"].first().to_dict() == {
        70: "RBD_v3_000071",
        12: "RBD_v3_000013",
    }
    path = tmp_path / "ism.tsv"
    table.to_csv(path, sep="\t", index=False)
    logos = ism_logos(pd.read_csv(path, sep="\t"))
    assert [probe for probe, *_ in logos] == ["RBD_v3_000071", "RBD_v3_000013"]
    # Without IDs the probe_id column repeats the row.
    plain = ism_table(saturation_mutagenesis(count_sites, x), x, np.array([70, 12]), [1.0, 2.0])
    assert set(plain["probe_id"]) == {"70", "12"}


def test_ism_logos_reject_incomplete_tables():
    x = one_hot(["GCAUG"], max_length=5)
    table = ism_table(saturation_mutagenesis(count_sites, x), x, np.array([1]), np.array([0.0]))
    with pytest.raises(ValueError, match="attribution"):
        ism_logos(table.drop(columns="attribution"))
    table.loc[2, "base"] = "T"
    with pytest.raises(ValueError, match="probe 1: bases"):
        ism_logos(table)
    with pytest.raises(ValueError, match="probe identifiers"):
        ism_table(saturation_mutagenesis(count_sites, x), x, np.array([1, 2]), np.array([0.0]))
