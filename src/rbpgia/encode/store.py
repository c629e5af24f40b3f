"""The encoded probe pool on disk: ``results/<dataset>/encoded/probes.h5``.

A data set's probes are encoded once (one-hot + structure profiles) and every RBP of the
data set reads its model inputs and its own targets from the same file. Layout:

``/onehot``      uint8 (N, L, 4), A, C, G, U channels, probes centred, zero padding
``/structure``   float32 (N, L, 5), [paired, hairpin, interior, multi, exterior]
``/length``      int16 (N,), probe length
``/set``         bytes "A"/"B" (N,)
``/sequence``    UTF-8 strings (N,)
``/name``        UTF-8 strings (N,), the probes' own IDs (``Probe_ID``); only where the
                 source has them (:func:`read_names` falls back to row numbers)
``/targets/<experiment>``  float32 (N,), NaN where missing; one dataset per experiment
so that reading one RBP's targets never loads the others.

Root attributes: ``max_length``, ``alphabet``, ``structure_channels``,
``viennarna_version``, ``window``, ``span``, ``experiments``, ``format_version``, ``source``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

from rbpgia.data.probes import Probes, check_name
from rbpgia.encode.onehot import MAX_LENGTH, channels_for, decode, one_hot
from rbpgia.encode.structure import (
    SPAN,
    STRUCTURE_CHANNELS,
    WINDOW,
    model_inputs,
    structure_profiles,
    viennarna_version,
)
from rbpgia.errors import InputError
from rbpgia.io import atomic_path
from rbpgia.sequence import ALPHABET

FORMAT_VERSION = 1
# Rows per HDF5 chunk: about 3 MB of structure profiles.
_CHUNK_ROWS = 4096


class UnknownExperimentError(InputError, KeyError):
    """An experiment ID that the encoded file has no targets for."""

    __str__ = InputError.__str__  # not KeyError's quoted repr


def check_probe_lengths(probes: Probes, max_length: int = MAX_LENGTH) -> None:
    """Refuse a pool with probes longer than the frame, naming the file and the probes.

    Raises
    ------
    InputError
        Naming the pool's source, how many probes are too long, the first one's ID (or row)
        and set, and the setting that widens the frame (``encode.max_length``).
    """
    lengths = np.fromiter((len(s) for s in probes.sequences), dtype=np.int64, count=len(probes))
    too_long = np.flatnonzero(lengths > max_length)
    if too_long.size:
        first = int(too_long[0])
        which = (
            f"probe {probes.names[first]}"
            if probes.names is not None
            else f"row {first} of the pool"
        )
        sequence = str(probes.sequences[first])
        shown = sequence if len(sequence) <= 50 else sequence[:47] + "..."
        raise InputError(
            f"{too_long.size} probe(s) longer than encode.max_length={max_length} nt (the "
            f"longest {int(lengths.max())} nt); the first: {which} (Set {probes.sets[first]}, "
            f"{lengths[first]} nt: {shown}). Raise encode.max_length or drop those probes",
            probes.source or None,
        )


def encode_probes(
    probes: Probes,
    max_length: int = MAX_LENGTH,
    window: int = WINDOW,
    span: int = SPAN,
    threads: int = 1,
    progress: Callable[[int, int], None] | None = None,
    structure: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One-hot encoding and structure profiles of a probe pool.

    ``structure``, if given, are the probes' profiles folded earlier with the same
    ``max_length``, ``window`` and ``span`` (:mod:`rbpgia.encode.folded`); they are used
    instead of folding again.

    Returns
    -------
    onehot : np.ndarray of float32, shape (N, max_length, 4)
    structure : np.ndarray of float32, shape (N, max_length, 5)
    """
    check_probe_lengths(probes, max_length)
    onehot = one_hot(probes.sequences, max_length)
    if structure is None:
        structure = structure_profiles(
            probes.sequences,
            max_length,
            window=window,
            span=span,
            threads=threads,
            progress=progress,
        )
    elif structure.shape != (*onehot.shape[:2], len(STRUCTURE_CHANNELS)):
        raise ValueError(f"structure has shape {structure.shape}; the probes need {onehot.shape}")
    return onehot, np.asarray(structure, dtype=np.float32)


