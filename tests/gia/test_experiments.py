"""The paper's GIA experiments on toy models whose answers are known, and on a Keras model."""

import numpy as np
import pytest
from conftest import (
    MOTIF,
    count_model,
    flank_model,
    gc_model,
    motif_hits,
    spacing_model,
    unpaired_model,
)

from rbpgia.errors import InputError
from rbpgia.gia import EXPERIMENTS
from rbpgia.gia.experiments import (
    feasible_spacings,
    flanks,
    gc_bias,
    hairpin,
    hairpin_layout,
    kmer_mutagenesis,
    motif_count,
    positional,
    site_starts,
    spacing,
)

STATS = ["importance", "ci_low", "ci_high", "n", "p_value", "q_value", "structure_recomputed"]


def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiments_never_modify_the_nulls_and_report_statistics(name, nulls):
    before = nulls.copy()
    table = EXPERIMENTS[name](count_model(), nulls[:100], MOTIF, rng())
    np.testing.assert_array_equal(nulls, before)
    assert set(STATS) <= set(table.columns)
    assert (table["n"] == 100).all()
    assert not table["structure_recomputed"].any()
    assert (table["ci_low"] <= table["importance"]).all()
    assert (table["importance"] <= table["ci_high"]).all()


def test_kmer_mutagenesis_grid(nulls):
    table = kmer_mutagenesis(count_model(), nulls, MOTIF, rng())
    assert len(table) == 4 * len(MOTIF)
    wild = table[table["wild_type"]]
    assert wild["nucleotide"].tolist() == list(MOTIF)
    assert (wild["kmer"] == MOTIF).all()
    assert wild["importance"].nunique() == 1
    assert wild["importance"].iloc[0] == pytest.approx(1.0, abs=0.02)
    mutants = table[~table["wild_type"]]
    assert len(set(mutants["kmer"])) == 3 * len(MOTIF)
    assert mutants["importance"].abs().max() < 0.05
    row = table[(table["position"] == 2) & (table["nucleotide"] == "G")].iloc[0]
    assert row["kmer"] == "GCGUG"


def test_positional_finds_the_columns_a_model_reads(nulls):
    def left_half_only(x):  # counts GCAUG only when it starts before column 15
        return motif_hits(np.asarray(x), MOTIF)[:, :15].sum(axis=1)

    table = positional(left_half_only, nulls, MOTIF, rng())
    # 30- to 41-nt probes centred in 41 columns: a 5-mer fits all of them at columns 5..30.
    assert table["position"].tolist() == list(range(5, 31))
    inside = table["position"] < 15
    assert table.loc[inside, "importance"].min() > 0.95
    assert table.loc[~inside, "importance"].abs().max() < 0.05


