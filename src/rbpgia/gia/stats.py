"""Statistics of paired differences: mean, bootstrap CI, t-test, BH q-values, contrasts.

Every GIA number is a mean of paired differences over the same nulls: an intervention's
effect ``d_i = predict(f(x_i)) - predict(x_i)``, or a *contrast* between two effects
on the same null, ``d_i(A) - d_i(B)`` (e.g. the motif in a hairpin loop minus the same
letters in the hairpin's unpaired version). Contrasts are paired, so they carry their own
bootstrap CI and t-test and do not inherit the spread of either effect.

* :func:`summarise` gives each row's mean, percentile bootstrap CI (one seeded table of
  resampling counts shared by every row, so all bootstrap means are one matrix product),
  ``n`` and a two-sided one-sample t-test p-value;
* :func:`bh_fdr` Benjamini-Hochberg q-values over a table's rows;
* :func:`stats_frame` both, as the statistics columns of every GIA table
  (:data:`STAT_COLUMNS`);
* :func:`effects_table` a table of named conditions, controls and contrasts (BH within
  each kind), float32 round-off read as 0 (:func:`without_roundoff`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtr

from rbpgia.errors import InputError

N_BOOT = 1000
CONFIDENCE = 0.95
# Statistics columns of every GIA table, in order.
STAT_COLUMNS = [
    "importance",
    "ci_low",
    "ci_high",
    "n",
    "p_value",
    "q_value",
    "structure_recomputed",
]
# What a row of an experiment table is: an intervention against the nulls (condition), an
# intervention that exists to be subtracted from another (control), or a paired difference.
ROW_KINDS = ("condition", "control", "contrast")
# Models predict in float32, which resolves a prediction to about 1e-7 of its size: per-null
# differences within this share of a table's largest are round-off and read as exactly 0.
# Round-off is the same on every null, so unread it gives a tiny mean with a tinier CI and
# p ~ 0 (an exact-rule model without cooperativity had 12 of 20 interactions at p < 0.05).
ROUNDOFF = 2.0**-20
CONTRAST_SEPARATOR = " - "


def bootstrap_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``n`` items is drawn in each of ``n_boot`` resamples, (n_boot, n)."""
    draws = rng.integers(0, n, size=(n_boot, n))
    flat = (np.arange(n_boot)[:, None] * n + draws).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)


