"""The paper's GIA experiments on toy models whose answers are known, and on a Keras model."""

from pathlib import Path

import numpy as np
import pandas as pd
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
from rbpgia.gia import EXPERIMENTS, MOTIF_EXPERIMENTS
from rbpgia.gia.embed import real_regions, resolve_starts
from rbpgia.gia.experiments import (
    feasible_spacings,
    flanks,
    gc_bias,
    hairpin,
    kmer_mutagenesis,
    motif_count,
    positional,
    spacing,
)
from rbpgia.gia.experiments.hairpin import CONDITIONS as HAIRPIN_CONDITIONS
from rbpgia.gia.experiments.hairpin import (
    LOOP_EFFECT,
    LOOP_MINUS_STEM,
    STEM_EFFECT,
    hairpin_layout,
)
from rbpgia.gia.experiments.motif_count import paper_site_starts, random_site_starts
from rbpgia.gia.predictor import Predictor
from rbpgia.gia.registry import headline
from rbpgia.gia.stats import ROW_KINDS, STAT_COLUMNS

IDENTITY = ["experiment", "motif", "condition", "kind"]


def rng():
    return np.random.default_rng(0)


# Design options of the experiments that run only when given them (registry by_default).
GIVEN_DESIGN = {"patterns": {"patterns": [MOTIF, "GCAUGA", "AAAAAAAA"]}}


def left_half_only(x):
    """Counts GCAUG only where it starts before frame column 15."""
    return motif_hits(np.asarray(x), MOTIF)[:, :15].sum(axis=1)


def by_condition(table):
    return table.set_index("condition")


@pytest.mark.parametrize("name", MOTIF_EXPERIMENTS)
def test_experiments_never_modify_the_nulls_and_report_statistics(name, nulls):
    before = nulls.copy()
    entry = EXPERIMENTS[name]
    table = entry.run(count_model(), nulls[:100], MOTIF, rng=rng(), **GIVEN_DESIGN.get(name, {}))
    np.testing.assert_array_equal(nulls, before)
    # Identity columns, then the experiment's labels, then the statistics.
    assert list(table.columns[:4]) == IDENTITY
    assert (table["experiment"] == name).all()
    assert (table["motif"] == MOTIF).all()
    assert set(table["kind"]) <= set(ROW_KINDS)
    assert "condition" in set(table["kind"])
    assert set(entry.labels) <= set(table.columns)
    stats_at = list(table.columns).index("importance")
    assert list(table.columns[stats_at : stats_at + len(STAT_COLUMNS)]) == STAT_COLUMNS
    assert set(entry.labels) <= set(table.columns[:stats_at])
    # Contrasts are named "A - B"; nothing else is.
    contrasts = table["kind"] == "contrast"
    assert table.loc[contrasts, "condition"].str.contains(" - ").all()
    assert not table.loc[~contrasts, "condition"].astype(str).str.contains(" - ").any()
    assert (table["n"] == 100).all()
    assert not table["structure_recomputed"].any()
    assert (table["ci_low"] <= table["importance"]).all()
    assert (table["importance"] <= table["ci_high"]).all()
    line = headline(name, table)
    if name in ("positional", "spacing"):
        # A count of sites prefers no position and no gap: those headlines say "none".
        assert np.isnan(line.value)
        assert line.detail.startswith("none: ")
    else:
        assert np.isfinite(line.value)


def test_rng_is_keyword_only(nulls):
    with pytest.raises(TypeError):
        flanks(count_model(), nulls[:20], MOTIF, rng())


def test_kmer_mutagenesis_grid(nulls):
    table = kmer_mutagenesis(count_model(), nulls, MOTIF, rng=rng())
    assert len(table) == 4 * len(MOTIF)
    assert (table["kind"] == "condition").all()
    assert (table["condition"] == table["kmer"]).all()
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


