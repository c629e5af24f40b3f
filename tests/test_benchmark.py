"""The benchmark tables: published results joined, and the paired tests against them."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rbpgia.benchmark import (
    paired_differences,
    published_comparison,
    read_published,
    signed_rank,
)
from rbpgia.errors import InputError
from rbpgia.plots import paper

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "resources" / "published_performance" / "rnacompete2013_pearson.tsv"
METHODS = {"ThermoNet", "RCK", "DLPRB_CNN", "cDeepbind_CNN"}


def trained(values: dict[str, float], model: str = "residualbind") -> pd.DataFrame:
    """Benchmark rows of one trained model, ``{rbp: pearson_r}``."""
    return pd.DataFrame(
        {
            "rbp": list(values),
            "model": model,
            "input": "seq",
            "norm": "log",
            "pearson_r": list(values.values()),
            "spearman_r": np.nan,
            "n_test": 30000,
        }
    )


def test_shipped_table_has_every_experiment_and_the_published_means():
    table = read_published(SHIPPED)
    assert set(table["model"]) == METHODS  # the "RNAcontext" copy of DLPRB is not shipped
    assert table["rbp"].nunique() == 244
    assert (table["input"] == "published").all()
    means = table.groupby("model")["pearson_r"].mean().round(3)
    assert means.to_dict() == {
        "ThermoNet": 0.671,
        "DLPRB_CNN": 0.606,
        "cDeepbind_CNN": 0.506,
        "RCK": 0.46,
    }
    # The labels are those of Table S2: RCK's median ~0.49, DLPRB's ~0.65 (never swapped).
    medians = table.groupby("model")["pearson_r"].median()
    assert medians["RCK"] == pytest.approx(0.49, abs=0.03)
    assert medians["DLPRB_CNN"] == pytest.approx(0.65, abs=0.03)


def test_read_published_keeps_the_run_experiments():
    table = read_published(SHIPPED, rbps={"RNCMPT00001", "RNCMPT00002", "RNCMPT99999"})
    wide = table.pivot(index="rbp", columns="model", values="pearson_r")
    assert list(wide.index) == ["RNCMPT00001", "RNCMPT00002"]
    assert wide.loc["RNCMPT00001"].to_dict() == {
        "DLPRB_CNN": 0.6786,
        "RCK": 0.5051,
        "ThermoNet": 0.7509,
        "cDeepbind_CNN": 0.6214,
    }
    assert wide.loc["RNCMPT00002", "ThermoNet"] == 0.7924


def test_read_published_long_layout_and_missing_cells(tmp_path):
    path = tmp_path / "long.tsv"
    path.write_text("rbp\tmodel\tpearson_r\nA\tX\t0.5\nB\tX\t\nA\tY\t-0.25\n")
    table = read_published(path)
    assert table[["rbp", "model", "pearson_r"]].values.tolist() == [
        ["A", "X", 0.5],
        ["A", "Y", -0.25],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("experiment\tM1\nE1\t0.5\nE2\thigh\n", "wide.tsv:3: column M1: 'high' is not a number"),
        ("experiment\tM1\tM2\nE1\t0.5\t1.5\n", "wide.tsv:2: column M2: Pearson r 1.5 lies outside"),
        ("experiment\tprotein\nE1\tP\n", "an experiment column but no method columns"),
        ("name\tr\nE1\t0.5\n", "needs columns rbp, model, pearson_r (long) or experiment"),
        ("experiment\tM1\nE1\t0.5\nE1\t0.6\n", "wide.tsv:3: M1 of E1 is given twice"),
    ],
)
def test_bad_published_tables_name_file_line_and_column(tmp_path, text, message):
    path = tmp_path / "wide.tsv"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_published(path)


def test_signed_rank_refuses_too_few_pairs():
    p_value, note = signed_rank([0.01, -0.004])
    assert np.isnan(p_value)
    assert (
        note == "n = 2 non-zero differences: too few for a signed-rank test (its smallest p is 0.5)"
    )
    assert np.isnan(signed_rank([0.1] * 5)[0])  # smallest p 0.0625: still cannot reach 0.05
    assert signed_rank([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])[0] == pytest.approx(0.03125)
    assert signed_rank([0.0] * 8)[1].startswith("n = 0 non-zero differences: too few")
    # Zero differences are dropped, as the test drops them: 6 pairs, 4 with a sign.
    assert np.isnan(signed_rank([0.1, 0.2, 0.3, 0.4, 0.0, 0.0])[0])


def test_subset_against_the_published_methods():
    """The real subset's ResidualBind r (results/rnacompete2013_subset, 2026-12-06)."""
    table = pd.concat(
        [
            trained({"RNCMPT00001": 0.761018, "RNCMPT00002": 0.787998}),
            read_published(SHIPPED, rbps={"RNCMPT00001", "RNCMPT00002"}),
        ]
    )
    comparison = published_comparison(table, "residualbind").set_index("method")
    assert list(comparison.index) == ["ThermoNet", "DLPRB_CNN", "cDeepbind_CNN", "RCK"]
    thermo = comparison.loc["ThermoNet"]
    assert thermo["strongest"]
    assert comparison["strongest"].sum() == 1
    assert thermo["n"] == 2
    assert thermo["method_mean_r"] == pytest.approx((0.7509 + 0.7924) / 2)
    assert thermo["reference_mean_r"] == pytest.approx((0.761018 + 0.787998) / 2)
    assert thermo["median_delta"] == pytest.approx(((0.761018 - 0.7509) + (0.787998 - 0.7924)) / 2)
    assert thermo["n_better"] == 1
    assert np.isnan(thermo["wilcoxon_p"])
    assert thermo["note"].startswith("n = 2 non-zero differences: too few")
    assert comparison.loc["RCK", "n_better"] == 2
    differences = paired_differences(table, "residualbind")
    assert differences["wilcoxon_p"].isna().all()  # no p of 0.5 that reads as a result


