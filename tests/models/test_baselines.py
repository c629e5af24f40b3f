"""The baselines: DeepBind-style CNN shapes and the k-mer ridge regression."""

from __future__ import annotations

import numpy as np
import pytest

from rbpgia.errors import InputError
from rbpgia.metrics import pearson_r
from rbpgia.models import build_deepbind_cnn
from rbpgia.models.kmer_ridge import (
    ALPHA_GRID,
    KmerRidge,
    fit_kmer_ridge,
    kmer_counts,
    kmer_names,
    load_kmer_ridge,
    n_kmer_features,
    predict_kmer_ridge,
    save_kmer_ridge,
)

NAMES = kmer_names()
COLUMN = {kmer: i for i, kmer in enumerate(NAMES)}


# --- DeepBind-style CNN -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channels", "n_params"),
    [
        # conv 16*16*C + 16, hidden (2*16)*32 + 32, output 32 + 1
        (4, 1040 + 1056 + 33),
        (9, 2320 + 1056 + 33),
    ],
)
def test_deepbind_shapes_and_size(channels, n_params):
    model = build_deepbind_cnn((41, channels), seed=0)
    x = np.random.default_rng(0).random((5, 41, channels), dtype=np.float32)
    assert tuple(model(x).shape) == (5, 1)
    assert model.count_params() == n_params
    # The full convolution has 41 + 16 - 1 positions, pooled two ways into 2 x 16 features.
    assert model.get_layer("motif_conv").output.shape[1:] == (56, 16)
    assert model.get_layer("pooled").output.shape[1:] == (32,)


def test_deepbind_options():
    model = build_deepbind_cnn((30, 6), n_filters=8, kernel_size=6, hidden=4, dropout=0.25)
    assert model.get_layer("motif_conv").kernel.shape == (6, 6, 8)
    assert model.get_layer("hidden").units == 4
    assert model.get_layer("hidden_dropout").rate == 0.25
    assert model.output_shape == (None, 1)


# --- k-mer counts -------------------------------------------------------------------------


def test_kmer_feature_layout():
    assert n_kmer_features() == 4 + 16 + 64 + 256 + 1024 + 4096 == 5460
    assert len(NAMES) == 5460
    assert NAMES[:5] == ["A", "C", "G", "U", "AA"]
    # Base-4 order inside each k block, blocks in increasing k.
    assert COLUMN["AC"] == 4 + 1
    assert COLUMN["GU"] == 4 + 2 * 4 + 3
    assert COLUMN["ACGU"] == 4 + 16 + 64 + (0 * 64 + 1 * 16 + 2 * 4 + 3)
    assert NAMES[-1] == "UUUUUU"


def test_counts_of_a_short_padded_probe_by_hand(onehot):
    counts = kmer_counts(onehot(["ACGU"])).toarray()[0]
    expected = {"A", "C", "G", "U", "AC", "CG", "GU", "ACG", "CGU", "ACGU"}
    assert counts.dtype == np.float32
    assert {NAMES[i] for i in np.flatnonzero(counts)} == expected
    assert counts.sum() == 4 + 3 + 2 + 1
    assert set(counts[np.flatnonzero(counts)]) == {1.0}


def test_repeated_kmers_are_counted_with_multiplicity(onehot):
    counts = kmer_counts(onehot(["AAAAA"])).toarray()[0]
    assert [counts[COLUMN["A" * k]] for k in range(1, 7)] == [5, 4, 3, 2, 1, 0]
    assert counts.sum() == 5 + 4 + 3 + 2 + 1


def test_padding_forms_no_kmers(onehot):
    x = onehot(["AC" + "G" * 10 + "UA"])
    x[0, 2:12] = 0.0  # blank the G run: the two halves must not join across the gap
    counts = kmer_counts(x).toarray()[0]
    assert {NAMES[i] for i in np.flatnonzero(counts)} == {"A", "C", "U", "AC", "UA"}
    assert counts[COLUMN["A"]] == 2
    # The same probe anywhere in the padded window counts the same.
    shifted = np.zeros_like(x)
    shifted[0, 20:34] = x[0, :14]
    assert np.array_equal(kmer_counts(shifted).toarray(), counts[None])