def test_positional_scans_every_start_from_both_ends(nulls):
    table = positional(left_half_only, nulls, MOTIF, rng=rng())
    shortest = int(real_regions(nulls)[1].min())
    assert shortest == 30
    offsets = list(range(shortest - len(MOTIF) + 1))  # 0..25
    assert table["condition"].tolist() == [f"5p+{k}" for k in offsets] + [
        f"3p+{k}" for k in offsets
    ]
    assert table["anchor"].tolist() == ["5p"] * len(offsets) + ["3p"] * len(offsets)
    assert table["offset"].tolist() == offsets * 2
    assert (table["kind"] == "condition").all()
    # The toy counts a site started before column 15: the importance of each row is the
    # fraction of nulls whose start lands there, and position the mean start column.
    starts = [resolve_starts(nulls, len(MOTIF), spec) for spec in table["condition"]]
    np.testing.assert_allclose(table["position"], [s.mean() for s in starts])
    expected = np.array([np.mean(s < 15) for s in starts])
    np.testing.assert_allclose(table["importance"], expected, atol=0.03)
    # Near the 5' end every null is read, near the 3' end none (and the other way round).
    five = table[table["anchor"] == "5p"].set_index("offset")["importance"]
    three = table[table["anchor"] == "3p"].set_index("offset")["importance"]
    assert five.loc[:9].min() > 0.95  # start <= 5 + 9 < 15 in every probe
    assert five.loc[15:].abs().max() < 0.05
    assert three.loc[:15].abs().max() < 0.05
    assert three.loc[22:].min() > 0.95
    best = table.loc[table["importance"].idxmax()]
    assert best["anchor"] == "5p"
    assert best["offset"] <= 9


def test_positional_headline_names_a_start_only_where_position_matters(nulls):
    prefers = headline("positional", positional(left_half_only, nulls, MOTIF, rng=rng()))
    assert prefers.value < 15
    assert prefers.detail.startswith("best at ")
    # A count of sites anywhere has a flat profile: its argmax is noise, not a preference.
    flat = headline("positional", positional(count_model(), nulls, MOTIF, rng=rng()))
    assert np.isnan(flat.value)
    assert flat.detail.startswith("none: the profile is flat")


def test_positional_at_absolute_columns(nulls):
    table = positional(left_half_only, nulls, MOTIF, rng=rng(), positions=range(5, 31))
    # 30- to 41-nt probes centred in 41 columns: a 5-mer fits all of them at columns 5..30.
    assert table["position"].tolist() == list(range(5, 31))
    assert (table["anchor"] == "frame").all()
    assert table["offset"].tolist() == list(range(5, 31))
    inside = table["position"] < 15
    assert table.loc[inside, "importance"].min() > 0.95
    assert table.loc[~inside, "importance"].abs().max() < 0.05
    with pytest.raises(InputError, match="padding"):
        positional(left_half_only, nulls, MOTIF, rng=rng(), positions=[2])
    with pytest.raises(InputError, match="anchors"):
        positional(left_half_only, nulls, MOTIF, rng=rng(), anchors=["middle"])
    # A column given twice would be a second row of the same name.
    with pytest.raises(InputError, match=r"positions \[7\] given more than once"):
        positional(left_half_only, nulls, MOTIF, rng=rng(), positions=[7, 8, 7])


def test_motif_count_of_an_additive_model_is_a_line_of_slope_one(nulls):
    table = motif_count(count_model(), nulls, MOTIF, rng=rng())
    assert table["condition"].tolist() == ["1", "2", "3", "2 - 1", "3 - 2", "3 - 2 - 1"]
    assert table["kind"].tolist() == ["condition"] * 3 + ["contrast"] * 3
    assert table["n_sites"].tolist() == [1, 2, 3, 2, 3, 3]
    assert (table["placement"] == "random").all()
    np.testing.assert_allclose(table["importance"], [1, 2, 3, 1, 1, 0], atol=0.03)
    assert table["slope"].iloc[0] == pytest.approx(1.0, abs=0.02)
    assert table["r2"].iloc[0] > 0.999
    assert table["slope"].nunique() == 1  # the fit is repeated on every row
    # Each contrast is the paired difference of its two counts.
    rows = by_condition(table)["importance"]
    assert rows["3 - 2"] == pytest.approx(rows["3"] - rows["2"], abs=1e-12)
    # The headline: the last added site minus the first, 0 for additive sites, with a CI.
    assert rows["3 - 2 - 1"] == pytest.approx(rows["3 - 2"] - rows["1"], abs=1e-12)
    line = headline("motif_count", table)
    assert line.value == pytest.approx(0.0, abs=0.03)
    assert line.ci_low <= line.value <= line.ci_high
    assert "; slope 0.99" in line.detail
    paper = motif_count(count_model(), nulls, MOTIF, rng=rng(), placement="paper")
    assert (paper["placement"] == "paper").all()
    np.testing.assert_allclose(paper["importance"], [1, 2, 3, 1, 1, 0], atol=0.03)
    with pytest.raises(InputError, match="placement"):
        motif_count(count_model(), nulls, MOTIF, rng=rng(), placement="centre")


