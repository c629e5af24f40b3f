"""Importance statistics, BH q-values and the k-mer searches, on toys with known answers."""

import numpy as np
import pytest
from conftest import count_model, pwm_model, unpaired_model
from scipy import stats

from rbpgia.encode.onehot import one_hot
from rbpgia.errors import InputError
from rbpgia.gia.embed import embed
from rbpgia.gia.importance import (
    importance,
    importance_table,
    intervention_differences,
    null_predictions,
)
from rbpgia.gia.kmer_search import (
    KMER_COLUMNS,
    MIN_SCREEN,
    adaptive_kmer_search,
    all_kmers,
    contenders,
    elimination_schedule,
    kmer_search,
)
from rbpgia.gia.predictor import Predictor, as_predictor
from rbpgia.gia.stats import (
    STAT_COLUMNS,
    bh_fdr,
    contrast_name,
    effects_table,
    summarise,
    t_test_p,
    without_roundoff,
)


def g_count(x):
    """Number of G in each probe."""
    return np.asarray(x)[..., 2].sum(axis=1)


def counting(predict):
    """``predict`` that also records how many rows it was asked for."""
    seen = []

    def wrapped(x):
        seen.append(len(x))
        return predict(x)

    return wrapped, seen


def test_importance_of_a_hand_case():
    # Columns 19-20 (the centre of a 41-nt probe for a 2-mer) hold 0, 1, 1 and 2 Gs,
    # so writing "GG" there adds 2, 1, 1 and 0 Gs: mean 1.
    around = ["AA", "GA", "AG", "GG"]
    nulls = one_hot(["A" * 19 + pair + "A" * 20 for pair in around])
    before = nulls.copy()
    row = importance(g_count, nulls, [("GG", "centre")], rng=0)
    np.testing.assert_array_equal(nulls, before)
    assert row["importance"] == pytest.approx(1.0)
    assert row["n"] == 4
    assert row["p_value"] == pytest.approx(stats.ttest_1samp([2, 1, 1, 0], 0).pvalue)
    assert row["p_value"] == pytest.approx(0.0917, abs=1e-4)
    assert 0.0 <= row["ci_low"] <= 1.0 <= row["ci_high"] <= 2.0
    assert row["structure_recomputed"] is False


def test_bootstrap_ci_matches_the_normal_approximation():
    rng = np.random.default_rng(0)
    d = rng.normal(0.3, 1.0, size=(3, 2000))
    s = summarise(d, n_boot=2000, rng=1)
    half_width = 1.96 * d.std(axis=1, ddof=1) / np.sqrt(2000)
    np.testing.assert_allclose(s["ci_high"] - s["importance"], half_width, rtol=0.12)
    np.testing.assert_allclose(s["importance"] - s["ci_low"], half_width, rtol=0.12)
    np.testing.assert_allclose(s["p_value"], stats.ttest_1samp(d, 0, axis=1).pvalue)
    # Seeded: the same rng gives the same interval, another one a different one.
    assert summarise(d, rng=5)["ci_low"].tolist() == summarise(d, rng=5)["ci_low"].tolist()
    assert summarise(d, rng=5)["ci_low"].tolist() != summarise(d, rng=6)["ci_low"].tolist()


def test_t_test_without_spread():
    assert t_test_p(np.zeros((1, 5))).tolist() == [1.0]
    assert t_test_p(np.ones((1, 5))).tolist() == [0.0]
    assert np.isnan(t_test_p(np.ones((1, 1)))).all()


def test_bh_fdr_hand_example():
    # sorted p 0.01, 0.03, 0.04, 0.20 -> p m / rank 0.04, 0.06, 0.0533, 0.20 -> running min
    q = bh_fdr([0.01, 0.04, 0.03, 0.20])
    np.testing.assert_allclose(q, [0.04, 0.16 / 3, 0.16 / 3, 0.20])
    q = bh_fdr([0.01, np.nan, 0.04])  # NaN is left out of the family (m = 2)
    np.testing.assert_allclose(q, [0.02, np.nan, 0.04])
    assert bh_fdr([0.9, 0.95]).tolist() == [0.95, 0.95]
    with pytest.raises(InputError):
        bh_fdr([1.5])


