"""Probes as a padded ``uint8`` code array, the form every step of the generator works on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rbpgia.errors import InputError
from rbpgia.sequence import ALPHABET

PAD = 4  # code of padding; never equals a nucleotide code
_ENCODE = np.full(256, 255, dtype=np.uint8)
for _code, _letter in enumerate(ALPHABET):
    _ENCODE[ord(_letter)] = _code
_ENCODE[0] = PAD
_DECODE = np.frombuffer(ALPHABET.encode() + b"\0", dtype=np.uint8)


def encode_padded(sequences: Sequence[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encode RNA strings as a left-aligned ``uint8`` array padded with code 4.

    Codes are 0-3 for A, C, G, U (``ALPHABET`` order) and 4 after each probe's end, so a
    window that runs past the end never matches a motif.

    Returns
    -------
    codes : np.ndarray of uint8, shape (N, max_length)
    lengths : np.ndarray of int64, shape (N,)
    """
    strings = np.asarray(sequences, dtype=str)
    if strings.ndim != 1:
        raise InputError(f"sequences must be one-dimensional, got shape {strings.shape}")
    lengths = np.char.str_len(strings).astype(np.int64)
    if strings.size == 0:
        return np.zeros((0, 0), dtype=np.uint8), lengths
    width = max(int(lengths.max()), 1)
    try:
        ascii_bytes = strings.astype(f"S{width}")
    except UnicodeEncodeError as error:
        raise InputError(f"sequences must be ASCII ACGU strings ({error})") from None
    raw = np.frombuffer(ascii_bytes.tobytes(), dtype=np.uint8)
    codes = _ENCODE[raw.reshape(len(strings), width)]
    bad = np.flatnonzero((codes == 255).any(axis=1))
    if bad.size:
        raise InputError(f"sequence {bad[0]} ({strings[bad[0]]!r}) is not over ACGU")
    return codes, lengths


def decode_padded(codes: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_padded`: codes (N, L) -> array of str (padding dropped)."""
    if codes.shape[1] == 0:
        return np.full(len(codes), "", dtype=str)
    raw = np.ascontiguousarray(_DECODE[codes])
    return raw.view(f"S{codes.shape[1]}").ravel().astype(str)


def motif_codes(motif: str) -> np.ndarray:
    """The codes of an ACGU motif, shape (k,)."""
    return np.array([ALPHABET.index(x) for x in motif], dtype=np.uint8)
