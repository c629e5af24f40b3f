"""Secondary-structure profiles of RNA probes from ViennaRNA window folding.

For each nucleotide, ViennaRNA's sliding-window partition function (the algorithm of
RNAplfold, here with window W = 41 and maximal base-pair span L = 41, so a probe of at
most 41 nt is folded as a whole) gives the probability that it is unpaired, split by the
loop it sits in: hairpin, interior (bulges included), multi or exterior loop. The
probability that it is paired is what is left: ``1 - (hairpin + interior + multi +
exterior)``. The five numbers are the profile channels ``[paired, hairpin, interior,
multi, exterior]``; they sum to 1 on every nucleotide.

Profiles are centred in a ``max_length`` window exactly like :func:`~rbpgia.encode.onehot.one_hot`,
with all-zero padding rows, so structure and sequence rows line up.

Folding dominates the cost (about 0.6 ms per 36-nt probe on one core); the Python side
only appends one float per ViennaRNA callback and turns a whole chunk of probes into an
array at once (about 2% over ViennaRNA alone). ``threads > 1`` folds chunks of probes in
a pool of forked processes.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
from collections.abc import Callable, Iterable

import numpy as np
import RNA

from rbpgia.encode.onehot import MAX_LENGTH, channels_for, pad_offsets
from rbpgia.encode.onehot import _validated as _validated_sequences

STRUCTURE_CHANNELS = ("paired", "hairpin", "interior", "multi", "exterior")
WINDOW = 41
SPAN = 41
# Probes per unit of work: large enough that a process round trip is negligible,
# small enough that progress is reported often (about 1 s of folding).
CHUNK_SIZE = 1000

_UNPAIRED_FLAGS = RNA.PROBS_WINDOW_UP | RNA.PROBS_WINDOW_UP_SPLIT
# ViennaRNA reports, for each nucleotide in turn, its unpaired probability in these loop
# types, in this order (checked once per process by `_check_report_order`) ...
_REPORTED_LOOPS = (RNA.EXT_LOOP, RNA.HP_LOOP, RNA.INT_LOOP, RNA.MB_LOOP)
# ... which become profile channels hairpin, interior, multi, exterior (1-4) in this order.
_LOOPS_TO_CHANNELS = [1, 2, 3, 0]


def viennarna_version() -> str:
    """Version of the ViennaRNA library that computes the profiles (e.g. ``"2.8.0"``)."""
    return str(RNA.__version__)


def _window_model(window: int, span: int) -> RNA.md:
    md = RNA.md()
    md.window_size = window
    md.max_bp_span = span
    return md


@functools.cache
def _check_report_order() -> None:
    """Make sure ViennaRNA reports positions and loop types in the order `_fold_chunk` assumes.

    Recording only the probability in the callback (not its position and loop type) keeps
    the per-probe Python cost near zero; this one-off check on a small hairpin guards
    that shortcut against a ViennaRNA release that changes the reporting order.
    """
    probe = "GGGGAAACCCCA"
    reports = []
    fc = RNA.fold_compound(probe, _window_model(WINDOW, SPAN), RNA.OPTION_WINDOW)
    fc.probs_window(
        1, _UNPAIRED_FLAGS, lambda v, size, i, m, what, data: reports.append((i, what)), None
    )
    expected = [
        (i, RNA.PROBS_WINDOW_UP | loop)
        for i in range(1, len(probe) + 1)
        for loop in _REPORTED_LOOPS
    ]
    if reports != expected:
        raise RuntimeError(
            f"ViennaRNA {viennarna_version()} reports unpaired probabilities in an "
            "unexpected order; rbpgia.encode.structure needs updating"
        )


def _fold_chunk(task: tuple[list[str], int, int]) -> np.ndarray:
    """Window-fold probes and return their loop-type unpaired probabilities.

    Returns
    -------
    np.ndarray of float64, shape (total length of the probes, 4)
        One row per nucleotide, probe after probe; columns in `_REPORTED_LOOPS` order.
    """
    sequences, window, span = task
    _check_report_order()
    md = _window_model(window, span)
    values: list[float] = []
    append = values.append

    def collect(v, size, i, max_size, what, data):
        # ulength 1: v[1] is the probability that nucleotide i is unpaired in loop type `what`.
        append(v[1])

    for seq in sequences:
        before = len(values)
        fc = RNA.fold_compound(seq, md, RNA.OPTION_WINDOW)
        if not fc.probs_window(1, _UNPAIRED_FLAGS, collect, None):
            raise RuntimeError(f"ViennaRNA window folding failed on {seq!r}")
        if len(values) - before != len(_REPORTED_LOOPS) * len(seq):
            raise RuntimeError(f"ViennaRNA reported {len(values) - before} values for {seq!r}")
    return np.array(values, dtype=np.float64).reshape(-1, len(_REPORTED_LOOPS))


def _profiles_from_unpaired(unpaired: np.ndarray, lengths: np.ndarray, max_length: int):
    """Centre `_fold_chunk` rows into (n, max_length, 5) profiles and add the paired channel."""
    profiles = np.zeros((len(lengths), max_length, len(STRUCTURE_CHANNELS)), dtype=np.float32)
    probe = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    column = np.arange(len(unpaired)) - starts[probe] + pad_offsets(lengths, max_length)[probe]
    profiles[probe, column, 1:] = unpaired[:, _LOOPS_TO_CHANNELS]
    # Round-off can push the loop-type sum a hair above 1.
    profiles[probe, column, 0] = np.clip(1.0 - unpaired.sum(axis=1), 0.0, None)
    return profiles


def structure_profiles(
    sequences: Iterable[str],
    max_length: int = MAX_LENGTH,
    window: int = WINDOW,
    span: int = SPAN,
    threads: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Per-nucleotide structure profiles ``[paired, hairpin, interior, multi, exterior]``.

    Parameters
    ----------
    sequences : iterable of str, length N
        Probes over ACGU, 1 to ``max_length`` nt.
    max_length : int
        Window the profiles are centred in (same centring as ``one_hot``).
    window, span : int
        ViennaRNA window size W and maximal base-pair span L (RNAplfold ``-W`` / ``-L``).
    threads : int
        Processes to fold in; results are identical to ``threads=1`` and in input order.
    progress : callable(n_done, n_total), optional
        Called after every chunk of probes, e.g. to log progress.

    Returns
    -------
    np.ndarray of float32, shape (N, max_length, 5)
        Rows of real nucleotides sum to 1; padding rows are all zero.
    """
    seqs, lengths, _ = _validated_sequences(sequences, max_length)
    if not 1 <= span <= window:
        raise ValueError(f"need 1 <= span <= window, got span={span}, window={window}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    n = len(seqs)
    chunk = max(1, min(CHUNK_SIZE, math.ceil(n / (4 * threads)))) if n else 1
    bounds = [(a, min(a + chunk, n)) for a in range(0, n, chunk)]
    tasks = [(seqs[a:b], window, span) for a, b in bounds]
    out = np.zeros((n, max_length, len(STRUCTURE_CHANNELS)), dtype=np.float32)

    def store(results):
        for (a, b), unpaired in zip(bounds, results, strict=False):
            out[a:b] = _profiles_from_unpaired(unpaired, lengths[a:b], max_length)
            if progress is not None:
                progress(b, n)

    _check_report_order()  # once, before forking, so workers inherit the result
    if threads == 1 or len(tasks) <= 1:
        store(map(_fold_chunk, tasks))
    else:
        with multiprocessing.get_context("fork").Pool(min(threads, len(tasks))) as pool:
            store(pool.imap(_fold_chunk, tasks))
    return out


def pu_profiles(struct: np.ndarray) -> np.ndarray:
    """Collapse structure profiles to ``[paired, unpaired]``.

    Parameters
    ----------
    struct : np.ndarray, shape (N, L, 5)
        ``[paired, hairpin, interior, multi, exterior]`` profiles.

    Returns
    -------
    np.ndarray of float32, shape (N, L, 2)
        Paired probability and the sum of the four loop-type unpaired probabilities.
    """
    struct = np.asarray(struct, dtype=np.float32)
    if struct.ndim != 3 or struct.shape[-1] != len(STRUCTURE_CHANNELS):
        raise ValueError(f"expected structure profiles of shape (N, L, 5), got {struct.shape}")
    return np.stack([struct[..., 0], struct[..., 1:].sum(axis=-1)], axis=-1)


def model_inputs(onehot: np.ndarray, struct: np.ndarray | None, input_type: str) -> np.ndarray:
    """Assemble the model input of ``input_type`` by stacking channels on the last axis.

    ``seq``: one-hot (4 channels); ``pu``: one-hot + [paired, unpaired] (6);
    ``struct``: one-hot + [paired, hairpin, interior, multi, exterior] (9).

    Parameters
    ----------
    onehot : np.ndarray, shape (N, L, 4)
    struct : np.ndarray, shape (N, L, 5), or None for ``seq``
    input_type : {"seq", "pu", "struct"}

    Returns
    -------
    np.ndarray of float32, shape (N, L, channels_for(input_type))
    """
    channels_for(input_type)
    onehot = np.asarray(onehot, dtype=np.float32)
    if onehot.ndim != 3 or onehot.shape[-1] != 4:
        raise ValueError(f"expected one-hot array of shape (N, L, 4), got {onehot.shape}")
    if input_type == "seq":
        return onehot
    if struct is None:
        raise ValueError(f"input_type {input_type!r} needs structure profiles")
    struct = np.asarray(struct, dtype=np.float32)
    if struct.shape != (*onehot.shape[:2], len(STRUCTURE_CHANNELS)):
        raise ValueError(f"structure profiles {struct.shape} do not match one-hot {onehot.shape}")
    extra = pu_profiles(struct) if input_type == "pu" else struct
    return np.concatenate([onehot, extra], axis=-1)
