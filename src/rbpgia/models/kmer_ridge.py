"""k-mer ridge regression: the linear baseline in the spirit of RNAcompete's own analysis.

RNAcompete summarises a protein's specificity by how strongly each short k-mer is
enriched in bound probes. The baseline here turns that into a predictor: count every
k-mer (k = 1..6 by default, 4 + 16 + ... + 4096 = 5,460 features) in each probe and fit
a ridge regression of the measured score on the counts. The model is four numbers and
a coefficient vector, saved as ``.npz`` without pickle.

Feature layout: the k-mers of each k occupy a contiguous block, blocks in increasing k;
inside a block a k-mer's column is its base-4 number over ``ACGU`` (A=0, ..., U=3),
first letter most significant, so ``kmer_names`` lists the columns in order.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse

from rbpgia.errors import InputError
from rbpgia.io import atomic_open
from rbpgia.sequence import ALPHABET

# Candidate penalties; counts are O(1) per feature, so 1e-2 .. 1e4 spans from nearly
# unpenalised to nearly constant.
ALPHA_GRID = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)


@dataclass(frozen=True)
class KmerRidge:
    """A fitted k-mer ridge model: ``score = kmer_counts(x) @ coef + intercept``.

    Attributes
    ----------
    coef : np.ndarray of float64, shape (n_features,)
        One weight per k-mer, in the column order of :func:`kmer_counts`.
    intercept : float
    k_min, k_max : int
        The k-mer lengths counted.
    alpha : float
        The ridge penalty used (chosen on held-out probes when not given).
    """

    coef: np.ndarray
    intercept: float
    k_min: int
    k_max: int
    alpha: float


def n_kmer_features(k_max: int = 6, k_min: int = 1) -> int:
    """Number of columns of :func:`kmer_counts`: the sum of 4**k for k = k_min..k_max."""
    return sum(len(ALPHABET) ** k for k in range(k_min, k_max + 1))


def kmer_names(k_max: int = 6, k_min: int = 1) -> list[str]:
    """The k-mer of each column of :func:`kmer_counts`, in order."""
    return [
        "".join(letters)
        for k in range(k_min, k_max + 1)
        for letters in itertools.product(ALPHABET, repeat=k)
    ]


def _check_k_range(k_min: int, k_max: int) -> None:
    if not 1 <= k_min <= k_max:
        raise InputError(
            f"k-mer lengths need 1 <= k_min <= k_max, got k_min={k_min}, k_max={k_max}"
        )


def kmer_counts(onehot: np.ndarray, k_max: int = 6, k_min: int = 1) -> scipy.sparse.csr_matrix:
    """Count every k-mer (k = k_min..k_max) in each one-hot probe.

    Each position is read as a letter code 0..3; a position that is not exactly one-hot
    (the all-zero padding of shorter probes) is "no letter", and any window touching one
    forms no k-mer. The code of the window starting at position i is accumulated as a
    base-4 number, one extra letter per k, so all k are counted in one sweep without a
    Python loop over probes.

    Parameters
    ----------
    onehot : np.ndarray, shape (N, L, 4)
        One-hot probes over ``ACGU``; pass only the 4 sequence channels.
    k_max, k_min : int
        Range of k-mer lengths counted.

    Returns
    -------
    scipy.sparse.csr_matrix of float32, shape (N, n_kmer_features(k_max, k_min))
        Sparse because a 41-nt probe holds at most 41 of the 5,460 k-mers of each k.
    """
    _check_k_range(k_min, k_max)
    onehot = np.asarray(onehot)
    if onehot.ndim != 3 or onehot.shape[2] != len(ALPHABET):
        raise InputError(
            f"k-mer counting needs one-hot probes of shape (N, L, 4), got {onehot.shape}"
        )
    n, length, _ = onehot.shape
    letters = onehot.argmax(axis=2).astype(np.int64)
    is_letter = (onehot.max(axis=2) == 1) & (onehot.sum(axis=2) == 1)

    rows, cols = [], []
    offset = 0
    codes = np.zeros((n, length), dtype=np.int64)
    complete = np.ones((n, length), dtype=bool)
    for k in range(1, k_max + 1):
        # Extend the windows that start at 0 .. length-k by their k-th letter.
        starts = length - k + 1
        if starts <= 0:
            break
        codes = codes[:, :starts] * len(ALPHABET) + letters[:, k - 1 : k - 1 + starts]
        complete = complete[:, :starts] & is_letter[:, k - 1 : k - 1 + starts]
        if k >= k_min:
            probe, start = np.nonzero(complete)
            # int32 halves the memory of the ~N * 41 * 6 index pairs.
            rows.append(probe.astype(np.int32))
            cols.append((offset + codes[probe, start]).astype(np.int32))
            offset += len(ALPHABET) ** k
    n_features = n_kmer_features(k_max, k_min)
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
    counts = scipy.sparse.coo_matrix(
        (np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(n, n_features)
    )
    return counts.tocsr()  # sums the repeated (probe, k-mer) entries


@dataclass(frozen=True)
class _Moments:
    """Sufficient statistics of a least-squares problem: n, X'X, X'y, sum x, sum y."""

    n: int
    gram: np.ndarray
    xty: np.ndarray
    x_sum: np.ndarray
    y_sum: float

    def __add__(self, other: _Moments) -> _Moments:
        return _Moments(
            self.n + other.n,
            self.gram + other.gram,
            self.xty + other.xty,
            self.x_sum + other.x_sum,
            self.y_sum + other.y_sum,
        )

    def solve(self, alpha: float) -> tuple[np.ndarray, float]:
        """Ridge coefficients and intercept from the centred normal equations.

        Minimises ``||y - X w - b||^2 + alpha ||w||^2`` (scikit-learn's ``Ridge``): with
        column means m and mean target t, ``(X'X - n m m' + alpha I) w = X'y - n m t`` and
        ``b = t - m . w``. The matrix is positive definite for alpha > 0, so Cholesky.
        """
        mean = self.x_sum / self.n
        y_mean = self.y_sum / self.n
        lhs = self.gram - self.n * np.outer(mean, mean)
        lhs[np.diag_indices_from(lhs)] += alpha
        rhs = self.xty - self.n * mean * y_mean
        coef = scipy.linalg.cho_solve(scipy.linalg.cho_factor(lhs, check_finite=False), rhs)
        return coef, float(y_mean - mean @ coef)


def _moments(features: scipy.sparse.csr_matrix, y: np.ndarray, chunk_rows: int = 16384) -> _Moments:
    """Accumulate X'X densely over row blocks, which bounds the sparse product's memory."""
    n_features = features.shape[1]
    gram = np.zeros((n_features, n_features), dtype=np.float64)
    for start in range(0, features.shape[0], chunk_rows):
        block = features[start : start + chunk_rows].astype(np.float64)
        gram += (block.T @ block).toarray()
    return _Moments(
        n=features.shape[0],
        gram=gram,
        xty=np.asarray(features.T @ y, dtype=np.float64).ravel(),
        x_sum=np.asarray(features.sum(axis=0, dtype=np.float64)).ravel(),
        y_sum=float(y.sum()),
    )


@dataclass(frozen=True)
class _ProbeSpace:
    """The ridge problem of fewer probes than features, kept as its centred rows.

    The same minimiser as :meth:`_Moments.solve`'s, from an n x n system instead of a
    features x features one: with centred X and y, ``w = X' (X X' + alpha I)^-1 y``.
    A small pool (a test's, a quick look at one RBP) then fits in a fraction of a second.
    """

    centred: np.ndarray
    y_centred: np.ndarray
    kernel: np.ndarray
    mean: np.ndarray
    y_mean: float

    @classmethod
    def of(cls, features: scipy.sparse.csr_matrix, y: np.ndarray) -> _ProbeSpace:
        centred = features.toarray().astype(np.float64)
        mean = centred.mean(axis=0)
        centred -= mean  # in place: the dense rows are the largest array here
        y_mean = float(y.mean())
        return cls(centred, y - y_mean, centred @ centred.T, mean, y_mean)

    def solve(self, alpha: float) -> tuple[np.ndarray, float]:
        lhs = self.kernel.copy()
        lhs[np.diag_indices_from(lhs)] += alpha
        factor = scipy.linalg.cho_factor(lhs, check_finite=False)
        coef = self.centred.T @ scipy.linalg.cho_solve(factor, self.y_centred)
        return coef, float(self.y_mean - self.mean @ coef)


def _ridge_problem(features: scipy.sparse.csr_matrix, y: np.ndarray):
    """(features, y) made ready to solve at any penalty: ``solve(alpha) -> (coef, intercept)``.

    In probe space when there are fewer probes than features, else as normal equations.
    """
    if features.shape[0] < features.shape[1]:
        return _ProbeSpace.of(features, y)
    return _moments(features, y)


def _best_alpha(
    problem: _Moments | _ProbeSpace, features: scipy.sparse.csr_matrix, y: np.ndarray
) -> tuple[float, np.ndarray, float]:
    """The grid penalty whose fit to ``problem`` has the lowest MSE on (features, y).

    Returns the penalty with that fit's coefficients and intercept.
    """
    fits, errors = [], []
    for alpha in ALPHA_GRID:
        coef, intercept = problem.solve(alpha)
        fits.append((alpha, coef, intercept))
        errors.append(float(np.mean((features @ coef + intercept - y) ** 2)))
    return fits[int(np.argmin(errors))]


def _targets(y, n: int, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.size != n:
        raise InputError(f"{n} {what} probes but {y.size} targets")
    if not np.all(np.isfinite(y)):
        raise InputError(
            f"{what} targets contain NaN or infinite values; remove those probes first"
        )
    return y


def fit_kmer_ridge(
    x_onehot: np.ndarray,
    y: np.ndarray,
    alpha: float | None = None,
    k_max: int = 6,
    k_min: int = 1,
    x_valid: np.ndarray | None = None,
    y_valid: np.ndarray | None = None,
) -> KmerRidge:
    """Fit a ridge regression (with intercept) of ``y`` on the k-mer counts of ``x_onehot``.

    The penalty ``alpha`` is either given or chosen from :data:`ALPHA_GRID` by the
    mean squared error on held-out probes:

    - with ``x_valid``/``y_valid``, on those (the split the neural networks use); the
      returned model is the fit to the training probes with the chosen alpha;
    - otherwise on every 10th training probe, fitting the other nine tenths; the model
      is then refitted on all training probes with the chosen alpha.

    The solver accumulates the normal equations once (X'X is only 5,460 x 5,460 for
    k <= 6) and solves them by Cholesky per alpha, the same problem as scikit-learn's
    ``Ridge`` but minutes faster than its cross-validated variants on 10^5 probes; with
    fewer probes than features it solves the same problem in probe space instead.

    Parameters
    ----------
    x_onehot : np.ndarray, shape (N, L, 4)
        One-hot training probes.
    y : np.ndarray, shape (N,)
        Measured scores; must be finite (drop missing targets first).
    alpha : float, optional
        Ridge penalty (> 0); ``None`` chooses it as above.
    k_max, k_min : int
        Range of k-mer lengths used as features.
    x_valid, y_valid : np.ndarray, optional
        Validation probes and scores for choosing alpha.

    Returns
    -------
    KmerRidge
    """
    features = kmer_counts(x_onehot, k_max=k_max, k_min=k_min)
    y = _targets(y, features.shape[0], "training")
    if alpha is not None:
        if not alpha > 0:
            raise InputError(f"ridge penalty alpha must be positive, got {alpha}")
        coef, intercept = _ridge_problem(features, y).solve(alpha)
    elif x_valid is not None:
        valid_features = kmer_counts(x_valid, k_max=k_max, k_min=k_min)
        y_valid = _targets(y_valid, valid_features.shape[0], "validation")
        alpha, coef, intercept = _best_alpha(_ridge_problem(features, y), valid_features, y_valid)
    else:
        if y.size < 20:
            raise InputError(f"{y.size} probes are too few to choose alpha; give alpha")
        held_out = np.zeros(y.size, dtype=bool)
        held_out[::10] = True
        fitted = _ridge_problem(features[~held_out], y[~held_out])
        alpha, _, _ = _best_alpha(fitted, features[held_out], y[held_out])
        if isinstance(fitted, _Moments):  # the held-out rows' moments complete it
            everything = fitted + _moments(features[held_out], y[held_out])
        else:
            everything = _ridge_problem(features, y)
        coef, intercept = everything.solve(alpha)
    return KmerRidge(coef=coef, intercept=intercept, k_min=k_min, k_max=k_max, alpha=float(alpha))


def predict_kmer_ridge(model: KmerRidge, x_onehot: np.ndarray) -> np.ndarray:
    """Predicted scores, shape (N,), float64, of a fitted :class:`KmerRidge`."""
    features = kmer_counts(x_onehot, k_max=model.k_max, k_min=model.k_min)
    return np.asarray(features @ model.coef, dtype=np.float64) + model.intercept


def save_kmer_ridge(model: KmerRidge, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` as an uncompressed ``.npz`` of plain arrays (no pickle).

    The file appears only once complete (atomic write).
    """
    with atomic_open(path, "wb") as handle:
        # A file handle stops np.savez from appending ".npz" to the temporary name.
        np.savez(
            handle,
            coef=np.asarray(model.coef, dtype=np.float64),
            intercept=np.float64(model.intercept),
            k_min=np.int64(model.k_min),
            k_max=np.int64(model.k_max),
            alpha=np.float64(model.alpha),
        )


def load_kmer_ridge(path: str | os.PathLike) -> KmerRidge:
    """Read a model written by :func:`save_kmer_ridge`, refusing pickled content.

    Raises
    ------
    InputError
        If the file is missing, not an ``.npz``, or its arrays are inconsistent.
    """
    keys = ("coef", "intercept", "k_min", "k_max", "alpha")
    try:
        stored = np.load(path, allow_pickle=False)
        if not isinstance(stored, np.lib.npyio.NpzFile):
            raise InputError("not a k-mer ridge model: not an .npz archive", path)
        with stored:
            missing = [key for key in keys if key not in stored.files]
            if missing:
                raise InputError(f"not a k-mer ridge model: missing arrays {missing}", path)
            values = {key: stored[key] for key in keys}
    except InputError:
        raise
    except (OSError, ValueError) as error:  # missing file, not a zip, pickled arrays
        raise InputError(f"cannot read k-mer ridge model: {error}", path) from error
    k_min, k_max = int(values["k_min"]), int(values["k_max"])
    coef = np.asarray(values["coef"], dtype=np.float64)
    try:
        _check_k_range(k_min, k_max)
    except InputError as error:
        raise InputError(str(error), path) from None
    if coef.shape != (n_kmer_features(k_max, k_min),):
        raise InputError(
            f"coef has shape {coef.shape}, expected ({n_kmer_features(k_max, k_min)},) "
            f"for k = {k_min}..{k_max}",
            path,
        )
    return KmerRidge(
        coef=coef,
        intercept=float(values["intercept"]),
        k_min=k_min,
        k_max=k_max,
        alpha=float(values["alpha"]),
    )