def write_probes_h5(
    path: str | os.PathLike,
    probes: Probes,
    onehot: np.ndarray,
    structure: np.ndarray,
    attrs: dict | None = None,
) -> None:
    """Write the encoded probe pool to ``path`` in one go (atomically).

    Parameters
    ----------
    path : path-like
        Output ``.h5`` file; it appears only once complete.
    probes : Probes
        The pool that ``onehot`` and ``structure`` encode, row for row.
    onehot : np.ndarray, shape (N, L, 4)
        0/1 one-hot encoding (stored as uint8).
    structure : np.ndarray, shape (N, L, 5)
        Structure profiles.
    attrs : dict, optional
        Root attributes that override the defaults (``window`` and ``span`` default to
        41, ``viennarna_version`` to the installed one, ``source`` to ``probes.source``).
    """
    n = len(probes)
    onehot = np.asarray(onehot)
    structure = np.asarray(structure, dtype=np.float32)
    if onehot.ndim != 3 or onehot.shape[0] != n or onehot.shape[2] != len(ALPHABET):
        raise ValueError(f"one-hot array {onehot.shape} does not fit {n} probes (need (N, L, 4))")
    max_length = onehot.shape[1]
    if structure.shape != (n, max_length, len(STRUCTURE_CHANNELS)):
        raise ValueError(f"structure array {structure.shape} does not fit one-hot {onehot.shape}")
    sequences = [str(s) for s in probes.sequences]
    mismatch = [i for i, s in enumerate(decode(onehot)) if s != sequences[i]]
    if mismatch:
        raise ValueError(f"one-hot row {mismatch[0]} does not encode probe {mismatch[0]}")
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=n)
    experiments = [
        check_name(e, "experiment ID", probes.source or None) for e in probes.experiments
    ]

    root_attrs = {
        "max_length": max_length,
        "alphabet": ALPHABET,
        "structure_channels": ",".join(STRUCTURE_CHANNELS),
        "viennarna_version": viennarna_version(),
        "window": WINDOW,
        "span": SPAN,
        "experiments": experiments,
        "format_version": FORMAT_VERSION,
        "source": str(probes.source),
    }
    root_attrs.update(attrs or {})

    chunk_rows = max(1, min(_CHUNK_ROWS, n))
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        # gzip shrinks the one-hot ~8x and still reads fast; the structure floats barely
        # compress, so they get the cheap lzf filter.
        h5.create_dataset(
            "onehot",
            data=onehot.astype(np.uint8),
            chunks=(chunk_rows, max_length, len(ALPHABET)) if n else None,
            compression="gzip" if n else None,
            shuffle=bool(n),
        )
        h5.create_dataset(
            "structure",
            data=structure,
            chunks=(chunk_rows, max_length, len(STRUCTURE_CHANNELS)) if n else None,
            compression="lzf" if n else None,
        )
        h5.create_dataset("length", data=lengths.astype(np.int16))
        h5.create_dataset("set", data=np.asarray(probes.sets, dtype="S1"))
        h5.create_dataset(
            "sequence",
            data=sequences,
            dtype=h5py.string_dtype("utf-8"),
        )
        if probes.names is not None:
            h5.create_dataset(
                "name", data=[str(s) for s in probes.names], dtype=h5py.string_dtype("utf-8")
            )
        targets = h5.create_group("targets")
        for experiment in experiments:
            targets.create_dataset(
                experiment, data=probes.targets[experiment].to_numpy(dtype=np.float32)
            )
        for key, value in root_attrs.items():
            h5.attrs[key] = value


def _open(path: str | os.PathLike) -> h5py.File:
    """Open an encoded file for reading; a missing or corrupt file raises InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError("encoded probe file not found", path)
    try:
        h5 = h5py.File(path, "r")
    except OSError as err:
        raise InputError(f"cannot read HDF5 file (truncated or corrupt?): {err}", path) from None
    version = h5.attrs.get("format_version")
    if version != FORMAT_VERSION:
        h5.close()
        raise InputError(
            f"unsupported encoded-probe format_version {version!r} (expected {FORMAT_VERSION})",
            path,
        )
    return h5


def _read(path, name: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Read dataset ``name`` (all rows, or the sorted ``rows``); errors name the file."""
    with _open(path) as h5:
        if name not in h5:
            raise InputError(f"dataset /{name} is missing", path)
        dataset = h5[name]
        try:
            if rows is None:
                return dataset[()]
            if rows.size == 0:
                return np.empty((0, *dataset.shape[1:]), dtype=dataset.dtype)
            # One contiguous slab then NumPy indexing: far faster than HDF5 point selection.
            lo, hi = int(rows[0]), int(rows[-1]) + 1
            return dataset[lo:hi][rows - lo]
        except OSError as err:
            raise InputError(f"cannot read /{name} (truncated or corrupt?): {err}", path) from None


def _check_indices(indices, n: int, path) -> np.ndarray:
    rows = np.asarray(indices)
    if rows.ndim != 1 or (rows.size and not np.issubdtype(rows.dtype, np.integer)):
        raise ValueError("indices must be a 1-D integer array")
    rows = rows.astype(np.int64)
    if rows.size and (np.any(np.diff(rows) <= 0) or rows[0] < 0 or rows[-1] >= n):
        raise ValueError(f"indices must be sorted, unique and within 0..{n - 1} for {path}")
    return rows


