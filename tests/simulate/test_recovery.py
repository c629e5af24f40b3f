"""Validation verdicts follow the planted rule, and fail when the effect contradicts it."""

from pathlib import Path

import pandas as pd
import pytest

from rbpgia.gia.experiments.hairpin import CONDITIONS as HAIRPIN_CONDITIONS
from rbpgia.gia.experiments.hairpin import LOOP_EFFECT, LOOP_MINUS_STEM, STEM_EFFECT
from rbpgia.gia.experiments.motif_count import line_fit
from rbpgia.simulate.recovery import (
    CHECKS,
    check_position,
    checked_experiments,
    shares_shifted_core,
    validate_rbp,
)
from rbpgia.workflow.config import load_config

REPO = Path(__file__).resolve().parents[2]

SPEC = {
    "motif": "UGCAUG",
    "site_effect": "additive",
    "spacing": None,
    "gc_bias": 0.0,
    "accessibility": 0.0,
    "position": None,
    "flanks": None,
}


def row(condition, kind, importance, half=0.1, **labels) -> dict:
    """One row of an experiment table: its identity, labels and a CI of +- ``half``."""
    return {
        "condition": condition,
        "kind": kind,
        **labels,
        "importance": importance,
        "ci_low": importance - half,
        "ci_high": importance + half,
    }


def experiment_table(name, rows, motif="UGCAUG") -> pd.DataFrame:
    table = pd.DataFrame(rows)
    table.insert(0, "experiment", name)
    table.insert(1, "motif", motif)
    return table


def kmers(top):
    return pd.DataFrame(
        {"experiment": "kmer_search", "kmer": [top, "AAAAAA"], "importance": [1.0, 0.1]}
    )


def counts(*effects):
    """A motif_count table: the counts, the paired increments ``n - (n-1)`` and the fit."""
    n_sites = list(range(1, len(effects) + 1))
    rows = [row(str(n), "condition", e, n_sites=n) for n, e in zip(n_sites, effects, strict=True)]
    rows += [
        row(f"{n} - {n - 1}", "contrast", effects[n - 1] - effects[n - 2], n_sites=n)
        for n in n_sites[1:]
    ]
    slope, intercept, r2 = line_fit(n_sites, effects)
    return experiment_table("motif_count", rows).assign(slope=slope, intercept=intercept, r2=r2)


def spacing_table(gaps, pair, interaction, half=0.1):
    """Four rows per gap: the pair, both single sites and their interaction."""
    rows = []
    for gap, both, extra in zip(gaps, pair, interaction, strict=True):
        rows += [
            row("pair", "condition", both, spacing=gap),
            row("first", "control", 1.0, spacing=gap),
            row("second", "control", 1.0, spacing=gap),
            row("pair - first - second", "contrast", extra, half, spacing=gap),
        ]
    return experiment_table("spacing", rows)


def gc_table(effect_5p, effect_3p, half=0.1):
    """gc_bias conditions (the motif's own importance 1), then what GC adds beside the
    motif at each end, and 3' - 5'."""
    conditions = {"motif": 1.0, "gc_5p": -0.1, "gc_3p": -0.1}
    conditions["motif+gc_5p"] = 1.0 + effect_5p
    conditions["motif+gc_3p"] = 1.0 + effect_3p
    rows = [row(name, "condition", value) for name, value in conditions.items()]
    rows += [
        row("motif+gc_5p - motif", "contrast", effect_5p, half),
        row("motif+gc_3p - motif", "contrast", effect_3p, half),
        row("motif+gc_3p - motif+gc_5p", "contrast", effect_3p - effect_5p, half),
    ]
    return experiment_table("gc_bias", rows)


