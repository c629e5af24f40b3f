"""RNA motifs as position weight matrices: reading, building from k-mers, comparing.

A PWM here is a float array of shape (L, 4): one row per motif position, columns in
A, C, G, U order, each row a probability distribution (sums to 1).

Three sources of PWMs meet in this module:

* the RNAcompete motif collection shipped in ``resources/rncmpt_motifs`` (Ray et al.
  2013 and later, as redistributed by the RBPbinding project under BSD-3), read with
  :func:`read_pwms`, :func:`read_iupac` and :func:`read_motif_names`;
* the k-mer-alignment motif of GIA (Koo et al. 2021): the top-ranked k-mers of a GIA
  k-mer search aligned to the best one, :func:`kmer_alignment_pwm`;
* IUPAC cores turned into PWMs, :func:`iupac_to_pwm`.

:func:`pwm_similarity` scores two PWMs over all ungapped offsets and
:func:`best_matches` ranks a collection against a query. RNA motifs are single
stranded, so no reverse complement is ever considered.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.sequence import ALPHABET

# IUPAC nucleotide codes (RNA: U; T read as U) -> the bases they stand for.
IUPAC = {
    "A": "A",
    "C": "C",
    "G": "G",
    "U": "U",
    "R": "AG",
    "Y": "CU",
    "S": "CG",
    "W": "AU",
    "K": "GU",
    "M": "AC",
    "B": "CGU",
    "D": "AGU",
    "H": "ACU",
    "V": "ACG",
    "N": "ACGU",
}
NAME_COLUMNS = ("motif_id", "rncmpt_id", "gene_id", "protein", "species", "clade")
_INDEX = {letter: i for i, letter in enumerate(ALPHABET)}


# ---------------------------------------------------------------------------------------
# Reading the shipped collection
# ---------------------------------------------------------------------------------------


def read_pwms(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a ``.hmot`` file of PWMs into ``{motif ID: (L, 4) array}``.

    The format is a sequence of blocks separated by blank lines::

        Motif<TAB>RNCMPT00001
        #<TAB>NUAAUUNN 10 125.79        (optional comment line, ignored)
        Pos<TAB>A<TAB>C<TAB>G<TAB>U     (any order of A, C, G, U/T)
        1<TAB>0.39811<TAB>0.102749<TAB>0.102749<TAB>0.396392
        2<TAB>...

    Parameters
    ----------
    path : path-like

    Returns
    -------
    dict of str -> np.ndarray of float64, shape (L, 4)
        In file order; columns A, C, G, U; every row rescaled to sum to 1 (the file
        rounds to 6 digits).

    Raises
    ------
    InputError
        Naming the file and line of the first malformed line: a row outside a block,
        a block without a header or without rows, a position out of order, a value
        that is not a non-negative number, a row summing to 0, a duplicate ID.
    """
    pwms: dict[str, np.ndarray] = {}
    motif_id = None  # block being read
    motif_line = 0
    columns = None  # order of A, C, G, U in the rows, set by the header
    rows: list[list[float]] = []

    def close_block():
        if motif_id is not None and not rows:
            raise InputError(f"motif {motif_id!r} has no rows", path, motif_line)
        if motif_id is not None:
            matrix = np.array(rows, dtype=np.float64)[:, columns]
            pwms[motif_id] = matrix / matrix.sum(axis=1, keepdims=True)

    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            head = fields[0]
            if head == "Motif":
                close_block()
                if len(fields) != 2:
                    raise InputError("expected 'Motif<TAB>ID'", path, number)
                motif_id, motif_line, columns, rows = fields[1], number, None, []
                if motif_id in pwms:
                    raise InputError(f"duplicate motif ID {motif_id!r}", path, number)
            elif motif_id is None:
                raise InputError(f"line outside a motif block: {line.strip()!r}", path, number)
            elif head == "#":
                continue
            elif head == "Pos":
                columns = _header_columns(fields[1:], path, number)
            elif columns is None:
                raise InputError(f"row before the 'Pos A C G U' header of {motif_id}", path, number)
            else:
                rows.append(_pwm_row(fields, len(rows) + 1, path, number))
        close_block()
    if not pwms:
        raise InputError("no motifs found", path)
    return pwms


def _header_columns(letters: list[str], path, number) -> list[int]:
    """Column index in the file of each of A, C, G, U, from the ``Pos`` header."""
    letters = ["U" if letter == "T" else letter for letter in letters]
    if sorted(letters) != sorted(ALPHABET):
        raise InputError(f"header must name A, C, G, U once each, got {letters}", path, number)
    return [letters.index(letter) for letter in ALPHABET]