def _plain(value):
    """An HDF5 attribute value as a Python scalar, str or list."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    return value.decode() if isinstance(value, bytes) else value


def read_attrs(path: str | os.PathLike) -> dict:
    """Root attributes as plain Python values (``experiments`` as a list of str)."""
    with _open(path) as h5:
        attrs = {key: _plain(value) for key, value in h5.attrs.items()}
    if "experiments" in attrs:
        attrs["experiments"] = [str(e) for e in attrs["experiments"]]
    return attrs


def folding(path: str | os.PathLike) -> dict[str, int]:
    """``{"window": W, "span": L}``: the ViennaRNA settings the pool's structure profiles
    were folded with, which a structure-reading model trained on them must be refolded with
    (:class:`rbpgia.gia.predictor.Predictor`)."""
    attrs = read_attrs(path)
    defaults = folding_defaults()
    return {key: int(attrs.get(key, value)) for key, value in defaults.items()}


def folding_defaults() -> dict[str, int]:
    """The encoder's ViennaRNA window and span (:func:`folding` of a file without them)."""
    return {"window": WINDOW, "span": SPAN}


def list_experiments(path: str | os.PathLike) -> list[str]:
    """Experiment IDs with targets in the file, in their original column order."""
    return read_attrs(path).get("experiments", [])


def read_inputs(
    path: str | os.PathLike, input_type: str, indices: np.ndarray | None = None
) -> np.ndarray:
    """Model inputs of ``input_type`` (``seq``, ``pu`` or ``struct``) for all or some probes.

    Parameters
    ----------
    path : path-like
        Encoded ``probes.h5``.
    input_type : {"seq", "pu", "struct"}
    indices : array of int, optional
        Sorted, unique probe rows to read; all probes if omitted.

    Returns
    -------
    np.ndarray of float32, shape (n, L, channels_for(input_type))
    """
    channels_for(input_type)
    rows = None
    if indices is not None:
        rows = _check_indices(indices, len(_read(path, "length")), path)
    onehot = _read(path, "onehot", rows)
    structure = None if input_type == "seq" else _read(path, "structure", rows)
    return model_inputs(onehot, structure, input_type)


def read_structure(path: str | os.PathLike, indices: np.ndarray | None = None) -> np.ndarray | None:
    """Structure profiles (n, L, 5) of all or the sorted ``indices`` probes; None if absent.

    ``rbpgia encode --no-structure`` writes files without them.
    """
    rows = None
    if indices is not None:
        rows = _check_indices(indices, len(_read(path, "length")), path)
    with _open(path) as h5:
        if "structure" not in h5:
            return None
    return _read(path, "structure", rows).astype(np.float32)


def read_targets(path: str | os.PathLike, experiment: str) -> np.ndarray:
    """Targets of one experiment, float32 (N,), NaN where missing; reads only that one."""
    with _open(path) as h5:
        targets = h5.get("targets")
        if targets is None or experiment not in targets:
            available = list(targets.keys()) if targets is not None else []
            raise UnknownExperimentError(
                f"no targets for experiment {experiment!r}; available: {', '.join(available)}",
                path,
            )
        try:
            return targets[experiment][()].astype(np.float32)
        except OSError as err:
            raise InputError(
                f"cannot read /targets/{experiment} (truncated or corrupt?): {err}", path
            ) from None


def read_sets(path: str | os.PathLike) -> np.ndarray:
    """Set label ``"A"`` or ``"B"`` per probe, as a str array (N,)."""
    return _read(path, "set").astype("U1")


def read_sequences(path: str | os.PathLike) -> np.ndarray:
    """Probe sequences as a str array (N,)."""
    raw = _read(path, "sequence")
    return np.array([s.decode() if isinstance(s, bytes) else str(s) for s in raw], dtype=str)


def read_names(path: str | os.PathLike) -> np.ndarray:
    """Each probe's ID (``Probe_ID``) as a str array (N,); its row number where the pool has
    no IDs (synthetic and per-experiment-file pools), as every probe table names it."""
    with _open(path) as h5:
        has_names = "name" in h5
    if not has_names:
        return np.arange(len(_read(path, "length"))).astype(str)
    raw = _read(path, "name")
    return np.array([s.decode() if isinstance(s, bytes) else str(s) for s in raw], dtype=str)


def read_lengths(path: str | os.PathLike) -> np.ndarray:
    """Probe lengths, int16 (N,)."""
    return _read(path, "length")
