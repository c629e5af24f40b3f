"""A seed ensemble's GIA tables: each member's importance and headline beside the mean.

The ensemble here has a written-down answer: two position models (exact_models.py), the
second with every weight doubled, so on every row the second member's importance is twice
the first's and the ensemble's one and a half times it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from exact_models import position_model

from rbpgia.cli import main
from rbpgia.errors import InputError
from rbpgia.gia import registry
from rbpgia.gia.members import (
    MemberScores,
    headline_spread,
    member_columns,
    with_members,
)
from rbpgia.gia.model_io import open_model
from rbpgia.gia.predictor import Predictor
from rbpgia.gia.run import prepare, run_experiment, settings
from rbpgia.headlines import summarise
from rbpgia.models.ensemble import average_models, ensemble_members, members_model
from rbpgia.train import make_predict_fn, save_model

MOTIF = "UGCAUG"
OPTIONS = settings({"n_null": 200, "n_boot": 200, "nulls": "dinuc"})
EXPERIMENTS = ["kmer_mutagenesis", "positional", "motif_count", "spacing", "gc_bias", "flanks"]


def scaled_position_model(factor: float):
    model = position_model(MOTIF)
    layer = model.get_layer("position_weights")
    layer.set_weights([weights * factor for weights in layer.get_weights()])
    return model


@pytest.fixture(scope="module")
def member_models():
    return [scaled_position_model(1.0), scaled_position_model(2.0)]


@pytest.fixture(scope="module")
def ensemble_path(tmp_path_factory, member_models):
    path = tmp_path_factory.mktemp("ensemble") / "model.keras"
    save_model(average_models(member_models), path)
    return path


def alone(predict, pool, name):
    """``name``'s table for one model on its own (the same nulls: the same seed)."""
    return run_experiment(prepare(Predictor(predict, "seq"), pool, OPTIONS), name, MOTIF, OPTIONS)