def hairpin_table(loop, stem, loop_minus_stem, half=0.1):
    """hairpin conditions and controls, then the structure effects and their difference."""
    rows = [
        row(name, "control", 0.5)
        if name.endswith("_control")
        else row(name, "condition", {"loop": loop, "stem": stem}[name])
        for name in HAIRPIN_CONDITIONS
    ]
    rows += [
        row(LOOP_EFFECT, "contrast", loop - 0.5),
        row(STEM_EFFECT, "contrast", stem - 0.5),
        row(LOOP_MINUS_STEM, "contrast", loop_minus_stem, half),
    ]
    return experiment_table("hairpin", rows)


def flanks_table(flanks, importance, motif="UGCAUG"):
    rows = [
        row(f, "condition", v, flank=f, five_prime=f[0], three_prime=f[-1])
        for f, v in zip(flanks, importance, strict=True)
    ]
    return experiment_table("flanks", rows, motif)


def positional_table(best, motif="UGCAUG", shortest=30, peak=1.0):
    """Rows 5p+k and 3p+k at 0.1 +- 0.1, the one named ``best`` at ``peak`` +- 0.1."""
    rows = [
        row(f"{anchor}+{k}", "condition", peak if f"{anchor}+{k}" == best else 0.1,
            anchor=anchor, offset=k)
        for anchor in ("5p", "3p")
        for k in range(shortest - len(motif) + 1)
    ]  # fmt: skip
    return experiment_table("positional", rows, motif)


@pytest.mark.parametrize(
    ("found", "ok"),
    [("UGCAUG", True), ("GCAUGU", True), ("AUGCAU", True), ("GCAUGC", True), ("CAUGAA", False)],
)
def test_shifted_core(found, ok):
    assert shares_shifted_core(found, "UGCAUG") is ok


def test_additive_rbp_passes_on_planted_shape():
    verdicts = validate_rbp(
        "R", SPEC, {"kmer_search": kmers("UGCAUG"), "motif_count": counts(1, 2, 3.2)}
    )
    assert verdicts["passed"].tolist() == [True, True]


def test_saturating_shape_fails_an_additive_rbp():
    verdicts = validate_rbp(
        "R", SPEC, {"kmer_search": kmers("CCCCCC"), "motif_count": counts(1, 1.6, 1.8)}
    )
    assert verdicts["passed"].tolist() == [False, False]


def test_count_reads_the_paired_increments():
    saturating = dict(SPEC, site_effect="saturating")
    tables = {"kmer_search": kmers("UGCAUG"), "motif_count": counts(1, 1.6, 1.8)}
    assert validate_rbp("R", saturating, tables)["passed"].all()
    tables["motif_count"] = counts(1, 2, 3.2)  # increments 1, 1, 1.2: not saturating
    assert (
        not validate_rbp("R", saturating, tables)
        .set_index("experiment")
        .loc["motif_count", "passed"]
    )
    # The increments are read from the contrast rows, not recomputed from the counts.
    table = counts(1, 2, 3.2)
    table.loc[table["condition"] == "3 - 2", "importance"] = 0.2
    tables["motif_count"] = table
    verdict = validate_rbp("R", SPEC, tables).set_index("experiment").loc["motif_count"]
    assert not verdict["passed"]
    assert "[1.0, 1.0, 0.2]" in verdict["observed"]


