"""In-silico mutagenesis (ISM): what each single-nucleotide change does to a prediction.

Saturation mutagenesis scores every possible substitution of a probe: for each real
(non-padding) position and each of the three other bases, the model's prediction for
the mutant minus its prediction for the wild type. On a probe the model scores highly
(e.g. the top Set B probes), positions whose mutations all lower the prediction mark
the binding site the model has learned. :func:`ism_logo_matrix` collapses the effects
to one attribution per position for a sequence logo; :func:`ism_table` keeps the
effects and attributions of real positions as a table (the workflow's ``ism.tsv``), and
:func:`ism_logos` turns such a table back into logo matrices without the model.

All mutants of a batch of probes are built as one array and scored in a single call of
``predict``, so the cost is ``3 * len + 1`` model evaluations per probe in large
batches. For models with structure channels the structure of every mutant is refolded
with ViennaRNA, which dominates the cost: about 0.6 ms per 36-nt fold on one core,
i.e. about 65 ms per probe, about 65 s per 1,000 probes (``threads`` folds in parallel).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from rbpgia.encode.onehot import channels_for, decode, one_hot
from rbpgia.encode.structure import SPAN, WINDOW, model_inputs, structure_profiles
from rbpgia.sequence import ALPHABET

# Mutants per call of ``predict``: large batches keep a model busy, 8192 x 41 x 9
# float32 inputs are about 12 MB.
BATCH_SIZE = 8192
DELTA_COLUMNS = tuple(f"delta_{base}" for base in ALPHABET)
ISM_COLUMNS = (
    "probe",
    "probe_id",
    "measured",
    "position",
    "base",
    *DELTA_COLUMNS,
    "attribution",
)


def _check_onehot(onehot) -> np.ndarray:
    onehot = np.asarray(onehot, dtype=np.float32)
    if onehot.ndim != 3 or onehot.shape[-1] != 4:
        raise ValueError(f"expected one-hot array of shape (N, L, 4), got {onehot.shape}")
    sums = onehot.sum(axis=-1)
    if not (np.isin(onehot, (0, 1)).all() and np.isin(sums, (0, 1)).all()):
        raise ValueError("not a one-hot array: rows must be all zero or hold a single 1")
    return onehot


def _inputs_for(
    onehot: np.ndarray, input_type: str, threads: int, window: int, span: int
) -> np.ndarray:
    """Model inputs of ``input_type`` for one-hot probes, folding them if needed."""
    if input_type == "seq":
        return onehot
    struct = structure_profiles(
        decode(onehot), max_length=onehot.shape[1], threads=threads, window=window, span=span
    )
    return model_inputs(onehot, struct, input_type)


def mutants(onehot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All single-nucleotide substitutions of one-hot probes, as one array.

    Parameters
    ----------
    onehot : np.ndarray, shape (N, L, 4)
        One-hot probes; all-zero rows are padding and are never mutated.

    Returns
    -------
    variants : np.ndarray of float32, shape (M, L, 4)
        ``M = 3 * (number of real positions)``; for each probe, each real position
        (in order) and each other base ``(observed + 1, + 2, + 3) mod 4``.
    probe, position, base : np.ndarray of int64, shape (M,)
        Which probe, position and new base each variant has.
    """
    onehot = _check_onehot(onehot)
    probe, position = np.nonzero(onehot.sum(axis=-1) == 1)
    observed = onehot[probe, position].argmax(axis=-1)
    probe, position = np.repeat(probe, 3), np.repeat(position, 3)
    base = (np.repeat(observed, 3) + np.tile([1, 2, 3], len(observed))) % 4
    variants = onehot[probe]
    row = np.arange(len(probe))
    variants[row, position] = 0.0
    variants[row, position, base] = 1.0
    return variants, probe, position, base


