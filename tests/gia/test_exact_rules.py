"""Every GIA experiment on Keras models whose one rule is written down (exact_models.py).

A design is right when it finds the rule that is there and nothing that is not: no
structure effect, count curvature or cooperativity from a model that only prefers
positions; loop above stem only from the model that reads structure; shrinking
increments from the saturating one; the right side and gap from the others. The same
conclusions come out of ``rbpgia gia`` on saved copies of the models.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from exact_models import (
    SITE_WEIGHTS,
    cooperative_model,
    gc_3prime_model,
    gc_near_site_model,
    position_model,
    saturating_model,
    unpaired_model,
    weighted_site_model,
)

from rbpgia.cli import main
from rbpgia.errors import InputError
from rbpgia.gia import registry
from rbpgia.gia.embed import real_regions
from rbpgia.gia.experiments.gc_bias import EFFECT_3P, EFFECT_5P, THREE_MINUS_FIVE
from rbpgia.gia.experiments.hairpin import LOOP_EFFECT, LOOP_MINUS_STEM, STEM_EFFECT
from rbpgia.gia.experiments.spacing import INTERACTION, gap_fillers
from rbpgia.gia.kmer_search import kmer_search
from rbpgia.gia.nulls import dinuc_nulls
from rbpgia.gia.predictor import Predictor
from rbpgia.train import make_predict_fn

REPO = Path(__file__).resolve().parents[2]
MOTIF = "UGCAUG"
# Effects below this (in units of one exact site, which scores about 1) count as none.
NONE = 0.02


@pytest.fixture(scope="module")
def exact_nulls(pool):
    """1,000 dinucleotide-shuffled nulls of 30-41 nt."""
    return dinuc_nulls(pool, 1000, np.random.default_rng(5))


@pytest.fixture(scope="module")
def predictors():
    models = {
        "position": (position_model(MOTIF), "seq"),
        "saturating": (saturating_model(MOTIF), "seq"),
        "unpaired": (unpaired_model(MOTIF), "pu"),
        "gc_3prime": (gc_3prime_model(MOTIF), "seq"),
        "cooperative": (cooperative_model(MOTIF, gap=4, bonus=2.0), "seq"),
        "weighted_site": (weighted_site_model(), "seq"),
    }
    return {
        name: Predictor(make_predict_fn(model), input_type, threads=2)
        for name, (model, input_type) in models.items()
    }


def run(experiment, predictor, nulls, **design):
    return registry.get(experiment).run(
        predictor, nulls, MOTIF, rng=np.random.default_rng(0), **design
    )


def row(table: pd.DataFrame, condition: str) -> pd.Series:
    return table.set_index("condition").loc[condition]


def covers_zero(entry: pd.Series) -> bool:
    """No effect: within three standard errors of 0 (the 95% CI spans about four).

    Random letters beside the written ones can spell extra sites in one design and not
    in its control (each null's own draw), so a model without the rule still shows
    sampling noise; three SEs keep a fixed seed from deciding the test.
    """
    standard_error = (entry["ci_high"] - entry["ci_low"]) / 3.92
    return abs(entry["importance"]) <= 3 * standard_error


def test_exact_rule_models_load_in_safe_mode(tmp_path, exact_nulls):
    from rbpgia.train import load_model

    for build in (position_model, unpaired_model, cooperative_model, gc_3prime_model):
        path = tmp_path / f"{build.__name__}.keras"
        model = build(MOTIF)
        model.save(path)
        loaded = load_model(path)
        x = np.zeros((3, 41, model.input_shape[-1]), dtype=np.float32)
        x[:, :, :4] = exact_nulls[:3]
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# ----------------------------------------------------------------------- position only


def test_position_model_shows_no_structure_effect(predictors, exact_nulls):
    table = run("hairpin", predictors["position"], exact_nulls)
    assert row(table, "loop")["importance"] > 0.9  # the loop sits at the preferred columns
    for contrast in (LOOP_EFFECT, STEM_EFFECT, LOOP_MINUS_STEM):
        assert covers_zero(row(table, contrast)), contrast
        assert abs(row(table, contrast)["importance"]) < NONE


def test_position_model_counts_add_up_in_a_straight_line(predictors, exact_nulls):
    table = run("motif_count", predictors["position"], exact_nulls)
    one = row(table, "1")["importance"]
    assert one > 0.1
    for step in ("2 - 1", "3 - 2"):
        assert row(table, step)["importance"] == pytest.approx(one, rel=0.25)
    assert table["r2"].iloc[0] > 0.98


def test_paper_layout_mixes_count_with_position(predictors, exact_nulls):
    """The nested 4/12/20 layout of Figure 2 puts later sites off the preferred columns."""
    table = run("motif_count", predictors["position"], exact_nulls, placement="paper")
    assert (table["placement"] == "paper").all()
    steps = [row(table, c)["importance"] for c in ("1", "2 - 1", "3 - 2")]
    assert max(steps) > 1.5 * min(steps)


def test_position_model_shows_no_cooperativity(predictors, exact_nulls):
    table = run("spacing", predictors["position"], exact_nulls)
    interaction = table[table["condition"] == INTERACTION]
    assert interaction["importance"].abs().max() < NONE
    # Apart, the copies add up exactly: what is left is float32 round-off, the same on
    # every null, which read as an effect had p ~ 0 at 11 of 16 gaps (|mean| < 3e-8).
    apart = interaction[interaction["spacing"] > 0]
    assert (apart["importance"] == 0).all()
    assert (apart["p_value"] == 1).all()
    # The pair itself draws a curve from position alone: the design must not read it.
    pair = table[table["condition"] == "pair"]["importance"]
    assert pair.max() - pair.min() > 0.3


def test_position_model_peaks_at_its_preferred_start(predictors, exact_nulls):
    table = run("positional", predictors["position"], exact_nulls)
    best = table.loc[table["importance"].idxmax()]
    # Starts count from each probe's end, while this model prefers a frame column, so
    # probes of other lengths put the best offset a few columns off it.
    assert best["importance"] > 0.7
    assert abs(best["position"] - 17) <= 1.5
    assert set(table["anchor"]) == {"5p", "3p"}


def test_position_model_has_no_gc_or_flank_rule(predictors, exact_nulls):
    gc = run("gc_bias", predictors["position"], exact_nulls)
    for contrast in (EFFECT_5P, EFFECT_3P, THREE_MINUS_FIVE):
        assert abs(row(gc, contrast)["importance"]) < NONE
    flanks = run("flanks", predictors["position"], exact_nulls)
    assert np.ptp(flanks["importance"]) < NONE


def test_kmer_search_finds_the_written_motif(predictors, exact_nulls):
    table = kmer_search(predictors["position"], exact_nulls[:200], k=6)
    assert table["kmer"].iloc[0] == MOTIF


# ----------------------------------------------------------------------- one rule each


def test_saturating_model_gives_shrinking_increments(predictors, exact_nulls):
    table = run("motif_count", predictors["saturating"], exact_nulls)
    one, second, third = (row(table, c) for c in ("1", "2 - 1", "3 - 2"))
    assert second["ci_high"] < one["ci_low"]
    assert third["ci_high"] < second["ci_low"]
    np.testing.assert_allclose(
        [one["importance"], second["importance"], third["importance"]],
        [np.tanh(1), np.tanh(2) - np.tanh(1), np.tanh(3) - np.tanh(2)],
        atol=0.02,
    )
    hairpin = run("hairpin", predictors["saturating"], exact_nulls)
    assert covers_zero(row(hairpin, LOOP_MINUS_STEM))


def test_structure_model_prefers_the_loop(predictors, exact_nulls):
    table = run("hairpin", predictors["unpaired"], exact_nulls[:400])
    assert row(table, LOOP_EFFECT)["ci_low"] > 0.2
    assert row(table, STEM_EFFECT)["ci_high"] < 0
    assert row(table, LOOP_MINUS_STEM)["ci_low"] > 0.3
    assert table["structure_recomputed"].all()
    assert row(table, "loop")["fold_fraction"] > 0.9
    assert row(table, "stem")["motif_unpaired_fraction"] < 0.05
    # Its rule is the reference rule, so every row equals the reference column: the
    # structure change each contrast makes, which the controls keep below 1.
    np.testing.assert_allclose(table["importance"], table["unpaired_reference"], atol=2e-3)
    assert 0.3 < row(table, LOOP_MINUS_STEM)["unpaired_reference"] < 0.6


def test_structure_contrast_is_on_the_reference_scale_for_any_motif(exact_nulls):
    """A motif that is its own reverse complement puts two copies in the stem: the same
    rule then gives another ``loop - stem``, and the reference column follows it."""
    motif = "UAAUUA"
    model = Predictor(make_predict_fn(unpaired_model(motif)), "pu", threads=2)
    table = registry.get("hairpin").run(
        model, exact_nulls[:300], motif, rng=np.random.default_rng(0)
    )
    np.testing.assert_allclose(table["importance"], table["unpaired_reference"], atol=2e-3)
    assert row(table, LOOP_MINUS_STEM)["unpaired_reference"] > 0.7
    line = registry.get("hairpin").headline(table)
    assert "for a model scoring each copy by its unpaired probability" in line.detail


def test_gc_model_shows_its_side_only(predictors, exact_nulls):
    table = run("gc_bias", predictors["gc_3prime"], exact_nulls)
    assert row(table, EFFECT_3P)["ci_low"] > 0.5  # six G/C x 0.5, minus the null's own
    assert abs(row(table, EFFECT_5P)["importance"]) < NONE
    assert row(table, THREE_MINUS_FIVE)["ci_low"] > 0.5
    hairpin = run("hairpin", predictors["gc_3prime"], exact_nulls)
    assert covers_zero(row(hairpin, LOOP_MINUS_STEM))


def test_cooperative_model_peaks_at_its_gap(predictors, exact_nulls):
    table = run("spacing", predictors["cooperative"], exact_nulls)
    interaction = table[table["condition"] == INTERACTION].set_index("spacing")
    assert interaction["importance"].idxmax() == 4
    assert interaction.loc[4, "ci_low"] > 1.9
    assert interaction.drop(index=4)["importance"].abs().max() < NONE
    hairpin = run("hairpin", predictors["cooperative"], exact_nulls)
    assert covers_zero(row(hairpin, LOOP_MINUS_STEM))


def test_gap_letters_redrawn_for_a_repetitive_motif_are_no_cooperativity(exact_nulls):
    """UUUUUU beside UUUUUU joins with the null's U's, so short gaps' letters are redrawn;
    a model that adds 0.5 per G/C anywhere then sees the new letters in pair, first and
    second alike, and must not read them as an interaction (it did: -0.08 at gap 1)."""
    model = Predictor(make_predict_fn(gc_3prime_model("UUUUUU", first_column=0)), "seq")
    table = registry.get("spacing").run(
        model, exact_nulls, "UUUUUU", rng=np.random.default_rng(0), spacings=[1, 2, 3, 8]
    )
    interaction = table[table["condition"] == INTERACTION].set_index("spacing")
    assert interaction["importance"].abs().max() < 1e-4
    # Letters were redrawn at gap 1 (else the test tests nothing).
    starts, lengths = real_regions(exact_nulls)
    first = starts + (lengths - 13) // 2
    fill, _ = gap_fillers(exact_nulls, "UUUUUU", first, 1, np.random.default_rng(0))
    own = exact_nulls[np.arange(len(first)), first + 6].argmax(axis=-1)
    assert (fill[:, 0] != own).mean() > 0.1


def test_gc_rule_alike_on_both_sides_shows_no_end_preference(exact_nulls):
    """GC that counts within 10 nt of the site on either side: both ends' k-mers must lie
    as far from the motif, or probes whose centred motif leaves an odd number of letters
    put the 3' k-mer 1 nt further away (3' - 5' was -0.06 [-0.09, -0.03])."""
    model = Predictor(make_predict_fn(gc_near_site_model(MOTIF)), "seq")
    table = run("gc_bias", model, exact_nulls)
    assert row(table, EFFECT_5P)["importance"] > 0.05  # the rule is seen at both ends
    assert row(table, EFFECT_3P)["importance"] > 0.05
    assert covers_zero(row(table, THREE_MINUS_FIVE))


def test_paper_layout_reports_copies_that_join(exact_nulls):
    """The paper's sites are 2 nt apart and never redrawn: UGCAUG + CA + UGCAUG spells a
    third copy, and ``joined_copies`` must say how often."""
    count = Predictor(make_predict_fn(saturating_model(MOTIF)), "seq")
    paper = run("motif_count", count, exact_nulls, placement="paper")
    assert paper.loc[paper["pattern"] == MOTIF, "joined_copies"].iloc[0] > 0.03
    drawn = run("motif_count", count, exact_nulls)
    assert (drawn.loc[drawn["pattern"] == MOTIF, "joined_copies"] == 0).all()


# ----------------------------------------------------------------------- patterns

RBFOX1_KD = REPO / "resources" / "rbfox1_kd" / "rbfox1_auweter2006_kd.tsv"
# The score weighted_site_model gives each RBFOX1 7-mer: 1, or 1 - w of its one mismatch.
LADDER = {
    "UGCAUGU": 1.0,
    "AGCAUGU": 1 - SITE_WEIGHTS[0],
    "CGCAUGU": 1 - SITE_WEIGHTS[0],
    "UGUAUGU": 1 - SITE_WEIGHTS[2],
    "UACAUGU": 1 - SITE_WEIGHTS[1],
    "UGCACGU": 1 - SITE_WEIGHTS[4],
    "UGCAUAU": 1 - SITE_WEIGHTS[5],
}


def test_patterns_give_the_written_scores_and_follow_affinity(predictors, exact_nulls):
    # K_D = exp(-4 x score): ln K_D falls by 4 per unit of score, so the fitted slope of
    # importance on ln K_D is -1/4 and r is -1 up to the nulls' noise.
    kd = {pattern: float(np.exp(-4 * score)) for pattern, score in LADDER.items()}
    table = run("patterns", predictors["weighted_site"], exact_nulls, affinity=kd)
    # Called directly, without the run path's `null` column (the CLI test has it).
    assert list(table.columns[:6]) == [
        "experiment",
        "motif",
        "condition",
        "kind",
        "pattern",
        "length",
    ]
    assert (table["kind"] == "condition").all()
    assert list(table["pattern"]) == list(LADDER)
    importance = table.set_index("pattern")["importance"]
    for pattern, score in LADDER.items():
        assert importance[pattern] == pytest.approx(score, abs=0.02), pattern
    assert table["fit_n"].iloc[0] == 7
    assert table["slope"].iloc[0] == pytest.approx(-0.25, abs=0.01)
    assert table["log_affinity_slope"].iloc[0] == pytest.approx(-4.0, abs=0.2)
    assert table["pearson_r"].iloc[0] < -0.999
    np.testing.assert_allclose(table["log_affinity"], [-4 * s for s in LADDER.values()])
    line = registry.headline("patterns", table)
    assert line.value == pytest.approx(table["pearson_r"].iloc[0])
    assert line.detail.startswith("n = 7, slope -0.2")


def test_patterns_of_any_length_that_fits(predictors, exact_nulls):
    table = run(
        "patterns", predictors["weighted_site"], exact_nulls,
        patterns=["auGCAUGUa", "UGC", "ugcatgt"],  # T read as U, any case
    )  # fmt: skip
    importance = table.set_index("pattern")["importance"]
    assert list(table["length"]) == [9, 3, 7]
    assert importance["AUGCAUGUA"] == pytest.approx(1.0, abs=0.02)
    assert importance["UGCAUGU"] == pytest.approx(1.0, abs=0.02)
    assert abs(importance["UGC"]) < NONE
    assert table["fit_n"].iloc[0] == 0
    assert table["pearson_r"].isna().all()
    assert registry.headline("patterns", table).what == "best pattern importance"
    with pytest.raises(InputError, match="padding"):
        run("patterns", predictors["weighted_site"], exact_nulls, patterns=["A" * 31])


def test_patterns_against_the_rbfox1_affinities(predictors, exact_nulls):
    """The measured RBFOX1 ladder (Auweter et al. 2006) on a model whose ladder is written."""
    table = run("patterns", predictors["weighted_site"], exact_nulls, affinity=str(RBFOX1_KD))
    assert list(table["pattern"]) == list(LADDER)
    assert table.set_index("pattern")["affinity"]["UGCAUAU"] == 1830
    # The fit is the one of the written scores on the measured ln K_D (r = -0.89 here).
    kd = pd.read_csv(RBFOX1_KD, sep="\t").set_index("pattern")["kd_ratio"]
    expected = np.corrcoef(list(LADDER.values()), np.log(kd[list(LADDER)]))[0, 1]
    assert table["pearson_r"].iloc[0] == pytest.approx(expected, abs=0.01)
    assert table["pearson_r"].iloc[0] < -0.85
    assert table["fit_p"].iloc[0] < 0.01


# ----------------------------------------------------------------------- the command line


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exact_models")
    paths = {}
    for name, build in (("position", position_model), ("unpaired", unpaired_model)):
        paths[name] = folder / f"{name}.keras"
        build(MOTIF).save(paths[name])
    return paths


def cli_table(tmp_path, experiment, model, background, *extra) -> pd.DataFrame:
    out = tmp_path / f"{experiment}.tsv"
    argv = ["gia", experiment, "--model", str(model), "--background", str(background)]
    argv += ["--motif", MOTIF, "--n-null", "300", "--n-boot", "300", "--out", str(out)]
    assert main([*argv, *extra]) == 0
    return pd.read_csv(out, sep="\t")


def test_command_line_reaches_the_same_conclusions(tmp_path, saved_models, capsys):
    background = REPO / "resources" / "rnacompete2013_subset" / "RNCMPT00001_setB.txt.gz"
    hairpin = cli_table(tmp_path, "hairpin", saved_models["position"], background)
    assert (hairpin["experiment"] == "hairpin").all()
    assert covers_zero(row(hairpin, LOOP_MINUS_STEM))
    count = cli_table(tmp_path, "motif_count", saved_models["position"], background)
    assert row(count, "3 - 2")["importance"] == pytest.approx(
        row(count, "1")["importance"], rel=0.35
    )
    paper = cli_table(
        tmp_path, "motif_count", saved_models["position"], background, "--design", "placement=paper"
    )
    assert (paper["placement"] == "paper").all()
    steps = [row(paper, c)["importance"] for c in ("1", "2 - 1", "3 - 2")]
    assert max(steps) > 1.5 * min(steps)  # the nested layout bends the line by position
    assert main(["gia", "motif_count", "--model", str(saved_models["position"]),
                 "--background", str(background), "--motif", MOTIF,
                 "--design", "shape=round"]) == 2  # fmt: skip
    assert "gia.design.motif_count: unknown option(s) shape" in capsys.readouterr().err
    spacing = cli_table(tmp_path, "spacing", saved_models["position"], background)
    assert spacing.loc[spacing["condition"] == INTERACTION, "importance"].abs().max() < NONE
    structure = cli_table(
        tmp_path, "hairpin", saved_models["unpaired"], background, "--threads", "2"
    )
    assert row(structure, LOOP_MINUS_STEM)["ci_low"] > 0.3
    printed = capsys.readouterr().out
    assert "loop minus stem, net of position" in printed


def test_command_line_runs_patterns_with_an_affinity_table(tmp_path, capsys):
    model = tmp_path / "weighted_site.keras"
    weighted_site_model().save(model)
    background = REPO / "resources" / "rnacompete2013_subset" / "RNCMPT00001_setB.txt.gz"
    table = cli_table(
        tmp_path, "patterns", model, background, "--design", f"affinity={RBFOX1_KD}",
        "--figure", str(tmp_path / "patterns.png"),
    )  # fmt: skip
    assert list(table.columns[:5]) == ["experiment", "motif", "null", "condition", "kind"]
    assert (table["experiment"] == "patterns").all()
    importance = table.set_index("pattern")["importance"]
    for pattern, score in LADDER.items():
        assert importance[pattern] == pytest.approx(score, abs=0.03), pattern
    assert table["fit_n"].iloc[0] == 7
    assert table["pearson_r"].iloc[0] < -0.85
    assert "importance vs ln affinity, r" in capsys.readouterr().out
    assert (tmp_path / "patterns.png").stat().st_size > 0
    listed = cli_table(
        tmp_path, "patterns", model, background, "--design", "patterns=[UGCAUGU,UGCAUAU]"
    )
    assert list(listed["pattern"]) == ["UGCAUGU", "UGCAUAU"]
    argv = ["gia", "patterns", "--model", str(model), "--background", str(background)]
    assert main([*argv, "--motif", MOTIF]) == 2  # no patterns: stopped before predicting
    assert "gia.design.patterns: no patterns given" in capsys.readouterr().err