def test_rule_specific_checks():
    spec = dict(SPEC, spacing={"distance": 5}, gc_bias=-4.0, accessibility=1.0)
    spec["flanks"] = {"five_prime": "U", "three_prime": "A", "strength": 0.5}
    gaps = [3, 4, 5, 6]
    tables = {
        "kmer_search": kmers("UGCAUG"),
        # The pair is best at 4 nt (position), the interaction at the planted 5 nt.
        "spacing": spacing_table(gaps, pair=[3, 5, 4, 2], interaction=[0.0, 0.2, 2.0, 0.1]),
        "gc_bias": gc_table(-0.3, -0.2),
        "hairpin": hairpin_table(loop=0.9, stem=0.2, loop_minus_stem=1.0),
        "flanks": flanks_table(["A_A", "U_A", "U_C"], [1, 3, 2]),
    }
    verdicts = validate_rbp("R", spec, tables).set_index("experiment")
    assert list(verdicts.index) == ["kmer_search", "spacing", "gc_bias", "hairpin", "flanks"]
    assert verdicts["passed"].all(), verdicts.to_string()
    # Interaction peaking elsewhere, or at the planted gap with a CI reaching 0: fail.
    tables["spacing"] = spacing_table(gaps, pair=[3, 5, 4, 2], interaction=[0.0, 2.0, 1.5, 0.1])
    tables["hairpin"] = hairpin_table(loop=2.0, stem=0.2, loop_minus_stem=-0.5)
    verdicts = validate_rbp("R", spec, tables).set_index("experiment")
    assert not verdicts.loc["spacing", "passed"]
    assert not verdicts.loc["hairpin", "passed"]
    assert verdicts.loc["gc_bias", "passed"]
    tables["spacing"] = spacing_table(
        gaps, pair=[3, 5, 4, 2], interaction=[0.0, 0.2, 0.3, 0.1], half=0.5
    )
    assert not validate_rbp("R", spec, tables).set_index("experiment").loc["spacing", "passed"]
    # The peak at the planted gap, CI above 0, but within the next gap's CI: a flat curve.
    tables["spacing"] = spacing_table(gaps, pair=[3, 5, 4, 2], interaction=[0.0, 0.25, 0.3, 0.1])
    flat = validate_rbp("R", spec, tables).set_index("experiment").loc["spacing"]
    assert not flat["passed"]
    assert (
        flat["observed"]
        == "5 nt: +0.3000 [+0.2000, +0.4000] vs next 4 nt +0.2500 [+0.1500, +0.3500]"
    )
    # Hairpin: loop > stem as conditions is not enough; the contrast's CI must clear 0.
    tables["hairpin"] = hairpin_table(loop=0.9, stem=0.2, loop_minus_stem=0.05)
    assert not validate_rbp("R", spec, tables).set_index("experiment").loc["hairpin", "passed"]


@pytest.mark.parametrize(
    ("effect_5p", "effect_3p", "passed"),
    [
        (-0.3, -0.2, True),
        (-0.3, -0.05, False),  # the 3' CI reaches 0
        (-0.3, -0.15, False),  # beyond 0 at 3', but less than a fifth of the motif's effect
        (-0.3, 0.3, False),  # the 3' end has the wrong sign
        (0.3, 0.2, False),  # both wrong
    ],
)
def test_gc_needs_both_ends_beyond_zero_with_the_planted_sign(effect_5p, effect_3p, passed):
    spec = dict(SPEC, gc_bias=-4.0)
    tables = {
        "kmer_search": kmers("UGCAUG"),
        "motif_count": counts(1, 2, 3),
        "gc_bias": gc_table(effect_5p, effect_3p),
    }
    verdict = validate_rbp("R", spec, tables).set_index("experiment").loc["gc_bias"]
    assert bool(verdict["passed"]) is passed
    positive = dict(SPEC, gc_bias=4.0)
    flipped = dict(tables, gc_bias=gc_table(-effect_5p, -effect_3p))
    verdict = validate_rbp("R", positive, flipped).set_index("experiment").loc["gc_bias"]
    assert bool(verdict["passed"]) is passed


@pytest.mark.parametrize(
    ("best", "passed"),
    [
        ("5p+6", True),  # centre 6 + 3 = 9 nt from the 5' end of a 38-nt probe
        ("3p+24", True),  # 38 - 24 - 3 = 11 nt
        ("5p+20", False),  # 23 nt
        ("3p+4", False),  # 31 nt
    ],
)
def test_position_reads_the_best_start_from_its_end(best, passed):
    spec = dict(SPEC, position={"centre": 0.25, "width": 0.2})  # 9.5 +- 7.6 nt
    verdict = check_position("R", spec, positional_table(best), probe_length=38)
    assert bool(verdict["passed"]) is passed
    assert best in verdict["observed"]
    # A flat profile's argmax at the right place is noise: its mirror (the same start
    # from the other end) is as high, CIs overlapping.
    flat = check_position("R", spec, positional_table(best, peak=0.25), probe_length=38)
    assert not flat["passed"]
    mirror = best.replace("5p", "Xp").replace("3p", "5p").replace("Xp", "3p")
    assert f"vs {mirror} +0.1000" in flat["observed"]