def summarise(
    differences: np.ndarray,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> dict[str, np.ndarray]:
    """Mean, bootstrap CI, n and t-test p-value of each row of paired differences.

    Parameters
    ----------
    differences : np.ndarray, shape (K, n) or (n,)
        One row per intervention, one column per null.
    n_boot : int
        Bootstrap resamples (shared by all rows).
    rng : np.random.Generator or int, optional
        Source of the resamples; ``None`` means seed 0, so results are reproducible.
    confidence : float
        Coverage of the percentile interval.

    Returns
    -------
    dict of np.ndarray, each shape (K,)
        ``importance`` (mean difference), ``ci_low``, ``ci_high``, ``n``, ``p_value``.
    """
    d = np.atleast_2d(np.asarray(differences, dtype=np.float64))
    k, n = d.shape
    if n == 0:
        raise InputError("no nulls to summarise")
    rng = np.random.default_rng(0 if rng is None else rng)
    mean = d.mean(axis=1)
    counts = bootstrap_counts(n, n_boot, rng)
    alpha = (1.0 - confidence) / 2
    ci = np.empty((k, 2))
    for first in range(0, k, 1024):  # bounds the (rows x n_boot) matrix in memory
        boot_means = d[first : first + 1024] @ counts.T / n
        ci[first : first + 1024] = np.quantile(boot_means, [alpha, 1 - alpha], axis=1).T
    return {
        "importance": mean,
        "ci_low": ci[:, 0],
        "ci_high": ci[:, 1],
        "n": np.full(k, n, dtype=np.int64),
        "p_value": t_test_p(d),
    }


def t_test_p(differences: np.ndarray) -> np.ndarray:
    """Two-sided one-sample t-test p-value of each row against mean 0, shape (K,).

    Rows with zero spread get 1 when they are all zero and 0 otherwise; rows of fewer
    than two values get NaN.
    """
    d = np.atleast_2d(np.asarray(differences, dtype=np.float64))
    n = d.shape[1]
    if n < 2:
        return np.full(len(d), np.nan)
    mean = d.mean(axis=1)
    sd = d.std(axis=1, ddof=1)
    # Spread below round-off of the mean counts as none.
    flat = sd <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / (sd / np.sqrt(n))
    # Student's t survival function, as scipy.stats.t.sf computes it (without the ~1 s
    # import of scipy.stats, which every Snakemake start-up would pay).
    p = 2.0 * stdtr(n - 1, -np.abs(t))
    return np.where(flat, np.where(mean == 0, 1.0, 0.0), p)


def bh_fdr(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values of a family of p-values.

    ``q_(i) = min_{j >= i} min(1, p_(j) m / j)`` over the p-values sorted ascending,
    where m counts the finite p-values; NaN p-values are left out of the family and get
    NaN q-values.

    Parameters
    ----------
    p_values : array-like, shape (m,)

    Returns
    -------
    np.ndarray of float64, shape (m,), in the input order.
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    q = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if not finite.size:
        return q
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise InputError("p-values must lie in [0, 1]")
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return q


def stats_frame(
    differences: np.ndarray,
    structure_recomputed: bool,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """:func:`summarise` as a table with BH ``q_value`` and ``structure_recomputed``."""
    table = pd.DataFrame(summarise(differences, n_boot, rng, confidence))
    table["q_value"] = bh_fdr(table["p_value"])
    table["structure_recomputed"] = bool(structure_recomputed)
    return table[STAT_COLUMNS]


def contrast_name(first: str, second: str) -> str:
    """Name of the row ``first`` minus ``second``: the two names joined by ``" - "``."""
    return f"{first}{CONTRAST_SEPARATOR}{second}"


def without_roundoff(differences: np.ndarray) -> np.ndarray:
    """``differences`` with every value within :data:`ROUNDOFF` of the largest magnitude
    among them set to 0 (a copy; NaN stays NaN)."""
    differences = np.asarray(differences, dtype=np.float64)
    scale = np.nanmax(np.abs(differences), initial=0.0)
    return np.where(np.abs(differences) <= ROUNDOFF * scale, 0.0, differences)


def effects_table(
    rows: Sequence[tuple[str, str, np.ndarray]],
    structure_recomputed: bool,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Statistics of named rows of paired differences over the same nulls.

    Parameters
    ----------
    rows : sequence of (name, kind, differences)
        ``kind`` one of :data:`ROW_KINDS`; ``differences`` shape (n,), one value per null
        (for a contrast, the per-null difference of its two effects).

    Returns
    -------
    pd.DataFrame
        ``condition`` (the name), ``kind`` and :data:`STAT_COLUMNS`; ``q_value`` is BH
        within each kind, so the contrasts form a family of their own (mixed with
        conditions, which are nearly always significant, their q-values would shrink:
        with 90 such conditions, 30 null contrasts had a q below 0.05 in 68% of
        simulated tables instead of 5%).
    """
    unknown = {kind for _, kind, _ in rows} - set(ROW_KINDS)
    if unknown:
        raise InputError(f"row kinds must be among {ROW_KINDS}, got {sorted(unknown)}")
    differences = without_roundoff(np.vstack([np.asarray(d, dtype=np.float64) for _, _, d in rows]))
    table = stats_frame(differences, structure_recomputed, n_boot, rng, confidence)
    table.insert(0, "condition", [name for name, _, _ in rows])
    table.insert(1, "kind", [kind for _, kind, _ in rows])
    for kind in table["kind"].unique():
        family = table["kind"] == kind
        table.loc[family, "q_value"] = bh_fdr(table.loc[family, "p_value"])
    return table