def test_null_predictions_are_reused(nulls):
    predict, seen = counting(count_model())
    baseline = null_predictions(predict, nulls)
    assert seen == [len(nulls)]
    table = importance_table(
        predict, nulls, [[("GCAUG", "centre")], [("AAAAA", "centre")]], baseline=baseline
    )
    assert seen[1:] == [2 * len(nulls)]  # both interventions in one call, no null rows
    assert table["importance"][0] == pytest.approx(1.0, abs=0.02)
    assert abs(table["importance"][1]) < 0.02
    predict, seen = counting(count_model())
    importance_table(predict, nulls, [[("GCAUG", 5)], [("GCAUG", 20)]])
    assert seen == [3 * len(nulls)]  # without a baseline the nulls ride along in one call
    with pytest.raises(InputError, match="baseline has"):
        importance(predict, nulls, [("GCAUG", 10)], baseline=baseline[:-1])


def test_intervention_differences_are_paired_per_null(nulls):
    few = nulls[:50]
    model = count_model()
    differences = intervention_differences(
        model, few, [[("GCAUG", "centre")], [("AAAAA", "centre")]]
    )
    assert isinstance(differences, np.ndarray)
    assert differences.shape == (2, 50)
    assert differences.dtype == np.float64
    direct = model(embed(few, [("GCAUG", "centre")])) - model(few)
    np.testing.assert_array_equal(differences[0], direct)
    # The same numbers with the baseline given, and through a Predictor.
    again = intervention_differences(
        Predictor(model), few, [[("GCAUG", "centre")]], baseline=null_predictions(model, few)
    )
    np.testing.assert_array_equal(again[0], differences[0])


def test_predictor_scores_onehot_and_refolds_only_structure_models(nulls):
    few = nulls[:10]
    seq = as_predictor(count_model())
    assert isinstance(seq, Predictor)
    assert seq.input_type == "seq"
    assert not seq.refolds
    assert as_predictor(seq) is seq
    assert seq.model_input(few) is few  # sequence models read the one-hot rows as they are
    scores = seq(few)
    assert scores.dtype == np.float64
    assert scores.shape == (10,)
    pu = Predictor(unpaired_model(), "pu")
    assert pu.refolds
    x = pu.model_input(few[:3])
    assert x.shape == (3, 41, 6)
    np.testing.assert_array_equal(x[..., :4], few[:3])
    assert Predictor(count_model(), "struct").model_input(few[:2]).shape == (2, 41, 9)
    with pytest.raises(InputError, match="input_type must be one of"):
        Predictor(count_model(), "rna")
    with pytest.raises(InputError, match="predict must be callable"):
        Predictor("model.keras")
    with pytest.raises(InputError, match="predict returned 5 values for 10 sequences"):
        Predictor(lambda x: np.zeros(5))(few)


def test_effects_table_lays_out_conditions_controls_and_paired_contrasts():
    rng = np.random.default_rng(0)
    shared = rng.normal(0.0, 1.0, 400)  # what each null does to both effects
    first = 1.0 + shared
    second = 0.5 + shared + rng.normal(0.0, 0.01, 400)
    name = contrast_name("first", "second")
    assert name == "first - second"
    rows = [
        ("first", "condition", first),
        ("second", "control", second),
        (name, "contrast", first - second),
    ]
    table = effects_table(rows, False, rng=0)
    assert list(table.columns) == ["condition", "kind", *STAT_COLUMNS]
    assert table["condition"].tolist() == ["first", "second", "first - second"]
    assert table["kind"].tolist() == ["condition", "control", "contrast"]
    # BH within each kind: here every kind holds one row, so q equals p.
    np.testing.assert_allclose(table["q_value"], table["p_value"])
    # Paired per null, the contrast is precise though both effects spread widely.
    width = table["ci_high"] - table["ci_low"]
    assert table["importance"][2] == pytest.approx(0.5, abs=0.005)
    assert width[2] < width[0] / 20
    assert table["ci_low"][2] > 0.49
    with pytest.raises(InputError, match="row kinds"):
        effects_table([("first", "effect", first)], False)