def test_position_in_frame_columns_compares_the_mirrored_column():
    # Columns of the 41-nt frame (gia.design.positional.positions): a 38-nt probe starts
    # at column 1, so column 8 holds a 6-mer centred 10 nt from its 5' end; its mirror is
    # column 41 - 6 - 8 = 27.
    rows = [
        row(str(c), "condition", 1.0 if c == 8 else 0.1, anchor="frame", offset=c)
        for c in range(1, 34)
    ]
    spec = dict(SPEC, position={"centre": 0.25, "width": 0.2})
    verdict = check_position("R", spec, experiment_table("positional", rows, "UGCAUG"))
    assert verdict["passed"]
    assert verdict["observed"].startswith("10.0 (8 +1.0000")
    assert "vs 27 +0.1000" in verdict["observed"]


def test_flanks_follow_a_shifted_motif():
    spec = dict(SPEC, motif="GUUGAC", flanks={"five_prime": "U", "three_prime": "A", "strength": 1})
    table = flanks_table(["G_U", "U_A", "A_C"], [3.0, 1.0, 0.5], motif="UUGACA")
    tables = {"kmer_search": kmers("UUGACA"), "flanks": table, "motif_count": counts(1, 2, 3)}
    verdicts = validate_rbp("R", spec, tables)
    flanks = verdicts.set_index("experiment").loc["flanks"]
    assert flanks["expected"] == "G_N around UUGACA"
    assert flanks["passed"]
    table["importance"] = [0.1, 1.0, 3.0]
    tables = {"kmer_search": kmers("UUGACA"), "flanks": table, "motif_count": counts(1, 2, 3)}
    verdicts = validate_rbp("R", spec, tables)
    assert not verdicts.set_index("experiment").loc["flanks", "passed"]


@pytest.mark.parametrize(("dataset", "n_checks"), [("synthetic", 10), ("synthetic_panel", 17)])
def test_shipped_synthetic_sets_check_every_experiment(dataset, n_checks):
    """Between them, the RBPs of each shipped synthetic set reach every checked experiment."""
    rbps = load_config(REPO / "config" / "config.yaml")["datasets"][dataset]["rbps"]
    checked = [name for spec in rbps.values() for name in checked_experiments(spec)]
    assert set(checked) == set(CHECKS)
    assert len(checked) == n_checks
    assert checked.count("kmer_search") == len(rbps)


def test_checked_experiments_follow_the_planted_rules():
    assert checked_experiments(SPEC) == ["kmer_search", "motif_count"]
    spaced = dict(SPEC, spacing={"distance": 5}, accessibility=1.0)
    assert checked_experiments(spaced) == ["kmer_search", "spacing", "hairpin"]
    placed = dict(SPEC, position={"centre": 0.25, "width": 0.2}, gc_bias=-6.0)
    # Every count draws its sites from the same placements, so a position rule leaves the
    # count curve to site_effect: motif_count is checked too.
    assert checked_experiments(placed) == ["kmer_search", "motif_count", "gc_bias", "positional"]


def test_main_reports_failing_checks_and_fails_only_when_strict(tmp_path, capsys):
    from rbpgia.simulate.recovery import COLUMNS, main

    table = pd.DataFrame(
        [
            ["R1", "kmer_search", "top", "UGCAUG", "UGCAUG", True, ""],
            ["R1", "hairpin", "loop - stem", "> 0", "-0.02 [-0.05, 0.01]", False, ""],
        ],
        columns=COLUMNS,
    )
    path = tmp_path / "validation.tsv"
    table.to_csv(path, sep="\t", index=False)
    assert main([str(path)]) == 0
    printed = capsys.readouterr().out
    assert "1 of 2 checks against the planted truth pass." in printed
    assert "FAILED R1 hairpin: expected > 0, observed -0.02 [-0.05, 0.01]" in printed
    assert main([str(path), "--strict"]) == 1