def test_motif_count_compares_a_weaker_motif_at_the_same_placements(nulls):
    """The paper's Figure 2: copies of a sub-optimal site against one site of the motif."""
    weak = "GAAUG"

    def two_motifs(x):  # MOTIF worth 1 per copy, the weak site 0.3
        x = np.asarray(x)
        return motif_hits(x, MOTIF).sum(axis=1) + 0.3 * motif_hits(x, weak).sum(axis=1)

    table = motif_count(two_motifs, nulls, MOTIF, rng=rng(), compare=[weak.replace("U", "T")])
    assert table["condition"].tolist() == [
        "1", "2", "3", "2 - 1", "3 - 2", "3 - 2 - 1", "GAAUG:1", "GAAUG:2", "GAAUG:3",
        "GAAUG:3 - 1",
    ]  # fmt: skip
    assert table["pattern"].tolist() == [MOTIF] * 6 + [weak] * 4
    assert table["n_sites"].tolist() == [1, 2, 3, 2, 3, 3, 1, 2, 3, 3]
    rows = by_condition(table)["importance"]
    np.testing.assert_allclose(rows[["1", "2", "3"]], [1, 2, 3], atol=0.03)
    np.testing.assert_allclose(rows[["GAAUG:1", "GAAUG:2", "GAAUG:3"]], [0.3, 0.6, 0.9], atol=0.03)
    # Three weak sites against one of the motif, paired per null.
    assert rows["GAAUG:3 - 1"] == pytest.approx(rows["GAAUG:3"] - rows["1"], abs=1e-12)
    assert rows["GAAUG:3 - 1"] == pytest.approx(-0.1, abs=0.04)
    # The fit and the headline are the motif's own: the compared rows leave them alone.
    assert table["slope"].iloc[0] == pytest.approx(1.0, abs=0.02)
    assert headline("motif_count", table).value == pytest.approx(0.0, abs=0.02)
    assert (table.loc[table["pattern"] == MOTIF, "joined_copies"] == 0).all()
    # A repetitive compared motif spells extra copies of itself at close placements, and
    # its rows say how often (the placements are the motif's, drawn for it alone).
    repeats = motif_count(two_motifs, nulls, MOTIF, rng=rng(), compare=["AAAAA"])
    joined = repeats.groupby("pattern")["joined_copies"].first()
    assert joined[MOTIF] == 0
    assert joined["AAAAA"] > 0.1
    with pytest.raises(InputError, match="need its length"):
        motif_count(two_motifs, nulls, MOTIF, rng=rng(), compare=["GAAUGA"])
    with pytest.raises(InputError, match="repeats a motif"):
        motif_count(two_motifs, nulls, MOTIF, rng=rng(), compare=[MOTIF])


def test_motif_count_saturating_model_has_lower_slope(nulls):
    def saturating(x):
        return np.minimum(motif_hits(np.asarray(x), MOTIF).sum(axis=1), 1.0)

    result = motif_count(saturating, nulls, MOTIF, rng=rng())
    table = by_condition(result)
    assert table["slope"].iloc[0] < 0.1
    np.testing.assert_allclose(table.loc[["1", "2", "3"], "importance"], 1.0, atol=0.03)
    # An added site adds nothing once one is there.
    np.testing.assert_allclose(table.loc[["2 - 1", "3 - 2"], "importance"], 0.0, atol=0.03)
    # The headline says so: the last site is worth the first's whole effect less (a
    # first site adds 0.97: a few nulls hold a copy already).
    line = headline("motif_count", result)
    assert line.value == pytest.approx(-table.loc["1", "importance"], abs=0.03)
    assert line.ci_high < -0.9