def _pwm_row(fields: list[str], expected: int, path, number) -> list[float]:
    """One checked PWM row: position ``expected`` and four non-negative numbers."""
    if len(fields) != 5:
        raise InputError(
            f"expected a position and 4 values, got {len(fields)} fields", path, number
        )
    if fields[0] != str(expected):
        raise InputError(f"expected position {expected}, got {fields[0]!r}", path, number)
    try:
        values = [float(x) for x in fields[1:]]
    except ValueError:
        raise InputError(f"values must be numbers, got {fields[1:]}", path, number) from None
    if not all(math.isfinite(v) and v >= 0 for v in values) or sum(values) <= 0:
        raise InputError(f"values must be >= 0 with a positive sum, got {values}", path, number)
    return values


def read_iupac(path: str | os.PathLike) -> dict[str, str]:
    """Read ``ID<space>IUPAC core`` lines into ``{ID: core}`` (T written as U).

    Raises
    ------
    InputError
        Naming the file and line of a line without exactly two fields, a letter that
        is not an IUPAC nucleotide code, or a duplicate ID.
    """
    cores: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise InputError(f"expected 'ID CORE', got {line.strip()!r}", path, number)
            motif_id, core = fields[0], fields[1].replace("T", "U")
            bad = sorted(set(core) - set(IUPAC))
            if bad:
                raise InputError(f"core {core!r} has non-IUPAC letters {bad}", path, number)
            if motif_id in cores:
                raise InputError(f"duplicate motif ID {motif_id!r}", path, number)
            cores[motif_id] = core
    return cores


def read_motif_names(path: str | os.PathLike) -> pd.DataFrame:
    """Read the motif annotation table (whitespace separated, no header).

    Parameters
    ----------
    path : path-like
        Six fields a line: motif ID, RNCMPT ID, gene ID, protein name, species, clade.

    Returns
    -------
    pd.DataFrame
        Columns ``motif_id, rncmpt_id, gene_id, protein, species, clade`` (str), one
        row per line, file order.

    Raises
    ------
    InputError
        Naming the file and line of a line without six fields or a repeated RNCMPT ID.
    """
    records = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != len(NAME_COLUMNS):
                raise InputError(
                    f"expected {len(NAME_COLUMNS)} fields ({', '.join(NAME_COLUMNS)}), "
                    f"got {len(fields)}",
                    path,
                    number,
                )
            if fields[1] in seen:
                raise InputError(f"duplicate RNCMPT ID {fields[1]!r}", path, number)
            seen.add(fields[1])
            records.append(fields)
    return pd.DataFrame(records, columns=list(NAME_COLUMNS), dtype=str)


# ---------------------------------------------------------------------------------------
# Small conversions
# ---------------------------------------------------------------------------------------


def iupac_to_pwm(core: str) -> np.ndarray:
    """PWM of an IUPAC core: each position uniform over the bases its code allows.

    >>> iupac_to_pwm("AN").tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]]
    """
    core = core.upper().replace("T", "U")
    bad = sorted(set(core) - set(IUPAC))
    if not core or bad:
        raise InputError(f"IUPAC core {core!r} is empty or has non-IUPAC letters {bad}")
    pwm = np.zeros((len(core), 4))
    for i, code in enumerate(core):
        bases = [_INDEX[b] for b in IUPAC[code]]
        pwm[i, bases] = 1.0 / len(bases)
    return pwm


def pwm_consensus(pwm: np.ndarray) -> str:
    """Most probable base of each position (ties go to the first of A, C, G, U)."""
    pwm = _check_pwm(pwm)
    return "".join(ALPHABET[i] for i in pwm.argmax(axis=1))


def _check_pwm(pwm, name: str = "pwm") -> np.ndarray:
    pwm = np.asarray(pwm, dtype=np.float64)
    if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] == 0:
        raise ValueError(f"{name} must have shape (L >= 1, 4), got {pwm.shape}")
    return pwm


# ---------------------------------------------------------------------------------------
# k-mer alignment motif
# ---------------------------------------------------------------------------------------