def test_float32_roundoff_reads_as_no_effect():
    # An exact model's interaction: two float32 sums that differ by their last bit, the
    # same on every null (beside an effect of about 2, the table's scale).
    rng = np.random.default_rng(1)
    pair = rng.normal(2.0, 0.3, 500).astype(np.float32)
    roundoff = (pair + np.float32(1e-7)).astype(np.float64) - pair.astype(np.float64)
    assert 0 < roundoff.max() < 3e-7
    real = np.full(500, 1e-4)  # small but not round-off: kept
    rows = [
        ("pair", "condition", pair),
        ("left", "contrast", roundoff),
        ("small", "contrast", real),
    ]
    table = effects_table(rows, False, rng=0).set_index("condition")
    assert table.loc["left", ["importance", "ci_low", "ci_high"]].tolist() == [0, 0, 0]
    assert table.loc["left", "p_value"] == 1
    assert table.loc["small", "importance"] == pytest.approx(1e-4)
    assert table.loc["small", "p_value"] == 0  # no spread: an exact effect
    # NaN (a row without nulls) stays missing.
    assert np.isnan(without_roundoff(np.array([np.nan, 1e-9, 1.0]))[0])
    assert without_roundoff(np.array([np.nan, 1e-9, 1.0]))[1:].tolist() == [0.0, 1.0]


def test_callable_interventions_must_keep_the_shape(nulls):
    with pytest.raises(InputError, match="changed the null shape"):
        importance(count_model(), nulls, lambda x: x[:, :40])


def test_kmer_search_ranks_motif_kmers_first(nulls):
    before = nulls.copy()
    table = kmer_search(count_model(), nulls[:200], k=6, rng=0)
    np.testing.assert_array_equal(nulls, before)
    assert list(table.columns[:8]) == KMER_COLUMNS
    assert len(table) == 4096
    assert set(table["kmer"]) == set(all_kmers(6))
    with_motif = {k for k in all_kmers(6) if "GCAUG" in k}
    assert len(with_motif) == 8
    assert set(table["kmer"][:8]) == with_motif
    # Next come k-mers that complete a GCAUG with the null's letter (e.g. CAUGxx after G).
    assert table["importance"][:8].min() > 0.95 > 0.5 > table["importance"][8]
    assert (table["position"] == "centre").all()
    assert (table["n"] == 200).all()
    assert table["importance"].is_monotonic_decreasing
    by_p = table.sort_values("p_value")
    assert by_p["q_value"].is_monotonic_increasing
    assert (table["q_value"] >= table["p_value"]).all()


def test_kmer_search_batches_do_not_change_results(nulls):
    kmers = ["GCAUGA", "AAAAAA", "UGCAUG", "CGCGCG", "GCAUGG"]
    small = kmer_search(count_model(), nulls, kmers=kmers, batch_kmers=1, position=12)
    large = kmer_search(count_model(), nulls, kmers=kmers, batch_kmers=64, position=12)
    assert small.equals(large)
    single = importance(count_model(), nulls, [("GCAUGA", 12)])
    assert small["importance"][small["kmer"] == "GCAUGA"].item() == single["importance"]


def test_kmer_search_calls_predict_on_large_batches(nulls):
    predict, seen = counting(count_model())
    kmer_search(predict, nulls[:100], k=4, batch_kmers=32)
    assert seen == [100] + [3200] * 8  # nulls once, then 32 k-mers x 100 nulls per call