def test_random_placement_separates_count_from_position(nulls):
    """An additive model that reads only some columns still gives equal increments."""
    table = by_condition(motif_count(left_half_only, nulls, MOTIF, rng=rng()))
    one = table.loc["1", "importance"]
    assert 0.1 < one < 0.9
    np.testing.assert_allclose(table.loc[["2 - 1", "3 - 2"], "importance"], one, atol=0.06)
    assert table["r2"].iloc[0] > 0.99
    # The paper's layout (4, 12, 20 nt from the 5' end) confounds count with position:
    # only the first site lands before column 15 in every probe, the third in none.
    paper = by_condition(motif_count(left_half_only, nulls, MOTIF, rng=rng(), placement="paper"))[
        "importance"
    ]
    assert paper["1"] == pytest.approx(1.0, abs=0.03)
    assert paper["3 - 2"] == pytest.approx(0.0, abs=0.03)


def test_sites_are_spread_without_overlap(nulls):
    starts = random_site_starts(nulls, 5, 3, rng())
    assert starts.shape == (len(nulls), 3)
    ordered = np.sort(starts, axis=1)
    assert (np.diff(ordered, axis=1) >= 5).all()
    first, lengths = real_regions(nulls)
    assert (starts >= first[:, None]).all()
    assert (starts + 5 <= (first + lengths)[:, None]).all()
    # Every site, first to last, has the same distribution over the probe.
    relative = starts - first[:, None]
    np.testing.assert_allclose(relative.mean(axis=0), relative.mean(), atol=1.0)
    with pytest.raises(InputError, match="do not fit"):
        random_site_starts(nulls, 5, 7, rng())
    paper = paper_site_starts(nulls, 5, 3)
    np.testing.assert_array_equal(paper - first[:, None], np.tile([4, 12, 20], (len(nulls), 1)))
    with pytest.raises(InputError, match="does not fit"):
        paper_site_starts(nulls, 5, 4)


def test_spacing_peaks_at_the_planted_distance(nulls):
    assert feasible_spacings("GCAUG", 30) == [-1, *range(0, 21)]  # G...G overlaps by 1
    assert feasible_spacings("AAAA", 10) == [-3, -2, -1, 0, 1, 2]
    with pytest.raises(InputError, match=r"spacings \[4\] given more than once"):
        spacing(spacing_model(gap=4, bonus=3.0), nulls, MOTIF, rng=rng(), spacings=[4, 4])
    table = spacing(spacing_model(gap=4, bonus=3.0), nulls, MOTIF, rng=rng())
    gaps = [-1, *range(0, 21)]
    assert table["spacing"].tolist() == [g for g in gaps for _ in range(4)]
    assert table["condition"].tolist() == [
        "pair",
        "first",
        "second",
        "pair - first - second",
    ] * len(gaps)
    assert table["kind"].tolist() == ["condition", "control", "control", "contrast"] * len(gaps)
    pairs = table[table["condition"] == "pair"]
    best = pairs.loc[pairs["importance"].idxmax()]
    assert best["spacing"] == 4
    assert best["importance"] == pytest.approx(5.0, abs=0.05)
    np.testing.assert_allclose(pairs.loc[pairs["spacing"] != 4, "importance"], 2.0, atol=0.06)
    singles = table[table["kind"] == "control"]
    np.testing.assert_allclose(singles["importance"], 1.0, atol=0.03)
    # The interaction: the bonus at the planted gap, nothing at any other.
    interaction = table[table["condition"] == "pair - first - second"].set_index("spacing")
    assert interaction["importance"].idxmax() == 4
    assert interaction.loc[4, "importance"] == pytest.approx(3.0, abs=0.05)
    assert interaction.loc[4, "ci_low"] > 2.9
    np.testing.assert_allclose(interaction.drop(4)["importance"], 0.0, atol=0.06)
    assert headline("spacing", table).value == 4
    # Independent sites interact at no gap: no gap is named (not the argmax of noise).
    independent = headline("spacing", spacing(count_model(), nulls, MOTIF, rng=rng()))
    assert np.isnan(independent.value)
    assert independent.detail.startswith("none: no gap's interaction CI above 0")
    # A real but tiny interaction (2% of a site's effect) is no spacing rule either.
    slight = headline("spacing", spacing(spacing_model(gap=4, bonus=0.02), nulls, MOTIF, rng=rng()))
    assert np.isnan(slight.value)
    with pytest.raises(InputError, match="cannot overlap"):
        spacing(count_model(), nulls, MOTIF, rng=rng(), spacings=[-2])