@pytest.fixture(scope="module")
def ensemble_tables(ensemble_path, pool):
    model = open_model(ensemble_path)
    predictor, members = model.predictors()
    run = prepare(predictor, pool, OPTIONS, members=members)
    return {name: run_experiment(run, name, MOTIF, OPTIONS) for name in EXPERIMENTS}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_each_member_answers_as_it_would_alone(name, ensemble_tables, member_models, pool):
    table = ensemble_tables[name]
    assert member_columns(table) == ["member0_importance", "member1_importance"]
    assert member_columns(table, "headline") == ["member0_headline", "member1_headline"]
    for index, model in enumerate(member_models):
        own = alone(make_predict_fn(model), pool, name)
        assert own[["condition", "kind"]].equals(table[["condition", "kind"]])
        np.testing.assert_allclose(
            table[f"member{index}_importance"], own["importance"], rtol=1e-5, atol=1e-6
        )
        headline = registry.headline(name, own).value
        assert table[f"member{index}_headline"].tolist() == pytest.approx(
            [headline] * len(table),
            rel=1e-5,
            abs=1e-6,
            nan_ok=True,  # "none": NaN
        )


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_the_rule_written_into_the_members_comes_out(name, ensemble_tables, ensemble_path, pool):
    """Member 1 doubles member 0 on every row; the ensemble's importance is their mean, as
    the saved ensemble's own output (Keras' Average layer) gives it."""
    table = ensemble_tables[name]
    first, second = table["member0_importance"], table["member1_importance"]
    assert np.abs(first).max() > 0.05  # a rule to double, not noise
    np.testing.assert_allclose(second, 2 * first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(table["importance"], 1.5 * first, rtol=1e-5, atol=1e-6)
    keras_mean = alone(open_model(ensemble_path).predict, pool, name)
    np.testing.assert_allclose(table["importance"], keras_mean["importance"], atol=1e-6)
    # The statistics are the ensemble's own: the members' columns come after them.
    columns = list(table.columns)
    assert columns.index("member0_importance") == columns.index("structure_recomputed") + 1


def test_a_contrast_headline_is_each_members_own(ensemble_tables):
    """motif_count's headline (last added site minus first) is each member's own row."""
    table = ensemble_tables["motif_count"]
    first0, first1 = table[["member0_headline", "member1_headline"]].iloc[0]
    assert first1 == pytest.approx(2 * first0, rel=1e-5)
    last = table.set_index("condition").loc["3 - 2 - 1"]
    assert last["importance"] == pytest.approx(1.5 * first0, rel=1e-5)
    assert last["member0_importance"] == pytest.approx(first0, rel=1e-5)
    assert headline_spread(table) == pytest.approx(sorted((first0, first1)))


def test_the_members_cost_no_extra_forward_passes(ensemble_path, pool):
    """Every member's run asks for inputs the ensemble's run has scored."""
    model = open_model(ensemble_path)
    calls = []

    def counted(x):
        calls.append(len(x))
        return model.score_members(x)

    counts = []
    for members in (False, True):
        calls.clear()
        scores = MemberScores(counted, 2)
        predictor, member_predictors = scores.predictors()
        run = prepare(predictor, pool, OPTIONS, members=member_predictors if members else [])
        for name in ("motif_count", "spacing"):
            run_experiment(run, name, MOTIF, OPTIONS)
        counts.append(list(calls))
    alone, with_members_too = counts
    assert len(alone) > 2
    assert with_members_too == alone


def test_a_plain_model_has_no_members(tmp_path, pool):
    path = tmp_path / "position.keras"
    save_model(position_model(MOTIF), path)
    model = open_model(path)
    predictor, members = model.predictors()
    assert members == []
    assert "ensemble" not in model.describe()
    with pytest.raises(InputError, match="not a seed ensemble"):
        model.score_members(pool[:2])
    table = run_experiment(prepare(predictor, pool, OPTIONS), "spacing", MOTIF, OPTIONS)
    assert member_columns(table) == []
    assert headline_spread(table) == (pytest.approx(np.nan, nan_ok=True),) * 2


def test_ensembles_are_recognised_after_saving(ensemble_path, member_models):
    model = open_model(ensemble_path)
    assert model.describe() == "seq model (keras, 41 nt, ensemble of 2)"
    assert model.member_names is not None
    assert len(model.member_names) == 2
    loaded = average_models(member_models)
    assert [member.name for member in ensemble_members(loaded)] == ["member0", "member1"]
    assert ensemble_members(member_models[0]) == []
    assert members_model(member_models[0]) is None


def test_member_scores_check_what_the_members_return(pool):
    with pytest.raises(InputError, match="at least 2 members"):
        MemberScores(lambda x: np.zeros((len(x), 1)), 1)
    wrong = MemberScores(lambda x: np.zeros((len(x), 3)), 2)
    with pytest.raises(InputError, match=r"shape \(4, 3\) for 4 sequences and 2 members"):
        wrong(pool[:4])
    nan = MemberScores(lambda x: np.full((len(x), 2), np.nan), 2)
    with pytest.raises(InputError, match="4 non-finite scores"):
        nan(pool[:2])
    with pytest.raises(InputError, match="member 2 of an ensemble of 2"):
        nan.predictor(2)


def test_with_members_matches_rows_by_their_labels():
    table = pd.DataFrame(
        {
            "experiment": "spacing",
            "condition": ["a", "b", "a - b"],
            "kind": ["condition", "condition", "contrast"],
            "importance": [1.0, 2.0, -1.0],
            "structure_recomputed": False,
            "extra": [7, 8, 9],
        }
    )
    member = table.iloc[[2, 0]].assign(importance=[-3.0, 5.0])  # another order, a row short
    out = with_members(table, [member], [0.5], ["condition"])
    np.testing.assert_array_equal(out["member0_importance"], [5.0, np.nan, -3.0])
    assert out["member0_headline"].tolist() == [0.5] * 3
    assert list(out.columns)[-3:] == ["member0_importance", "member0_headline", "extra"]
    assert headline_spread(out) == (0.5, 0.5)
    # A headline a member cannot give (NaN, e.g. an r of constant values) is left out.
    two = with_members(table, [member, member], [np.nan, 0.25], ["condition"])
    assert headline_spread(two) == (0.25, 0.25)
    assert np.isnan(headline_spread(with_members(table, [member], [np.nan], ["condition"]))).all()
    with pytest.raises(InputError, match="names a row twice"):
        with_members(table, [pd.concat([member, member])], [0.5], ["condition"])
    with pytest.raises(InputError, match="1 member tables but 2 headlines"):
        with_members(table, [member], [0.5, 0.6], ["condition"])


def test_the_summary_gives_the_members_headline_range(ensemble_tables, pool):
    ensemble = ensemble_tables["motif_count"]
    plain = ensemble.drop(columns=member_columns(ensemble) + member_columns(ensemble, "headline"))
    summary = summarise(
        {("R1", "ens", "motif_count"): ensemble, ("R2", "one", "motif_count"): plain}
    ).set_index("rbp")
    slope0, slope1 = ensemble[["member0_headline", "member1_headline"]].iloc[0]
    assert summary.loc["R1", "member_min"] == pytest.approx(slope0)
    assert summary.loc["R1", "member_max"] == pytest.approx(slope1)
    assert np.isnan(summary.loc["R2", ["member_min", "member_max"]].astype(float)).all()


def test_the_command_line_reports_an_ensembles_members(tmp_path, ensemble_path, capsys):
    background = tmp_path / "background.txt"
    rng = np.random.default_rng(3)
    background.write_text(
        "\n".join("".join(rng.choice(list("ACGU"), size=41)) for _ in range(300)) + "\n"
    )
    out = tmp_path / "spacing.tsv"
    argv = ["gia", "motif_count", "--model", str(ensemble_path), "--background", str(background)]
    argv += ["--motif", MOTIF, "--n-null", "100", "--n-boot", "200", "--out", str(out)]
    assert main(argv) == 0
    table = pd.read_csv(out, sep="\t")
    assert member_columns(table) == ["member0_importance", "member1_importance"]
    captured = capsys.readouterr()
    assert "a seed ensemble of 2" in captured.err
    low, high = headline_spread(table)
    assert f"members {low:.4g} to {high:.4g}" in captured.out