def test_verdicts_on_extrapolated_rows_say_so():
    table = counts(1, 2, 3.2)
    table["support"] = [40.0, 3.0, 0.0, 3.0, 0.0]
    table["extrapolated"] = [False, True, True, True, True]
    verdicts = validate_rbp("R", SPEC, {"kmer_search": kmers("UGCAUG"), "motif_count": table})
    count = verdicts.set_index("experiment").loc["motif_count"]
    note = "2 (3 probes), 3 (0 probes), 2 - 1 (3 probes), 3 - 2 (0 probes)"
    assert count["extrapolated"] == note
    assert count["observed"].endswith(f"; extrapolated: {note}")
    assert count["passed"]  # the verdict stands; the table says what it rests on
    # Rows with support, or tables without it, add nothing.
    assert verdicts.set_index("experiment").loc["kmer_search", "extrapolated"] == ""
    spacing = spacing_table([4, 5], [2.0, 2.5], [0.1, 0.5]).assign(
        support=[20.0, None, None, 20.0, 5.0, None, None, 5.0],
        extrapolated=[False, None, None, False, True, None, None, True],
    )
    spec = dict(SPEC, spacing={"distance": 5})
    verdict = validate_rbp("R", spec, {"kmer_search": kmers("UGCAUG"), "spacing": spacing})
    assert verdict.set_index("experiment").loc["spacing", "extrapolated"] == (
        "pair - first - second at 5 nt (5 probes)"
    )


def test_planted_rule_verdicts_tell_the_model_from_the_design():
    """A check the trained model fails and the planted rule passes: the model did not learn it."""
    from rbpgia.simulate.recovery import planted_experiments, planted_reading

    spec = dict(SPEC, accessibility=1.0, spacing={"distance": 5})
    assert planted_experiments(spec) == ["spacing", "hairpin"]
    tables = {
        "kmer_search": kmers("UGCAUG"),
        "spacing": spacing_table([4, 5, 6], [2.0, 3.0, 2.0], [0.1, 0.9, 0.1]),
        "hairpin": hairpin_table(0.5, 0.5, -0.03),
    }
    planted = {
        "spacing": spacing_table([4, 5, 6], [2.0, 2.1, 2.0], [0.2, 0.1, 0.3]),
        "hairpin": hairpin_table(0.6, 0.1, 0.17),
    }
    verdicts = validate_rbp("R", spec, tables, planted).set_index("experiment")
    assert verdicts["passed"].tolist() == [True, True, False]
    # kmer_search is not run on the planted rule; spacing passes for the model alone.
    assert verdicts["planted_observed"].tolist()[0] == ""
    assert pd.isna(verdicts.loc["kmer_search", "planted_passed"])
    assert verdicts.loc["spacing", "planted_passed"] == False  # noqa: E712 (pandas boolean)
    assert verdicts.loc["hairpin", "planted_passed"] == True  # noqa: E712
    assert verdicts.loc["hairpin", "planted_observed"] == "+0.1700 [+0.0700, +0.2700]"
    assert "trained model did not learn the rule" in planted_reading(verdicts.loc["hairpin"])
    assert "design or the check cannot see the rule" in planted_reading(verdicts.loc["spacing"])
    assert "not run" in planted_reading(verdicts.loc["kmer_search"])
    # Without planted tables the verdicts are as before.
    assert "planted_observed" not in validate_rbp("R", spec, tables).columns