def test_adaptive_search_finds_the_exhaustive_top_ten(nulls):
    predict, seen = counting(pwm_model())
    exhaustive = kmer_search(pwm_model(), nulls[:400], k=5, rng=0)
    adaptive = adaptive_kmer_search(predict, nulls[:400], k=5, n_screen=50, rng=0)
    assert adaptive["kmer"][:10].tolist() == exhaustive["kmer"][:10].tolist()
    assert sorted(adaptive["kmer"]) == all_kmers(5)
    refined = adaptive[adaptive["stage"] == "refined"]
    eliminated = adaptive[adaptive["stage"] == "eliminated"]
    assert 10 <= len(refined) < 1024
    assert refined["n"].eq(400).all()
    assert eliminated["n"].isin([50, 100, 200]).all()
    assert adaptive.index[adaptive["stage"] == "refined"].max() == len(refined) - 1
    # Survivors have seen every null: their statistics are the exhaustive search's.
    top = exhaustive.set_index("kmer")
    np.testing.assert_allclose(
        refined.set_index("kmer")["importance"], top.loc[refined["kmer"], "importance"]
    )
    # Far fewer predictions than the exhaustive 1,024 x 400 (+ 400 null predictions).
    assert 400 + 1024 * 50 <= sum(seen) < 0.4 * 1024 * 400


def test_adaptive_search_screens_random_nulls_whatever_their_order():
    """gc_matched nulls come sorted by GC. Screened in that order, the first round saw
    only the lowest-GC backgrounds and dropped 3 of the true top 10 of a model whose
    k-mer effects grow with GC: a certain miss, not a 1% chance."""
    from rbpgia.gia.nulls import make_nulls
    from rbpgia.sequence import gc_content

    k, rng = 4, np.random.default_rng(0)
    probes = []
    for length in rng.choice([30, 35, 38, 41], size=4000):
        gc = rng.uniform(0.15, 0.85)  # each probe its own GC propensity
        weights = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
        probes.append("".join(rng.choice(list("ACGU"), size=length, p=weights)))
    base = one_hot(probes)
    measured = rng.normal(size=len(base)) + 2 * gc_content(base)
    nulls = make_nulls("gc_matched", base, 1000, np.random.default_rng(1), measured=measured)
    assert gc_content(nulls[:100]).mean() < gc_content(nulls).mean() - 0.2  # sorted
    weight = rng.normal(0, 0.05, 4**k)
    steady = rng.choice(4**k, 10, replace=False)
    with_gc = rng.choice(np.setdiff1d(np.arange(4**k), steady), 10, replace=False)
    weight[steady] = 1.2 + rng.normal(0, 0.02, 10)
    gc_weight = np.zeros(4**k)
    gc_weight[with_gc] = 2.6 + rng.normal(0, 0.02, 10)
    powers = 4 ** np.arange(k)[::-1]

    def predict(x):  # every k-mer adds its weight, the GC-dependent ones times the GC
        x = np.asarray(x)
        windows = x.shape[1] - k + 1
        codes = x.argmax(-1)
        index = sum(codes[:, j : j + windows] * powers[j] for j in range(k))
        real = np.all([x[:, j : j + windows].sum(-1) > 0 for j in range(k)], axis=0)
        gc = gc_content(x)[:, None]
        return ((weight[index] + gc_weight[index] * gc) * real).sum(axis=1)

    exhaustive = kmer_search(predict, nulls, k=k, n_boot=100)
    adaptive = adaptive_kmer_search(predict, nulls, k=k, n_screen=100, n_boot=100)
    assert set(adaptive["kmer"][:10]) == set(exhaustive["kmer"][:10])
    # Survivors' statistics are still the exhaustive search's, on the caller's order.
    refined = adaptive[adaptive["stage"] == "refined"].set_index("kmer")
    top = exhaustive.set_index("kmer").loc[refined.index]
    np.testing.assert_allclose(
        refined[["importance", "ci_low", "ci_high"]], top[["importance", "ci_low", "ci_high"]]
    )