def test_spacing_interaction_is_zero_for_a_position_preferring_model(nulls):
    """The pair moves with the gap; the interaction nets that out."""
    table = spacing(left_half_only, nulls, MOTIF, rng=rng())
    pairs = table[table["condition"] == "pair"]
    assert pairs["importance"].max() - pairs["importance"].min() > 0.5  # position at work
    interaction = table[table["condition"] == "pair - first - second"]
    np.testing.assert_allclose(interaction["importance"], 0.0, atol=0.03)


def test_gc_bias_shows_the_side_the_model_prefers(nulls):
    table = gc_bias(gc_model(first_column=24), nulls, MOTIF, rng=rng()).set_index("condition")
    assert list(table.index) == [
        "motif",
        "gc_5p",
        "gc_3p",
        "motif+gc_5p",
        "motif+gc_3p",
        "motif+gc_5p - motif",
        "motif+gc_3p - motif",
        "motif+gc_3p - motif+gc_5p",
    ]
    assert table["kind"].tolist() == ["condition"] * 5 + ["contrast"] * 3
    assert table.loc["gc_3p", "ci_low"] > 1.0  # 6 GC letters x 0.5, minus the null's own GC
    assert table.loc["gc_5p", "ci_low"] <= 0.0 <= table.loc["gc_5p", "ci_high"]
    assert table.loc["motif+gc_3p", "importance"] == pytest.approx(
        table.loc["motif", "importance"] + table.loc["gc_3p", "importance"], abs=0.05
    )
    # Beside the motif, GC at the 3' end adds what it adds alone; at the 5' end nothing.
    effect_3p = table.loc["motif+gc_3p - motif"]
    assert effect_3p["ci_low"] > 1.0
    assert effect_3p["importance"] == pytest.approx(
        table.loc["motif+gc_3p", "importance"] - table.loc["motif", "importance"], abs=1e-12
    )
    effect_5p = table.loc["motif+gc_5p - motif"]
    assert effect_5p["ci_low"] <= 0.0 <= effect_5p["ci_high"]
    assert table.loc["motif+gc_3p - motif+gc_5p", "ci_low"] > 1.0
    with pytest.raises(InputError, match="overlaps the motif"):
        gc_bias(count_model(), nulls, MOTIF, rng=rng(), gc_motif="GC" * 6)


def test_flanks_find_the_preferred_pair(nulls):
    table = flanks(flank_model(five="U", three="A"), nulls, MOTIF, rng=rng())
    assert len(table) == 16
    assert table["flank"].tolist()[:3] == ["A_A", "A_C", "A_G"]
    assert (table["condition"] == table["flank"]).all()
    assert (table["kind"] == "condition").all()
    best = table.loc[table["importance"].idxmax()]
    assert (best["flank"], best["five_prime"], best["three_prime"]) == ("U_A", "U", "A")
    assert best["importance"] == pytest.approx(3.0, abs=0.05)