def test_planted_model_scores_like_the_generator():
    import numpy as np

    from rbpgia.encode.onehot import one_hot
    from rbpgia.simulate import planted_scores
    from rbpgia.simulate.planted_model import planted_predict
    from rbpgia.simulate.structure import fold_unpaired

    sequences = ["AAAAAUGCAUGAAAAAAAAAAAAAAAAAAA", "CCCCUGCAUGCCCCAUGCAUGGGGGCAUGCAG", "ACGU" * 9]
    spec = dict(SPEC, site_strength=1.5, gc_bias=-2.0)
    ground_truth_extra = {"normalisation": {"median": 1.0}, "motif_gc": 0.5}
    predict = planted_predict({**spec, **ground_truth_extra})
    np.testing.assert_allclose(predict(one_hot(sequences)), planted_scores(sequences, spec))
    # With accessibility the probes are folded as the generator folds them.
    folded = dict(spec, accessibility=1.0)
    lengths = np.array([len(s) for s in sequences])
    unpaired = fold_unpaired(np.array(sequences), lengths, 1)
    expected = planted_scores(sequences, folded, unpaired)
    np.testing.assert_allclose(planted_predict(folded)(one_hot(sequences)), expected)
    assert not np.allclose(expected, planted_scores(sequences, spec))


def test_expected_normalised_is_the_mean_over_the_noise():
    """Gauss-Hermite quadrature against a large Monte Carlo draw of the generator's noise."""
    import numpy as np

    from rbpgia.data.normalise import apply_normaliser, fit_normaliser
    from rbpgia.simulate.measurement import expected_intensity, expected_normalised

    scores = np.array([-2.0, 0.0, 1.0, 2.5, 4.0])
    sd, median, scale = 0.6, 2.0, 1.5
    rng = np.random.default_rng(0)
    z = rng.standard_normal(400_000)
    for method in ("log", "clip"):
        sample = (expected_intensity(rng.normal(0, 1.5, 5000)) - median) / scale
        normaliser = fit_normaliser(sample, method)
        quadrature = expected_normalised(scores, sd, median, scale, normaliser)
        raw = expected_intensity(scores)[:, None] * np.exp(sd * z[None, :] - sd**2 / 2)
        drawn = apply_normaliser((raw - median) / scale, normaliser).mean(axis=1)
        # The clip's kink costs the quadrature a little accuracy near the cap (0.25%).
        rtol = 5e-3 if method == "clip" else 0.0
        np.testing.assert_allclose(quadrature, drawn, rtol=rtol, atol=2e-3, err_msg=method)


def test_planted_rule_on_a_log_models_scale_bends_additive_sites():
    """Sites that add on the log-affinity scale give growing increments on a log model's:
    the scale the trained model's GIA effects are measured on."""
    import numpy as np

    from rbpgia.data.normalise import fit_normaliser
    from rbpgia.encode.onehot import one_hot
    from rbpgia.errors import InputError
    from rbpgia.simulate.measurement import expected_intensity
    from rbpgia.simulate.planted_model import planted_predict

    filler = "ACACACACAC"
    sequences = [
        filler * 4,
        "UGCAUG" + filler * 3,
        "UGCAUG" * 2 + filler * 2,
        "UGCAUG" * 3 + filler,
    ]
    spec = dict(SPEC, site_strength=1.0, noise_sd=0.5, normalisation={"median": 1.5, "scale": 2.0})
    training = (expected_intensity(np.random.default_rng(1).normal(0, 1.2, 5000)) - 1.5) / 2.0
    normaliser = fit_normaliser(training, "log")
    affinity = planted_predict(spec)(one_hot(sequences))
    on_scale = planted_predict(spec, normaliser=normaliser)(one_hot(sequences))
    steps = np.diff(affinity)
    np.testing.assert_allclose(steps, steps[0], rtol=0.05)  # level on the affinity scale
    assert np.all(np.diff(np.diff(on_scale)) > 0)  # growing on the model's
    with pytest.raises(InputError, match="needs the ground truth's noise_sd, normalisation"):
        planted_predict(dict(SPEC), normaliser=normaliser)