def test_counts_agree_with_naive_string_counting(onehot, random_probes):
    rng = np.random.default_rng(1)
    probes = [p[: int(rng.integers(20, 42))] for p in random_probes(30, rng)]
    counts = kmer_counts(onehot(probes), k_max=4, k_min=2).toarray()
    names = kmer_names(k_max=4, k_min=2)
    assert counts.shape == (30, 16 + 64 + 256)
    for probe, row in zip(probes, counts, strict=True):
        naive = [
            sum(probe.startswith(kmer, i) for i in range(len(probe) - len(kmer) + 1))
            for kmer in names
        ]
        assert np.array_equal(row, naive)


def test_kmer_counts_rejects_wrong_shapes():
    with pytest.raises(InputError, match=r"\(N, L, 4\)"):
        kmer_counts(np.zeros((2, 41, 9), dtype=np.float32))
    with pytest.raises(InputError, match="k_min"):
        kmer_counts(np.zeros((2, 41, 4), dtype=np.float32), k_max=2, k_min=3)


# --- ridge --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_rule(onehot, random_probes):
    """Scores that are an exact linear rule of k-mer counts, plus a little noise."""
    rng = np.random.default_rng(2)
    x = onehot(random_probes(3000, rng))
    counts = kmer_counts(x, k_max=4).toarray()
    names = kmer_names(k_max=4)
    rule = {"GCA": 1.5, "UU": -1.0, "G": 0.3, "ACGU": 2.0}
    y = sum(w * counts[:, names.index(k)] for k, w in rule.items())
    y = y + rng.normal(scale=0.3, size=len(y))
    return x, y


def test_ridge_recovers_a_planted_kmer_rule(planted_rule):
    x, y = planted_rule
    model = fit_kmer_ridge(x[:2000], y[:2000], k_max=4)  # alpha chosen on every 10th probe
    assert model.alpha in ALPHA_GRID
    assert model.coef.shape == (n_kmer_features(4),)
    r = pearson_r(y[2000:], predict_kmer_ridge(model, x[2000:]))
    assert r > 0.9
    names = kmer_names(k_max=4)
    top = {names[i] for i in np.argsort(np.abs(model.coef))[-2:]}
    assert top == {"GCA", "ACGU"}


def ridge_by_least_squares(counts: np.ndarray, y: np.ndarray, alpha: float):
    """Ridge with an unpenalised intercept, by another route than the solver's: the centred
    problem as ordinary least squares on rows augmented with ``sqrt(alpha) * I`` (SVD)."""
    mean, y_mean = counts.mean(axis=0), y.mean()
    n_features = counts.shape[1]
    design = np.vstack([counts - mean, np.sqrt(alpha) * np.eye(n_features)])
    target = np.concatenate([y - y_mean, np.zeros(n_features)])
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    return coef, y_mean - mean @ coef


@pytest.mark.parametrize("n_probes", [60, 500])  # fewer, and more, probes than 84 features
def test_ridge_solves_the_ridge_problem(planted_rule, n_probes):
    x, y = planted_rule
    model = fit_kmer_ridge(x[:n_probes], y[:n_probes], alpha=3.0, k_max=3)
    counts = kmer_counts(x[:n_probes], k_max=3).toarray().astype(np.float64)
    coef, intercept = ridge_by_least_squares(counts, y[:n_probes].astype(np.float64), 3.0)
    np.testing.assert_allclose(model.coef, coef, rtol=1e-6, atol=1e-8)
    assert model.intercept == pytest.approx(intercept, rel=1e-6)
    assert (model.k_min, model.k_max, model.alpha) == (1, 3, 3.0)