def test_hairpin_layout_centres_a_fitting_stem_loop(nulls):
    layout = hairpin_layout(nulls, 5, stem=8, loop_margin=2)
    assert (layout["end"] - layout["arm5"] == 2 * 8 + 9).all()
    assert (layout["loop_motif"] == layout["arm5"] + 10).all()
    # The stem's motif and its partner stretch pair column by column.
    assert (
        layout["stem_partner"] + 5 - 1
        == layout["end"] - 1 - (layout["stem_motif"] - layout["arm5"])
    ).all()
    with pytest.raises(InputError, match="does not fit"):
        hairpin_layout(nulls, 5, stem=12, loop_margin=2)


def test_hairpin_structure_toy_prefers_the_loop(nulls):
    before = nulls.copy()
    predictor = Predictor(unpaired_model(), "pu")
    table = hairpin(predictor, nulls[:150], MOTIF, rng=rng())
    np.testing.assert_array_equal(nulls, before)
    table = table.set_index("condition")
    contrasts = [LOOP_EFFECT, STEM_EFFECT, LOOP_MINUS_STEM]
    assert list(table.index) == [*HAIRPIN_CONDITIONS, *contrasts]
    assert {"loop", "loop_control", "stem", "stem_control"} <= set(HAIRPIN_CONDITIONS)
    assert LOOP_EFFECT == "loop - loop_control"
    assert STEM_EFFECT.startswith("stem - stem_control")
    assert LOOP_MINUS_STEM == "loop - stem"
    kinds = ["control" if c.endswith("_control") else "condition" for c in HAIRPIN_CONDITIONS]
    assert table["kind"].tolist() == [*kinds, *["contrast"] * 3]
    assert table["structure_recomputed"].all()
    assert table.loc["loop", "fold_fraction"] > 0.8
    assert table.loc["stem", "fold_fraction"] > 0.8
    others = [name for name in table.index if name not in ("loop", "stem")]
    assert table.loc[others, "fold_fraction"].isna().all()
    assert table.loc[contrasts, "motif_unpaired_fraction"].isna().all()
    assert table.loc["loop", "motif_unpaired_fraction"] > 0.9
    assert table.loc["stem", "motif_unpaired_fraction"] < 0.05
    # The toy scores a site by its unpaired probability: loop > the same letters in the
    # unpaired design, and the stem < its own letters there.
    assert table.loc["loop", "ci_low"] > table.loc["loop_control", "ci_high"]
    assert table.loc["stem_control", "ci_low"] > table.loc["stem", "ci_high"]
    assert table.loc["stem", "importance"] < 0.1
    # Net of position, the loop helps, the stem hurts, and the loop beats the stem.
    assert table.loc[LOOP_EFFECT, "ci_low"] > 0.0
    assert table.loc[STEM_EFFECT, "ci_high"] < 0.0
    assert table.loc[LOOP_MINUS_STEM, "ci_low"] > 0.0
    assert table.loc[LOOP_MINUS_STEM, "importance"] == pytest.approx(
        table.loc[LOOP_EFFECT, "importance"] - table.loc[STEM_EFFECT, "importance"], abs=1e-12
    )


def test_hairpin_of_a_structure_blind_model_is_zero_net_of_position(nulls):
    """A sequence model that prefers some columns: the loop - stem contrast stays at 0."""
    table = hairpin(left_half_only, nulls[:150], MOTIF, rng=rng(), check_folds=False)
    table = table.set_index("condition")
    assert table["fold_fraction"].isna().all()
    assert table["motif_unpaired_fraction"].isna().all()
    # The stem's columns lie in the half the model reads, the loop's do not.
    assert table.loc["stem_control", "importance"] > 0.9
    assert abs(table.loc["loop_control", "importance"]) < 0.05
    assert abs(table.loc[LOOP_MINUS_STEM, "importance"]) < 0.05


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
    flank_table = flanks(Predictor(predict, "seq"), few, MOTIF, rng=rng())
    assert len(flank_table) == 16
    assert flank_table["importance"].notna().all()