def test_contenders_keep_rows_that_may_reach_the_top():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(1, 200))  # shared by all rows, as with paired nulls
    means = np.array([5.0, 4.0, 3.99, 1.0, -2.0])
    differences = means[:, None] + noise + 0.1 * rng.normal(size=(5, 200))
    keep = contenders(differences, top=2, z=4.0)
    # 3.99 is within noise of 4.0 (the 2nd leader): it stays; 1 and -2 cannot reach the top 2.
    assert keep.tolist() == [True, True, True, False, False]
    assert contenders(differences, top=5, z=4.0).all()


def test_contenders_use_precise_rows_when_a_leader_is_noisy():
    rng = np.random.default_rng(1)
    n = 200
    noise = rng.normal(size=(1, n))
    means = np.array([5.0, 3.0, 2.99, 2.98, 1.0, 0.5])
    spread = np.array([20.0, 0.1, 0.1, 0.1, 0.1, 0.1])  # the best row is very noisy
    differences = means[:, None] + noise + spread[:, None] * rng.normal(size=(6, n))
    # Rows 1.0 and 0.5 are beaten by three precise rows, so they cannot reach the top 2,
    # though the noisy leader beats neither of them significantly.
    assert contenders(differences, top=2, z=4.0).tolist() == [True] * 4 + [False] * 2
    # Judged by the two leaders alone, they would have to stay.
    assert contenders(differences, top=2, z=4.0, pool=2).tolist() == [True] * 6


def test_contenders_adjust_for_rare_responsive_nulls():
    # A spacing-like model: the best k-mers act mostly on the 10% of nulls that hold a
    # partner site, so their means on 100 nulls hinge on how many of those were drawn.
    rng = np.random.default_rng(3)
    n_all, n = 1000, 100
    responsive = (rng.random(n_all) < 0.1).astype(float)
    strength = np.linspace(2.0, 1.0, 10)
    # How strongly a null responds is the null's (its partner site), shared by the k-mers.
    leaders = strength[:, None] * responsive * rng.gamma(4.0, 0.25, n_all)
    rest = rng.normal(0.0, 0.01, (190, 1)) + rng.normal(0.0, 0.04, (190, n_all))
    differences = np.vstack([leaders + rng.normal(0.0, 0.04, (10, n_all)), rest])
    covariate = differences[:3].mean(axis=0)  # the leaders, scored on every null
    plain = contenders(differences[:, :n], top=10, z=6.0)
    adjusted = contenders(
        differences[:, :n],
        top=10,
        z=6.0,
        covariate=covariate[:n],
        covariate_mean=covariate.mean(),
    )
    assert adjusted[:10].all()  # the true top 10 stay
    assert plain.sum() > 150  # unadjusted, almost nothing can be dropped yet
    assert adjusted.sum() < 40
    # A covariate without its all-null mean, or of the wrong length, is refused.
    with pytest.raises(ValueError, match="covariate"):
        contenders(differences[:, :n], top=10, z=6.0, covariate=covariate[:n])
    with pytest.raises(ValueError, match="covariate"):
        contenders(differences[:, :n], 10, 6.0, covariate=covariate, covariate_mean=0.0)


def test_elimination_schedule_doubles_up_to_all_nulls():
    assert elimination_schedule(50, 1000) == [50, 100, 200, 400, 800, 1000]
    assert elimination_schedule(40, 40) == [40]
    with pytest.raises(InputError, match="screen_nulls"):
        elimination_schedule(MIN_SCREEN - 1, 40)


def test_kmer_search_refolds_structure_for_pu_models(nulls):
    predictor = Predictor(unpaired_model(), "pu")
    table = kmer_search(predictor, nulls[:20], kmers=["GCAUG", "AAAAA"])
    assert table["structure_recomputed"].all()
    assert table["kmer"][0] == "GCAUG"
    assert 0.0 < table["importance"][0] <= 1.0