def kmer_alignment_pwm(
    kmers: Sequence[str],
    weights: Sequence[float] | np.ndarray,
    k: int | None = None,
    max_shift: int | None = None,
    min_coverage: float = 0.5,
) -> np.ndarray:
    """Build a PWM by aligning top-ranked k-mers to the best one (GIA k-mer alignment).

    The algorithm, exactly:

    1. Rank the k-mers by weight, highest first (a stable sort: ties keep input order).
       The first is the *seed*; it sits at offset 0.
    2. Place every k-mer at the shift ``s`` in ``[-max_shift, max_shift]`` (k-mer
       position ``j`` over seed position ``j + s``) that maximises the number of
       identical letters in the overlap with the seed. Ties go to the smallest ``|s|``,
       then to the negative shift, so the result is deterministic. Counting matches,
       not their fraction, favours long overlaps: ``GCAUGU`` goes one position right of
       ``UGCAUG`` (5 matches), not at shift 0 (none).
    3. Over the columns ``-max_shift .. k - 1 + max_shift`` relative to the seed, add
       each k-mer's weight to the base it puts in each column it covers. The *coverage*
       of a column is the total weight of the k-mers covering it.
    4. Keep the seed's k columns and every column outside them whose coverage is at
       least ``min_coverage`` times the total weight. Coverage only falls with the
       distance from the seed, so the kept columns are contiguous.
    5. Every k-mer that does not cover a kept column counts as a uniform background
       there: ``p(b) = (weight on b + 0.25 * (total - coverage)) / total``. Thinly
       covered edge columns thus fade towards uniform instead of looking certain.

    Parameters
    ----------
    kmers : sequence of str
        k-mers over ACGU (``T`` is read as ``U``), all of the same length.
    weights : sequence of float
        Non-negative importance of each k-mer (e.g. its GIA score); not all zero.
    k : int, optional
        Expected k-mer length; checked when given.
    max_shift : int, optional
        Largest shift against the seed; default ``k // 2`` (overlap at least half).
    min_coverage : float
        Fraction of the total weight an edge column needs to be kept, in [0, 1].

    Returns
    -------
    np.ndarray of float64, shape (width, 4)
        Rows sum to 1; A, C, G, U columns; ``k <= width <= k + 2 * max_shift``.

    Raises
    ------
    InputError
        Naming the index of a k-mer of the wrong length or with a letter outside ACGU,
        or of a negative or non-finite weight.
    """
    codes = _kmer_codes(kmers, k)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(codes),):
        raise InputError(f"need one weight per k-mer: {len(codes)} k-mers, {weights.shape}")
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raise InputError(f"weight {int(bad[0])} is {weights[bad[0]]}; need finite and >= 0")
    total = weights.sum()
    if total <= 0:
        raise InputError("all k-mer weights are zero")
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage must be in [0, 1], got {min_coverage}")
    width_k = codes.shape[1]
    max_shift = width_k // 2 if max_shift is None else int(max_shift)
    if not 0 <= max_shift < width_k:
        raise ValueError(f"max_shift must be in [0, k - 1] = [0, {width_k - 1}], got {max_shift}")

    order = np.argsort(-weights, kind="stable")
    codes, weights = codes[order], weights[order]
    shifts = _best_shifts(codes, max_shift)

    span = width_k + 2 * max_shift
    counts = np.zeros((span, 4))
    columns = shifts[:, None] + np.arange(width_k)[None, :] + max_shift
    np.add.at(counts, (columns, codes), np.broadcast_to(weights[:, None], codes.shape))
    coverage = counts.sum(axis=1)
    # The seed's own columns always stay; the tolerance absorbs round-off in the sums.
    kept = np.flatnonzero(coverage >= min_coverage * total - 1e-9 * total)
    first = min([max_shift, *kept[:1].tolist()])
    last = max([max_shift + width_k - 1, *kept[-1:].tolist()])
    counts, coverage = counts[first : last + 1], coverage[first : last + 1]
    pwm = (counts + 0.25 * (total - coverage)[:, None]) / total
    # total - coverage can round to a tiny negative number; a PWM has no negative entries.
    pwm = np.clip(pwm, 0.0, None)
    return pwm / pwm.sum(axis=1, keepdims=True)


def _kmer_codes(kmers: Sequence[str], k: int | None) -> np.ndarray:
    """k-mers as an (n, k) int array of A, C, G, U codes, checked."""
    kmers = [str(s).upper().replace("T", "U") for s in kmers]
    if not kmers:
        raise InputError("no k-mers given")
    length = len(kmers[0]) if k is None else int(k)
    for i, kmer in enumerate(kmers):
        if len(kmer) != length or length == 0:
            raise InputError(f"k-mer {i} ({kmer!r}) is not {length} nt long")
        if set(kmer) - set(ALPHABET):
            raise InputError(f"k-mer {i} ({kmer!r}) has letters outside ACGU")
    return np.array([[_INDEX[c] for c in kmer] for kmer in kmers], dtype=np.int64)


def _best_shifts(codes: np.ndarray, max_shift: int) -> np.ndarray:
    """Shift of each k-mer against the first (the seed) with the most identical letters."""
    n, k = codes.shape
    seed = codes[0]
    # Candidate shifts in tie-break order: 0, -1, +1, -2, +2, ...
    candidates = [0] + [s for m in range(1, max_shift + 1) for s in (-m, m)]
    matches = np.empty((n, len(candidates)), dtype=np.int64)
    for c, s in enumerate(candidates):
        # k-mer position j lies over seed position j + s; overlap j in [max(0,-s), min(k,k-s)).
        lo, hi = max(0, -s), min(k, k - s)
        matches[:, c] = (codes[:, lo:hi] == seed[lo + s : hi + s]).sum(axis=1)
    return np.array(candidates)[matches.argmax(axis=1)]  # argmax keeps the first maximum