def saturation_mutagenesis(
    predict: Callable[[np.ndarray], np.ndarray],
    onehot: np.ndarray,
    input_type: str = "seq",
    batch_size: int = BATCH_SIZE,
    threads: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    window: int = WINDOW,
    span: int = SPAN,
) -> np.ndarray:
    """Effect of every single-nucleotide substitution on a model's prediction.

    Parameters
    ----------
    predict : callable (M, L, C) float32 -> (M,) or (M, 1)
        The model's prediction for one experiment (wrap a multi-output model).
    onehot : np.ndarray, shape (N, L, 4)
        Probes one-hot encoded and centred as :func:`rbpgia.encode.onehot.one_hot`
        does; all-zero rows are padding.
    input_type : {"seq", "pu", "struct"}
        The model's input. With ``pu`` or ``struct`` the wild types and every mutant
        are folded with :func:`~rbpgia.encode.structure.structure_profiles` and
        assembled with :func:`~rbpgia.encode.structure.model_inputs`, so a mutation
        also acts through the structure it changes (the expensive part: ``3 * len + 1``
        folds per probe).
    batch_size : int
        About how many mutants go to one call of ``predict``; whole probes are
        batched, at least one per call.
    threads : int
        Processes for folding (structure inputs only).
    progress : callable(n_done, n_total), optional
        Called after each batch of probes.
    window, span : int
        ViennaRNA's W and L for the folding: those the model's training profiles were
        folded with (:func:`rbpgia.encode.store.folding`).

    Returns
    -------
    np.ndarray of float32, shape (N, L, 4)
        ``scores[n, i, b]`` = prediction(probe n with base b at position i) -
        prediction(probe n). Zero at each observed base and on padding rows.
    """
    onehot = _check_onehot(onehot)
    channels_for(input_type)
    n, length, _ = onehot.shape
    if input_type != "seq" and n and not np.array_equal(one_hot(decode(onehot), length), onehot):
        # Structure is computed on the decoded sequence and re-centred; it must line up.
        raise ValueError("structure inputs need probes centred exactly as one_hot centres them")
    scores = np.zeros((n, length, 4), dtype=np.float32)
    per_batch = max(1, int(batch_size) // (3 * length))
    for start in range(0, n, per_batch):
        stop = min(start + per_batch, n)
        wild = onehot[start:stop]
        variants, probe, position, base = mutants(wild)
        # Wild types and mutants in one call: the model sees one large batch.
        inputs = _inputs_for(np.concatenate([wild, variants]), input_type, threads, window, span)
        predicted = np.asarray(predict(inputs), dtype=np.float64)
        if predicted.ndim == 2 and predicted.shape[1] == 1:
            predicted = predicted[:, 0]
        if predicted.shape != (len(inputs),):
            raise ValueError(
                f"predict must return shape ({len(inputs)},) or ({len(inputs)}, 1), "
                f"got {predicted.shape}"
            )
        reference, effect = predicted[: len(wild)], predicted[len(wild) :]
        scores[start + probe, position, base] = effect - reference[probe]
        if progress is not None:
            progress(stop, n)
    return scores


def ism_logo_matrix(scores: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Per-position ISM attribution, placed on the observed base, for a sequence logo.

    The attribution of a position is minus the mean effect of its three
    substitutions: positive where every change lowers the prediction (the base is
    needed), negative where changes raise it (the base is unfavourable). It is put on
    the observed base only, so a logo shows the probe's own sequence scaled by
    importance. (The alternative, the effect matrix centred per position, shows which
    base would be preferred instead; it is not used here.)

    Parameters
    ----------
    scores : np.ndarray, shape (N, L, 4)
        Output of :func:`saturation_mutagenesis` (zero at observed bases).
    onehot : np.ndarray, shape (N, L, 4)
        The probes the scores belong to.

    Returns
    -------
    np.ndarray of float32, shape (N, L, 4)
        Non-zero only at observed bases; padding rows are zero.
    """
    onehot = _check_onehot(onehot)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != onehot.shape:
        raise ValueError(f"scores {scores.shape} do not match one-hot {onehot.shape}")
    # Drop the observed base's entry (0 from saturation_mutagenesis) to keep the three.
    substituted = scores.sum(axis=-1) - (scores * onehot).sum(axis=-1)
    attribution = -substituted[..., None] / 3.0
    return (attribution * onehot).astype(np.float32)


def ism_table(
    scores: np.ndarray,
    onehot: np.ndarray,
    probes: np.ndarray,
    measured: np.ndarray,
    names: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per real position of each probe: its ISM effects and logo attribution.

    Parameters
    ----------
    scores : np.ndarray, shape (N, L, 4)
        Output of :func:`saturation_mutagenesis`.
    onehot : np.ndarray, shape (N, L, 4)
        The probes the scores belong to; padding rows are left out of the table.
    probes, measured : np.ndarray, shape (N,)
        Each probe's identifier (e.g. its row in the probe pool) and measured intensity.
    names : np.ndarray of str, shape (N,), optional
        Each probe's ID for the ``probe_id`` column (e.g. ``Probe_ID``); ``probes`` as
        text if omitted.

    Returns
    -------
    pd.DataFrame
        Columns ``ISM_COLUMNS``: ``position`` counts from 1 within the probe, ``base`` is
        the observed base, ``delta_X`` the change of the prediction when it becomes X
        (0 for the observed base) and ``attribution`` the value of
        :func:`ism_logo_matrix` there. Probes in the given order.
    """
    onehot = _check_onehot(onehot)
    scores = np.asarray(scores, dtype=np.float64)
    probes, measured = np.asarray(probes), np.asarray(measured, dtype=np.float64)
    if scores.shape != onehot.shape:
        raise ValueError(f"scores {scores.shape} do not match one-hot {onehot.shape}")
    names = probes.astype(str) if names is None else np.asarray(names, dtype=str)
    if {probes.shape, measured.shape, names.shape} != {(len(onehot),)}:
        raise ValueError(f"expected {len(onehot)} probe identifiers, names and measured values")
    real = onehot.sum(axis=-1) > 0
    probe_index, column = np.nonzero(real)
    position = column - np.argmax(real, axis=1)[probe_index] + 1
    attribution = ism_logo_matrix(scores, onehot).sum(axis=-1)
    table = {
        "probe": probes[probe_index],
        "probe_id": names[probe_index],
        "measured": measured[probe_index],
        "position": position,
        "base": np.array(list(ALPHABET))[onehot[real].argmax(axis=-1)],
    }
    table.update(zip(DELTA_COLUMNS, scores[real].T, strict=True))
    table["attribution"] = attribution[real]
    return pd.DataFrame(table, columns=list(ISM_COLUMNS))


def ism_logos(table: pd.DataFrame) -> list[tuple[object, float, str, np.ndarray]]:
    """Logo matrices back from an :func:`ism_table`, one per probe in table order.

    Returns
    -------
    list of (probe, measured, sequence, matrix)
        ``probe`` is the table's ``probe_id`` (``probe`` in tables written without one);
        ``matrix`` (len(sequence), 4) float32 holds the attribution on the observed base,
        as :func:`ism_logo_matrix` does without the padding rows.
    """
    missing = [
        column
        for column in ("probe", "measured", "position", "base", "attribution")
        if column not in table.columns
    ]
    if missing:
        raise ValueError(f"an ISM table needs columns {missing}")
    logos = []
    for probe, rows in table.groupby("probe", sort=False):
        rows = rows.sort_values("position")
        sequence = "".join(rows["base"])
        invalid = set(sequence) - set(ALPHABET)
        if invalid:
            raise ValueError(f"probe {probe}: bases {sorted(invalid)} are not {ALPHABET}")
        matrix = np.zeros((len(rows), len(ALPHABET)), dtype=np.float32)
        matrix[np.arange(len(rows)), [ALPHABET.index(base) for base in sequence]] = rows[
            "attribution"
        ].to_numpy()
        name = rows["probe_id"].iloc[0] if "probe_id" in rows else probe
        logos.append((name, float(rows["measured"].iloc[0]), sequence, matrix))
    return logos
