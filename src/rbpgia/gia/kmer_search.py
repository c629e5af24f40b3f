"""Exhaustive and adaptive searches for the k-mers a model values most.

Every one of the 4^k k-mers is embedded at the same place (by default each null's
centre) in all nulls, and ranked by global importance (Koo et al. 2021). With
k = 6 and 1,000 nulls that is 4,096,000 predictions, so the search is built for
throughput:

* the null predictions are computed once and reused by every k-mer;
* one buffer holding ``batch_kmers`` copies of the nulls is filled once; since every
  k-mer occupies the same columns of a null, each batch only overwrites those ``k``
  columns (one fancy-indexing assignment for the whole batch) before a single
  ``predict`` call on ``batch_kmers * n`` sequences;
* the statistics of all k-mers come from one bootstrap matrix product
  (:func:`rbpgia.gia.importance.summarise`).

For ``pu``/``struct`` models each batch is refolded after embedding, which dominates:
about 0.6 ms per probe per thread, i.e. ~40 minutes of CPU per 1,000 nulls for all
4,096 6-mers (``threads`` processes share it).

Most of the exhaustive search is spent on k-mers that are plainly not among the best.
:func:`adaptive_kmer_search` scores every k-mer on a few nulls, then keeps adding nulls
only to the k-mers that may still reach the top 10 (successive elimination with a
Bonferroni-bounded chance of dropping a true top-10 k-mer); the survivors end with the
exhaustive search's exact statistics. A k-mer's effect can hinge on a few nulls (those
that hold a partner site of a spacing rule, say), which makes early means noisy; the
stopping rule then adjusts every contrast with the leaders' effect on each null, known on
all nulls (a control variate), so those few nulls no longer decide what survives.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from rbpgia.errors import InputError
from rbpgia.gia.embed import as_onehot, pattern_codes, resolve_starts
from rbpgia.gia.importance import baseline_for
from rbpgia.gia.predictor import Predictor, as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT, bh_fdr, stats_frame
from rbpgia.sequence import ALPHABET

K = 6
BATCH_KMERS = 16
# Adaptive search: first-round nulls, guaranteed top, chance of missing one of it.
N_SCREEN = 100
# Fewer first-round nulls make the paired standard errors of the stopping rule unreliable.
MIN_SCREEN = 10
TOP = 10
# Rows that may eliminate others: this many times TOP (see contenders).
POOL_FACTOR = 5
# Leaders scored on every null early; their mean effect per null is the control variate.
N_LEADERS = 3
MISS_PROBABILITY = 0.01
# Seeds the random order in which the adaptive search's rounds take the nulls.
SCREEN_SEED = 20200617
KMER_COLUMNS = ["kmer", "position", "importance", "ci_low", "ci_high", "n", "p_value", "q_value"]


def kmers_per_call(batch_size: int, n: int) -> int:
    """k-mers per ``predict`` call that fill a forward pass of ``batch_size`` probes on ``n``
    nulls without spilling into a mostly padded next one; never fewer than
    :data:`BATCH_KMERS` (the CPU's 1024 on 1,000 nulls keeps its 16 per call)."""
    return max(BATCH_KMERS, batch_size // max(1, n))


def all_kmers(k: int = K) -> list[str]:
    """All 4^k strings over ACGU in lexicographic order (AAAAAA, AAAAAC, ...)."""
    if k < 1:
        raise InputError(f"k must be >= 1, got {k}")
    return ["".join(letters) for letters in itertools.product(ALPHABET, repeat=k)]


def kmer_differences(
    predict: Predictor,
    nulls: np.ndarray,
    kmers: Sequence[str],
    starts: np.ndarray,
    baseline: np.ndarray,
    *,
    batch_kmers: int = BATCH_KMERS,
) -> np.ndarray:
    """Paired differences of every k-mer written at per-null ``starts``, shape (K, n).

    ``starts`` must already be checked to lie inside each null's real region
    (:func:`rbpgia.gia.embed.resolve_starts`).
    """
    n, length = nulls.shape[:2]
    k = len(kmers[0])
    kmer_onehot = np.eye(4, dtype=np.float32)[np.stack([pattern_codes(s) for s in kmers])]
    per_call = max(1, min(batch_kmers, len(kmers)))
    buffer = np.broadcast_to(nulls, (per_call, n, length, 4)).copy()
    rows = np.arange(n)[:, None]
    columns = starts[:, None] + np.arange(k)
    differences = np.empty((len(kmers), n), dtype=np.float64)
    for first in range(0, len(kmers), per_call):
        batch = kmer_onehot[first : first + per_call]
        b = len(batch)
        buffer[:b, rows, columns] = batch[:, None]
        predictions = predict(buffer[:b].reshape(b * n, length, 4))
        differences[first : first + b] = predictions.reshape(b, n) - baseline
    return differences


def _kmer_table(kmers, position, differences, recomputed, n_boot, rng, confidence):
    table = stats_frame(differences, recomputed, n_boot, rng, confidence)
    table.insert(0, "kmer", list(kmers))
    table.insert(1, "position", [position] * len(kmers))
    return table


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    """Highest importance first; ties keep their (lexicographic) order."""
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _checked_kmers(kmers, k) -> list[str]:
    kmers = all_kmers(k) if kmers is None else [str(s) for s in kmers]
    if not kmers:
        raise InputError("no k-mers to search")
    widths = {len(s) for s in kmers}
    if len(widths) != 1:
        raise InputError(f"k-mers must all have one length, got lengths {sorted(widths)}")
    return kmers


def kmer_search(
    predict: Predictor | Callable[[np.ndarray], np.ndarray],
    nulls: np.ndarray,
    k: int = K,
    position=None,
    batch_kmers: int = BATCH_KMERS,
    *,
    kmers: Sequence[str] | None = None,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Global importance of every k-mer embedded at one position of all nulls.

    Parameters
    ----------
    predict : Predictor or callable
        A :class:`~rbpgia.gia.predictor.Predictor` (which refolds structure inputs; slow,
        see the module notes), or ``predict(onehot) -> (N,)`` of a sequence model.
    nulls : np.ndarray, shape (n, L, 4)
        One-hot nulls; never modified.
    k : int
        k-mer length (4^k k-mers); ignored when ``kmers`` is given.
    position : int or str, optional
        Position spec (:mod:`rbpgia.gia.embed`); ``None`` means ``"centre"``, each
        null's own centre.
    batch_kmers : int
        k-mers per ``predict`` call (``batch_kmers * n`` sequences per call).
    kmers : sequence of str, optional
        Search only these k-mers (all of one length).
    baseline : np.ndarray, shape (n,), optional
        Null predictions, if already computed.
    n_boot, rng, confidence
        Bootstrap settings; ``rng`` seeds it (``None`` = seed 0).

    Returns
    -------
    pd.DataFrame
        Columns ``kmer, position, importance, ci_low, ci_high, n, p_value, q_value``
        (BH over all k-mers searched) and ``structure_recomputed``, sorted by
        importance, highest first.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    kmers = _checked_kmers(kmers, k)
    position = "centre" if position is None else position
    starts = resolve_starts(nulls, len(kmers[0]), position)
    baseline = baseline_for(predict, nulls, baseline)
    differences = kmer_differences(predict, nulls, kmers, starts, baseline, batch_kmers=batch_kmers)
    table = _kmer_table(kmers, position, differences, predict.refolds, n_boot, rng, confidence)
    return _sorted(table)


def elimination_schedule(n_first: int, n_total: int) -> list[int]:
    """Null counts of the successive rounds: ``n_first``, doubling, ending at ``n_total``."""
    if not MIN_SCREEN <= n_first <= n_total:
        raise InputError(
            f"screen_nulls must be within {MIN_SCREEN}..{n_total} (the nulls), got {n_first}"
        )
    sizes = [n_first]
    while sizes[-1] < n_total:
        sizes.append(min(2 * sizes[-1], n_total))
    return sizes


def contenders(
    differences: np.ndarray,
    top: int,
    z: float,
    pool: int | None = None,
    covariate: np.ndarray | None = None,
    covariate_mean: float | None = None,
) -> np.ndarray:
    """Rows that may still rank among the ``top`` best, as a boolean mask.

    ``differences`` (K, n) holds the paired differences of K k-mers on the same n nulls.
    A row i belongs to the top only if fewer than ``top`` rows are truly better than it.
    So row i is dropped when at least ``top`` rows of the ``pool`` rows of highest mean
    (default ``POOL_FACTOR * top``) each beat it significantly: mean(d_j - d_i) >
    z * SE(d_j - d_i), the contrasts paired over the same nulls (their shared noise
    cancels). Comparing against a pool larger than the top matters when a leader is
    noisy: a high-variance top k-mer beats few rows significantly, while the precise
    k-mers just below it can. The ``top`` rows of highest mean always stay.

    With ``covariate`` (n,), a per-null value known on every null of the search with
    mean ``covariate_mean`` there, each row's mean and residuals are regression-adjusted
    (control variate: mean - beta * (covariate mean on these n nulls - covariate_mean),
    residual variance on n - 2 degrees of freedom), which removes the part of each
    contrast's noise that the covariate explains; the caller's ``z`` should then use
    n - 2 degrees of freedom.
    """
    k, n = differences.shape
    if k <= top:
        return np.ones(k, dtype=bool)
    pool = min(k, POOL_FACTOR * top if pool is None else max(pool, top))
    mean = differences.mean(axis=1)
    centred = differences - mean[:, None]
    dof = n - 1
    if covariate is not None:
        covariate = np.asarray(covariate, dtype=np.float64)
        if covariate.shape != (n,) or covariate_mean is None:
            raise ValueError(f"covariate must have shape ({n},) and come with its mean")
        spread = covariate - covariate.mean()
        norm = float(spread @ spread)
        if norm > 0.0:
            beta = centred @ spread / norm
            mean = mean - beta * (covariate.mean() - covariate_mean)
            centred = centred - beta[:, None] * spread[None, :]
            dof = n - 2
    ranked = np.argsort(-mean, kind="stable")
    judges = ranked[:pool]
    variance = np.einsum("ij,ij->i", centred, centred) / dof
    covariance = centred[judges] @ centred.T / dof  # (pool, K)
    contrast_var = np.maximum(variance[judges, None] + variance[None, :] - 2 * covariance, 0.0)
    gap = mean[judges, None] - mean[None, :]
    beaten = gap > z * np.sqrt(contrast_var / n)
    keep = beaten.sum(axis=0) < top
    keep[ranked[:top]] = True
    return keep


def adaptive_kmer_search(
    predict: Predictor | Callable[[np.ndarray], np.ndarray],
    nulls: np.ndarray,
    k: int = K,
    position=None,
    n_screen: int = N_SCREEN,
    top: int = TOP,
    miss_probability: float = MISS_PROBABILITY,
    batch_kmers: int = BATCH_KMERS,
    *,
    kmers: Sequence[str] | None = None,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | int | None = None,
    confidence: float = CONFIDENCE,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """k-mer search by successive elimination: the exhaustive top ``top`` cheaply.

    Round 1 scores every k-mer on ``n_screen`` nulls drawn at random: the rounds take
    the nulls in a fixed random order (:data:`SCREEN_SEED`), never the caller's, which
    may be sorted (``gc_matched`` nulls come ordered by GC: screening on the first ones
    saw only the lowest-GC backgrounds and dropped 3 of the true top 10 of a model whose
    k-mer effects grow with GC). Each round drops the k-mers that can no
    longer rank among the ``top`` best (:func:`contenders`), then scores the survivors
    on twice as many nulls, reusing the differences already computed, until the
    survivors have seen all nulls. Their statistics are then exactly those of
    :func:`kmer_search`, and so is their order.

    The stopping rule: a k-mer is dropped only if at least ``top`` of the current
    ``POOL_FACTOR * top`` best k-mers each beat it by more than ``z`` paired standard
    errors, with ``z`` the t quantile of ``miss_probability / (K * pool * rounds)``. By
    Bonferroni the chance that any k-mer of the true top ``top`` is ever dropped is at
    most ``miss_probability`` (t approximation of the mean of paired differences). That
    approximation fails for an effect that lives in a few nulls: one present only with a
    partner site in 1.6% of the nulls, screened on 100, was dropped in about a third of
    seeds (docs/gia.md); use :func:`kmer_search` where such rules are expected.
    Before each elimination the ``N_LEADERS`` current leaders are scored on every null
    (a few thousand predictions; they are almost always survivors anyway), and their
    mean difference per null serves as a control variate (:func:`contenders`): when a
    k-mer's effect depends on rare nulls, the same nulls move the leaders, and adjusting
    for them shrinks the standard errors (on a spacing model, 4,096 survivors of the
    first round became about 400).

    Returns
    -------
    pd.DataFrame
        The columns of :func:`kmer_search` plus ``stage``: the survivors first
        (``stage="refined"``, ``n`` = all nulls, sorted by importance), then the dropped
        k-mers with the estimates of the nulls they had seen (``stage="eliminated"``,
        ``n`` < all nulls unless a dropped k-mer had been a leader, sorted by importance).
        ``q_value`` is BH over every k-mer.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    kmers = _checked_kmers(kmers, k)
    if top < 1:
        raise InputError(f"top must be >= 1, got {top}")
    if not 0.0 < miss_probability < 1.0:
        raise InputError(f"miss_probability must lie in (0, 1), got {miss_probability}")
    n = len(nulls)
    schedule = elimination_schedule(n_screen, n)
    position = "centre" if position is None else position
    starts = resolve_starts(nulls, len(kmers[0]), position)
    baseline = baseline_for(predict, nulls, baseline)
    # Rounds take the nulls in a random order; full rows are put back in the caller's.
    shuffled = np.random.default_rng(SCREEN_SEED).permutation(n)
    nulls, starts, baseline = nulls[shuffled], starts[shuffled], np.asarray(baseline)[shuffled]
    # Bonferroni over every (k-mer, judge, round) comparison.
    judges = min(len(kmers), POOL_FACTOR * top)
    alpha = miss_probability / (len(kmers) * judges * max(1, len(schedule) - 1))

    differences = np.empty((len(kmers), n), dtype=np.float64)
    seen = np.zeros(len(kmers), dtype=np.int64)  # nulls each k-mer has been scored on
    alive = np.arange(len(kmers))
    done = 0

    def score(rows, chunk):
        per_call = max(1, batch_kmers * n // max(1, chunk.stop - chunk.start))
        differences[rows, chunk] = kmer_differences(
            predict,
            nulls[chunk],
            [kmers[j] for j in rows],
            starts[chunk],
            baseline[chunk],
            batch_kmers=per_call,
        )
        seen[rows] = chunk.stop

    for i, size in enumerate(schedule):
        if i > 0:
            order = np.argsort(-differences[alive, :done].mean(axis=1), kind="stable")
            leaders = alive[order[:N_LEADERS]]
            unseen = leaders[seen[leaders] < n]
            if len(unseen):
                score(unseen, slice(done, n))
            covariate = differences[leaders].mean(axis=0)
            z = -float(stdtrit(done - 2, alpha))  # scipy.stats.t.isf(alpha, done - 2)
            keep = contenders(
                differences[alive, :done],
                top,
                z,
                covariate=covariate[:done],
                covariate_mean=float(covariate.mean()),
            )
            alive = alive[keep]
            # Once only the leaders are left, no further round can drop any of them.
            if len(alive) <= top:
                size = n
        rows = alive[seen[alive] < size]
        if len(rows):
            score(rows, slice(done, size))
        if log is not None:
            log(f"round {i + 1}: {len(alive)} k-mers scored on {size} of {n} nulls")
        done = size
        if size == n:
            break

    full = seen == n
    differences[full] = differences[full][:, np.argsort(shuffled)]
    rng = np.random.default_rng(0 if rng is None else rng)
    survived = np.zeros(len(kmers), dtype=bool)
    survived[alive] = True
    blocks = []
    # A leader scored on every null for the control variate and dropped later keeps its
    # all-null statistics, but is still reported as eliminated.
    for stage, members in (("refined", survived), ("eliminated", ~survived)):
        for count in sorted(set(seen[members].tolist()), reverse=True):
            rows = np.flatnonzero(members & (seen == count))
            block = _kmer_table(
                [kmers[j] for j in rows],
                position,
                differences[rows, :count],
                predict.refolds,
                n_boot,
                rng,
                confidence,
            )
            block["stage"] = stage
            blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    table["q_value"] = bh_fdr(table["p_value"])
    refined = _sorted(table[table["stage"] == "refined"])
    eliminated = _sorted(table[table["stage"] == "eliminated"])
    return pd.concat([refined, eliminated], ignore_index=True)