def test_comparison_over_many_experiments_matches_scipy():
    published = read_published(SHIPPED)
    thermo = published[published["model"] == "ThermoNet"].set_index("rbp")["pearson_r"]
    rng = np.random.default_rng(0)
    ours = thermo + rng.normal(0.02, 0.03, len(thermo))  # better on most experiments
    table = pd.concat([trained(ours.to_dict()), published])
    comparison = published_comparison(table, "residualbind").set_index("method")
    row = comparison.loc["ThermoNet"]
    assert row["strongest"]
    assert (row["n"], row["note"]) == (244, "")
    assert row["wilcoxon_p"] == pytest.approx(stats.wilcoxon(ours - thermo).pvalue)
    assert row["wilcoxon_p"] < 1e-10


def test_no_published_rows_give_an_empty_comparison():
    assert published_comparison(trained({"A": 0.5}), "residualbind").empty


def test_figure1_shows_the_published_methods_and_the_test():
    rbps = {"RNCMPT00001": 0.761018, "RNCMPT00002": 0.787998}
    table = pd.concat(
        [
            trained(rbps),
            trained({"RNCMPT00001": 0.677762, "RNCMPT00002": 0.732386}, "deepbind_cnn"),
            read_published(SHIPPED, rbps=set(rbps)),
        ]
    )
    fig = paper.figure1(table, ("residualbind", "seq", "log"), baselines=["deepbind_cnn"])
    labels = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert labels == {"residualbind", "deepbind_cnn"} | {f"{m} (published)" for m in METHODS}
    title = fig.axes[0].get_title(loc="left")
    assert "vs ThermoNet (strongest published):\nmean Δ +0.003, n = 2, too few to test" in title
    assert "2/2 better; too few to test" in fig.axes[1].get_title(loc="left")


def test_strongest_is_judged_over_the_experiments_every_method_has():
    """A method with only the easiest experiment does not win on its mean alone."""
    published = pd.DataFrame(
        {
            "rbp": ["E1", "E2", "E3", "E1"],
            "model": ["broad", "broad", "broad", "narrow"],
            "pearson_r": [0.80, 0.50, 0.40, 0.78],
        }
    ).assign(input="published", norm="published", spearman_r=np.nan, n_test=np.nan)
    table = pd.concat([trained({"E1": 0.7, "E2": 0.6, "E3": 0.5}), published])
    comparison = published_comparison(table, "residualbind").set_index("method")
    # Own means: narrow 0.78 > broad 0.57; over the shared E1: broad 0.80 > narrow 0.78.
    assert comparison.loc["narrow", "method_mean_r"] > comparison.loc["broad", "method_mean_r"]
    assert comparison["strongest"].to_dict() == {"narrow": False, "broad": True}


def test_reference_is_the_main_variant_not_the_first_sorted_row():
    """With norms [log, clip] the sorted table lists clip first; the main model is log."""
    from rbpgia.benchmark import model_label, reference_label

    table = pd.DataFrame(
        {
            "rbp": ["R1", "R1", "R2", "R2"],
            "model": "residualbind",
            "input": "seq",
            "norm": ["clip", "log", "clip", "log"],
            "pearson_r": [0.70, 0.76, 0.72, 0.79],
        }
    )
    assert model_label(table).iloc[0] == "residualbind (seq, clip)"
    assert reference_label(table, "residualbind", "seq", "log") == "residualbind (seq, log)"
    with pytest.raises(InputError, match=r"no residualbind \(pu, log\) model"):
        reference_label(table, "residualbind", "pu", "log")


def test_noise_ceiling_of_each_normalisation_is_its_own():
    from rbpgia.benchmark import noise_ceilings
    from rbpgia.data.normalise import apply_normaliser, fit_normaliser
    from rbpgia.simulate import expected_measurement

    rng = np.random.default_rng(3)
    scores = rng.normal(0, 1.5, 400)
    truth = {
        "scores": {"R1": scores.tolist()},
        "rbps": {"R1": {"normalisation": {"median": 1.0, "scale": 2.0}}},
    }
    raw = expected_measurement(scores, 1.0, 2.0) + rng.normal(0, 0.5, 400)
    jobs = {}
    for norm in ("log", "clip"):
        normaliser = fit_normaliser(raw, norm)
        measured = apply_normaliser(raw, normaliser)
        jobs[("R1", norm)] = (
            pd.DataFrame({"probe": np.arange(400), "measured": measured}),
            normaliser,
        )
    ceilings = noise_ceilings(jobs, truth).set_index("norm")["noise_ceiling_r"]
    for norm in ("log", "clip"):
        normaliser = jobs[("R1", norm)][1]
        ideal = apply_normaliser(expected_measurement(scores, 1.0, 2.0), normaliser)
        expected = stats.pearsonr(jobs[("R1", norm)][0]["measured"], ideal)[0]
        assert ceilings[norm] == pytest.approx(expected, abs=1e-6)
    assert abs(ceilings["log"] - ceilings["clip"]) > 0.005