def test_repetitive_motifs_add_up_in_count_and_spacing(nulls):
    """UUUUUU beside UUUUUU spells copies no single site has: not cooperativity."""
    from rbpgia.gia.experiments.spacing import interactions

    for motif in ("UGUGUG", "UUUUUU"):
        count = motif_count(count_model(motif), nulls, motif, rng=rng()).set_index("condition")
        one = count.loc["1", "importance"]
        assert count.loc["2 - 1", "importance"] == pytest.approx(one, rel=0.1)
        assert count.loc["3 - 2", "importance"] == pytest.approx(one, rel=0.1)
        table = spacing(count_model(motif), nulls, motif, rng=rng())
        flagged = table[(table["condition"] == "pair - first - second")]
        flagged = flagged[flagged["extra_copies"] > 0.05]["spacing"].tolist()
        assert 0 in flagged  # adjacent copies spell more copies for both motifs
        assert interactions(table)["importance"].abs().max() < 0.02
        assert not set(flagged) & set(interactions(table)["spacing"])


def test_non_finite_predictions_are_refused(nulls):
    def broken(x):
        out = np.zeros(len(x))
        out[0] = np.nan
        return out

    with pytest.raises(InputError, match="1 non-finite scores"):
        positional(broken, nulls[:20], MOTIF, rng=rng())


def test_patterns_affinity_table_errors_name_file_and_line(tmp_path):
    from rbpgia.gia.experiments.patterns import read_affinity

    path = tmp_path / "kd.tsv"
    path.write_text("pattern\tkd\nUGCAUG\t1.5\nugcatg\t2\n")
    with pytest.raises(InputError, match=r"kd\.tsv:3: pattern UGCAUG given twice"):
        read_affinity(path)
    path.write_text("pattern\tkd\nUGCAUG\t0\n")
    with pytest.raises(InputError, match=r"kd\.tsv:2: column kd: 0\.0 is not positive"):
        read_affinity(path)
    path.write_text("pattern\tkd\tsd\nUGCAUG\t1\t0.1\n")
    with pytest.raises(InputError, match="value columns kd, sd: name one with affinity_column"):
        read_affinity(path)
    assert read_affinity(path, "sd") == {"UGCAUG": 0.1}
    path.write_text("kmer,kd\nUGCANG,1\n")
    with pytest.raises(InputError, match=r"kd\.tsv:2: "):
        read_affinity(path)


def test_patterns_run_only_when_configured():
    from rbpgia.gia.run import settings

    assert "patterns" not in settings()["experiments"]
    kd = str(Path(__file__).parents[2] / "resources" / "rbfox1_kd" / "rbfox1_auweter2006_kd.tsv")
    options = settings({"design": {"patterns": {"affinity": kd}}})
    assert options["experiments"][-1] == "patterns"
    assert options["design"]["patterns"]["affinity"]["UGCAUGU"] == 0.83  # read once, here
    assert settings({"design": {"patterns": {"patterns": "UGCAUGU"}}})["design"] == {
        "patterns": {"patterns": ["UGCAUGU"]}
    }
    with pytest.raises(InputError, match=r"gia\.design\.patterns: no patterns given"):
        settings({"experiments": ["patterns"]})
    with pytest.raises(InputError, match=r"gia\.design\.patterns: .*missing\.tsv"):
        settings({"design": {"patterns": {"affinity": "missing.tsv"}}})


def test_search_headline_names_a_near_tie():
    def ranked(second_low):
        return pd.DataFrame(
            {
                "kmer": ["UAAUUA", "UAAUUG", "AUAAUU"],
                "importance": [1.59, 1.57, 1.0],
                "ci_low": [1.51, second_low, 0.9],
                "ci_high": [1.66, 1.64, 1.1],
            }
        )

    tie = headline("kmer_search", ranked(1.50))
    assert tie.detail == "UAAUUA; next UAAUUG 1.57 [1.5, 1.64], CIs overlap"
    assert (tie.value, tie.ci_low) == (1.59, 1.51)
    # A top k-mer whose CI clears the next one's: the k-mer alone.
    clear = ranked(1.50).assign(ci_high=[1.66, 1.45, 1.1], importance=[1.59, 1.40, 1.0])
    assert headline("kmer_search", clear).detail == "UAAUUA"