# ---------------------------------------------------------------------------------------
# Comparing PWMs
# ---------------------------------------------------------------------------------------


def column_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every column of ``a`` with every column of ``b``.

    A "column" is one motif position, i.e. a row of 4 probabilities. A uniform
    position has no variance, so Pearson's r is undefined there; by convention two
    uniform positions correlate 1 (they are identical) and a uniform position with
    a non-uniform one correlates 0.

    Returns
    -------
    np.ndarray of float64, shape (len(a), len(b))
    """
    a = _check_pwm(a, "a")
    b = _check_pwm(b, "b")
    ca = a - a.mean(axis=1, keepdims=True)
    cb = b - b.mean(axis=1, keepdims=True)
    na = np.sqrt((ca**2).sum(axis=1))
    nb = np.sqrt((cb**2).sum(axis=1))
    flat_a, flat_b = na < 1e-12, nb < 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (ca @ cb.T) / np.outer(na, nb)
    r[flat_a[:, None] | flat_b[None, :]] = 0.0
    r[flat_a[:, None] & flat_b[None, :]] = 1.0
    return np.clip(r, -1.0, 1.0)


def pwm_similarity(a: np.ndarray, b: np.ndarray, min_overlap: int = 4) -> tuple[float, int]:
    """Best ungapped similarity of two PWMs over all offsets, and its offset.

    For an offset ``o``, position ``i`` of ``a`` faces position ``i - o`` of ``b`` (so
    ``b`` starts at position ``o`` of ``a``; ``o`` may be negative). The score of an
    offset is the sum of the Pearson correlations (:func:`column_correlations`) of
    the facing positions divided by the length of the *shorter* PWM. Dividing by
    the shorter length rather than by the overlap makes overhanging positions of
    the shorter motif count as 0, so a full match beats an equally good partial one;
    a PWM against itself scores exactly 1 at offset 0. Scores lie in [-1, 1].

    Only offsets with at least ``min(min_overlap, len(a), len(b))`` facing positions
    are tried. Ties go to the smallest ``|o|``, then the negative offset. RNA is
    single stranded: no reverse complement.

    Returns
    -------
    score : float
    offset : int
    """
    r = column_correlations(a, b)
    la, lb = r.shape
    overlap = max(1, min(int(min_overlap), la, lb))
    # r's diagonal k (entries r[i, i - k] ... np.trace offset -k) is offset k.
    offsets = np.arange(-(lb - overlap), la - overlap + 1)
    sums = np.array([np.trace(r, offset=-o) for o in offsets])
    scores = sums / min(la, lb)
    order = np.lexsort((offsets, np.abs(offsets), -np.round(scores, 12)))
    best = order[0]
    return float(scores[best]), int(offsets[best])


def best_matches(
    pwm: np.ndarray,
    collection: Mapping[str, np.ndarray],
    names: pd.DataFrame | None = None,
    top: int | None = 5,
    min_overlap: int = 4,
) -> pd.DataFrame:
    """Rank a collection of PWMs by :func:`pwm_similarity` to a query PWM.

    Parameters
    ----------
    pwm : np.ndarray, shape (L, 4)
        Query.
    collection : mapping of ID -> (L', 4) array
        E.g. :func:`read_pwms` of the RNAcompete collection.
    names : pd.DataFrame, optional
        :func:`read_motif_names` table; adds ``protein`` and ``species`` columns.
    top : int or None
        Rows to keep; ``None`` keeps all.
    min_overlap : int
        Passed to :func:`pwm_similarity`.

    Returns
    -------
    pd.DataFrame
        Columns ``rncmpt_id, [protein, species,] score, offset``, best first (ties by
        ID), offset as in ``pwm_similarity(pwm, match)``.
    """
    rows = []
    for motif_id, other in collection.items():
        score, offset = pwm_similarity(pwm, other, min_overlap=min_overlap)
        rows.append((motif_id, score, offset))
    table = pd.DataFrame(rows, columns=["rncmpt_id", "score", "offset"])
    table = table.sort_values(["score", "rncmpt_id"], ascending=[False, True], kind="stable")
    if top is not None:
        table = table.head(top)
    if names is not None:
        lookup = names.drop_duplicates("rncmpt_id").set_index("rncmpt_id")
        table.insert(1, "protein", table["rncmpt_id"].map(lookup["protein"]))
        table.insert(2, "species", table["rncmpt_id"].map(lookup["species"]))
    return table.reset_index(drop=True)