@pytest.mark.parametrize("n_train", [150, 400])  # fewer, and more, probes than 340 features
def test_ridge_chooses_alpha_on_the_validation_probes(planted_rule, n_train):
    x, y = planted_rule
    x_train, y_train = x[:n_train], y[:n_train].astype(np.float64)
    x_valid, y_valid = x[400:800], y[400:800]
    model = fit_kmer_ridge(x_train, y_train, k_max=4, x_valid=x_valid, y_valid=y_valid)
    train_counts = kmer_counts(x_train, k_max=4).toarray().astype(np.float64)
    valid_counts = kmer_counts(x_valid, k_max=4).toarray().astype(np.float64)
    fits = [ridge_by_least_squares(train_counts, y_train, a) for a in ALPHA_GRID]
    errors = [np.mean((valid_counts @ coef + b - y_valid) ** 2) for coef, b in fits]
    assert model.alpha == ALPHA_GRID[int(np.argmin(errors))]
    # Not the edge of the grid: the choice is a real trade-off on these probes.
    assert model.alpha not in (ALPHA_GRID[0], ALPHA_GRID[-1])
    np.testing.assert_allclose(model.coef, fits[int(np.argmin(errors))][0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n_probes", [200, 1000])  # fewer, and more, probes than 340 features
def test_ridge_without_validation_probes_refits_every_probe(planted_rule, n_probes):
    """Every 10th probe picks alpha; the model is then the fit to all of them at that alpha."""
    x, y = planted_rule
    x, y = x[:n_probes], y[:n_probes].astype(np.float64)
    model = fit_kmer_ridge(x, y, k_max=4)
    counts = kmer_counts(x, k_max=4).toarray().astype(np.float64)
    held_out = np.arange(n_probes) % 10 == 0
    fits = [ridge_by_least_squares(counts[~held_out], y[~held_out], a) for a in ALPHA_GRID]
    errors = [np.mean((counts[held_out] @ c + b - y[held_out]) ** 2) for c, b in fits]
    assert model.alpha == ALPHA_GRID[int(np.argmin(errors))]
    coef, intercept = ridge_by_least_squares(counts, y, model.alpha)
    np.testing.assert_allclose(model.coef, coef, rtol=1e-6, atol=1e-8)
    assert model.intercept == pytest.approx(intercept, rel=1e-6)


def test_ridge_rejects_missing_targets(planted_rule):
    x, y = planted_rule
    y_missing = y[:100].copy()
    y_missing[5] = np.nan
    with pytest.raises(InputError, match="training targets contain NaN"):
        fit_kmer_ridge(x[:100], y_missing, k_max=2)
    with pytest.raises(InputError, match="too few"):
        fit_kmer_ridge(x[:10], y[:10], k_max=2)
    with pytest.raises(InputError, match="positive"):
        fit_kmer_ridge(x[:10], y[:10], k_max=2, alpha=0.0)


def test_ridge_save_load_round_trip(planted_rule, tmp_path):
    x, y = planted_rule
    model = fit_kmer_ridge(x[:300], y[:300], k_max=3, k_min=2, alpha=1.0)
    path = tmp_path / "sub" / "ridge.npz"
    save_kmer_ridge(model, path)
    assert [p.name for p in path.parent.iterdir()] == ["ridge.npz"]  # no temp left over
    loaded = load_kmer_ridge(path)
    assert (loaded.k_min, loaded.k_max, loaded.alpha) == (2, 3, 1.0)
    assert loaded.intercept == model.intercept
    assert np.array_equal(predict_kmer_ridge(loaded, x), predict_kmer_ridge(model, x))


def test_load_kmer_ridge_rejects_bad_files(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(InputError, match="garbage.npz: cannot read"):
        load_kmer_ridge(garbage)
    with pytest.raises(InputError, match="missing.npz: cannot read"):
        load_kmer_ridge(tmp_path / "missing.npz")

    wrong = tmp_path / "wrong.npz"
    save_kmer_ridge(KmerRidge(np.zeros(7), 0.0, 1, 2, 1.0), wrong)
    with pytest.raises(InputError, match=r"wrong.npz: coef has shape \(7,\), expected \(20,\)"):
        load_kmer_ridge(wrong)

    plain_array = tmp_path / "array.npy"
    np.save(plain_array, np.zeros(3))
    with pytest.raises(InputError, match=r"array.npy: not a k-mer ridge model: not an .npz"):
        load_kmer_ridge(plain_array)

    pickled = tmp_path / "pickled.npz"
    fields = {"intercept": 0.0, "k_min": 1, "k_max": 1, "alpha": 1.0}
    np.savez(pickled, coef=np.array([{"a": 1}] * 4, dtype=object), **fields)
    with pytest.raises(InputError, match="pickled.npz: cannot read.*allow_pickle"):
        load_kmer_ridge(pickled)


def test_ridge_jobs_do_not_start_keras():
    # A k-mer ridge job must not pay for starting Keras's backend (seconds per job).
    import subprocess
    import sys

    code = (
        "import sys, rbpgia.workflow.jobs, rbpgia.models, rbpgia.models.kmer_ridge; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_builders_are_found_by_name_and_attribute():
    import rbpgia.models as models

    assert models.build_model("deepbind_cnn", (41, 4), seed=0).count_params() == 2129
    assert models.build_residualbind.__module__ == "rbpgia.models.residualbind"
    with pytest.raises(AttributeError):
        models.build_nothing  # noqa: B018
