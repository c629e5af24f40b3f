"""Train / validation / test split of one experiment's probes.

RNAcompete's design already holds out a test pool: Set B shares no sequences with Set A by
construction. Models train on Set A, with a seeded random fraction of it held back for
validation (early stopping), and are evaluated on Set B. Probes without a measurement in
the experiment (NaN target) belong to no split.
"""

from __future__ import annotations

import numpy as np

SPLITS = ("train", "valid", "test")


def validation_size(n_set_a: int, valid_fraction: float) -> int:
    """Validation probes of ``n_set_a`` measured Set A probes: the nearest whole number."""
    return int(round(valid_fraction * n_set_a))


def split_problem(n_set_a: int, valid_fraction: float) -> str | None:
    """Why ``n_set_a`` measured Set A probes cannot be split at ``valid_fraction``, or None.

    The training split needs two probes (a spread to standardise by), the validation one
    probe; known from the counts alone, before any job (encoded/experiments.tsv).
    """
    n_valid = validation_size(n_set_a, valid_fraction)
    if n_valid < 1 or n_set_a - n_valid < 2:
        return (
            f"{n_set_a} measured Set A probes give {n_valid} validation and "
            f"{n_set_a - n_valid} training probes at valid_fraction={valid_fraction}"
        )
    return None


def split_indices(
    sets: np.ndarray, target: np.ndarray, valid_fraction: float = 0.1, seed: int = 0
) -> dict[str, np.ndarray]:
    """Indices of the training, validation and test probes of one experiment.

    Parameters
    ----------
    sets : array of str, shape (N,)
        ``"A"`` or ``"B"`` per probe.
    target : array of float, shape (N,)
        The experiment's targets; NaN probes are left out of every split.
    valid_fraction : float
        Share of the measured Set A probes used for validation, rounded to the nearest
        whole probe; must lie strictly between 0 and 1.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same split.

    Returns
    -------
    dict
        ``{"train": ..., "valid": ..., "test": ...}``, sorted, disjoint int64 index arrays
        into the pool; ``test`` is every measured Set B probe.

    Raises
    ------
    ValueError
        Mismatched lengths, labels other than ``A``/``B``, ``valid_fraction`` outside
        (0, 1), or a split that would be empty.
    """
    sets = np.asarray(sets)
    if sets.dtype.kind == "S":  # labels straight from HDF5
        sets = sets.astype(str)
    target = np.asarray(target, dtype=np.float64)
    if sets.shape != target.shape or sets.ndim != 1:
        raise ValueError(f"sets {sets.shape} and target {target.shape} must be 1-D, same length")
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must lie strictly between 0 and 1, not {valid_fraction}")
    unknown = np.setdiff1d(np.unique(sets), ["A", "B"])
    if unknown.size:
        raise ValueError(f"unknown set labels {unknown.tolist()}; expected 'A' or 'B'")
    measured = ~np.isnan(target)
    set_a = np.flatnonzero(measured & (sets == "A"))
    test = np.flatnonzero(measured & (sets == "B"))
    n_valid = validation_size(set_a.size, valid_fraction)
    chosen = np.random.default_rng(seed).permutation(set_a.size)[:n_valid]
    in_valid = np.zeros(set_a.size, dtype=bool)
    in_valid[chosen] = True
    splits = {"train": set_a[~in_valid], "valid": set_a[in_valid], "test": test}
    for name, indices in splits.items():
        if indices.size == 0:
            raise ValueError(
                f"the {name} split is empty ({set_a.size} measured Set A probes, "
                f"{test.size} measured Set B probes, valid_fraction={valid_fraction})"
            )
    return {name: indices.astype(np.int64) for name, indices in splits.items()}