def test_motif_count_of_an_additive_model_is_a_line_of_slope_one(nulls):
    table = motif_count(count_model(), nulls, MOTIF, rng())
    assert table["n_sites"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(table["importance"], [1, 2, 3], atol=0.03)
    assert table["slope"].iloc[0] == pytest.approx(1.0, abs=0.02)
    assert table["r2"].iloc[0] > 0.999
    assert table["slope"].nunique() == 1  # the fit is repeated on every row


def test_motif_count_saturating_model_has_lower_slope(nulls):
    def saturating(x):
        return np.minimum(motif_hits(np.asarray(x), MOTIF).sum(axis=1), 1.0)

    table = motif_count(saturating, nulls, MOTIF, rng())
    assert table["slope"].iloc[0] < 0.1
    np.testing.assert_allclose(table["importance"], 1.0, atol=0.03)


def test_sites_are_spread_without_overlap(nulls):
    copies = site_starts(nulls, 5, 3)
    starts = np.stack(copies, axis=1)
    assert (np.diff(starts, axis=1) >= 5).all()
    with pytest.raises(InputError, match="do not fit"):
        site_starts(nulls, 5, 7)


def test_spacing_peaks_at_the_planted_distance(nulls):
    assert feasible_spacings("GCAUG", 30) == [-1, *range(0, 21)]  # G...G overlaps by 1
    assert feasible_spacings("AAAA", 10) == [-3, -2, -1, 0, 1, 2]
    table = spacing(spacing_model(gap=4, bonus=3.0), nulls, MOTIF, rng())
    assert table["spacing"].tolist() == [-1, *range(0, 21)]
    best = table.loc[table["importance"].idxmax()]
    assert best["spacing"] == 4
    assert best["importance"] == pytest.approx(5.0, abs=0.05)
    others = table[table["spacing"] != 4]
    np.testing.assert_allclose(others["importance"], 2.0, atol=0.06)
    with pytest.raises(InputError, match="cannot overlap"):
        spacing(count_model(), nulls, MOTIF, rng(), spacings=[-2])


def test_gc_bias_shows_the_side_the_model_prefers(nulls):
    table = gc_bias(gc_model(first_column=24), nulls, MOTIF, rng()).set_index("condition")
    assert list(table.index) == ["motif", "gc_5p", "gc_3p", "motif+gc_5p", "motif+gc_3p"]
    assert table.loc["gc_3p", "ci_low"] > 1.0  # 6 GC letters x 0.5, minus the null's own GC
    assert table.loc["gc_5p", "ci_low"] <= 0.0 <= table.loc["gc_5p", "ci_high"]
    assert table.loc["motif+gc_3p", "importance"] == pytest.approx(
        table.loc["motif", "importance"] + table.loc["gc_3p", "importance"], abs=0.05
    )
    with pytest.raises(InputError, match="overlaps the motif"):
        gc_bias(count_model(), nulls, MOTIF, rng(), gc_motif="GC" * 6)


def test_flanks_find_the_preferred_pair(nulls):
    table = flanks(flank_model(five="U", three="A"), nulls, MOTIF, rng())
    assert len(table) == 16
    assert table["flank"].tolist()[:3] == ["A_A", "A_C", "A_G"]
    best = table.loc[table["importance"].idxmax()]
    assert (best["flank"], best["five_prime"], best["three_prime"]) == ("U_A", "U", "A")
    assert best["importance"] == pytest.approx(3.0, abs=0.05)


def test_hairpin_layout_centres_a_fitting_stem_loop(nulls):
    layout = hairpin_layout(nulls, 5, stem=8, loop_margin=2)
    assert (layout["end"] - layout["arm5"] == 2 * 8 + 9).all()
    assert (layout["loop_motif"] == layout["arm5"] + 10).all()
    with pytest.raises(InputError, match="does not fit"):
        hairpin_layout(nulls, 5, stem=12, loop_margin=2)


def test_hairpin_structure_toy_prefers_the_loop(nulls):
    before = nulls.copy()
    table = hairpin(unpaired_model(), nulls[:150], MOTIF, rng(), input_type="pu")
    np.testing.assert_array_equal(nulls, before)
    table = table.set_index("context")
    assert list(table.index) == ["random", "loop", "stem"]
    assert table["structure_recomputed"].all()
    assert table.loc["loop", "fold_fraction"] > 0.8
    assert table.loc["stem", "fold_fraction"] > 0.8
    assert np.isnan(table.loc["random", "fold_fraction"])
    assert table.loc["loop", "motif_unpaired_fraction"] > 0.9
    assert table.loc["stem", "motif_unpaired_fraction"] < 0.05
    # The toy scores a site by its unpaired probability: loop > plain nulls > stem.
    assert table.loc["loop", "ci_low"] > table.loc["random", "ci_high"]
    assert table.loc["random", "ci_low"] > table.loc["stem", "ci_high"]
    assert table.loc["stem", "importance"] < 0.1


def test_keras_model_smoke(nulls):
    """A tiny Keras model through make_predict_fn: GIA numbers equal a direct computation."""
    keras = pytest.importorskip("keras")
    from rbpgia.gia.embed import embed
    from rbpgia.gia.kmer_search import kmer_search
    from rbpgia.train import make_predict_fn

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((41, 4)),
            keras.layers.Conv1D(4, 5, activation="relu"),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(1),
        ]
    )
    predict = make_predict_fn(model, batch_size=256)
    few = nulls[:60]
    table = kmer_search(predict, few, kmers=["GCAUGA", "UUUUUU", "ACGUAC"], batch_kmers=2)
    direct = {
        kmer: float(
            np.mean(
                model.predict(embed(few, [(kmer, "centre")]), verbose=0).ravel()
                - model.predict(few, verbose=0).ravel()
            )
        )
        for kmer in table["kmer"]
    }
    np.testing.assert_allclose(table["importance"], [direct[k] for k in table["kmer"]], atol=1e-5)
    flank_table = flanks(predict, few, MOTIF, rng())
    assert len(flank_table) == 16
    assert flank_table["importance"].notna().all()
