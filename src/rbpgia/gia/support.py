"""Training support: how many training probes hold the configuration of a GIA condition.

GIA reports what a model does on sequences written into nulls, and nothing stops a design
from writing configurations the model never saw in training: three copies of a 6-mer that
no training probe holds twice, say. The support of a condition is the number of training
probes (Set A, the probes the model was fitted on) that hold its configuration; a condition
whose support is below a threshold (``gia.min_support``) is *extrapolated*: the model's
answer there is an extrapolation, whatever its CI says.

The probes are one :class:`Training` set: letter codes in the model's frame (probes centred
in it, as the nulls are), with each probe's real region and, when known, its ViennaRNA
structure profiles. Every count is a vectorised pass over all probes:

* :func:`mismatches` of a pattern at every window, and :func:`hits` with at most a given
  number of them, windows touching padding never matching; :func:`rich_windows` (windows
  with at least so many of some letters, e.g. G/C);
* :func:`holding` (some window hits), :func:`non_overlapping` (the most disjoint copies),
  :func:`pair_at_gap`, :func:`at_column`, :func:`in_context` (a copy whose mean structure
  probability over its letters reaches :data:`CONTEXT_PROBABILITY`); :func:`counted` gives
  a pattern's (exact, one-mismatch) count in one call;
* :func:`rows_support` lays counts out as a table's ``support`` and ``support_1mm`` columns:
  conditions counted by each experiment (``Experiment.support`` in the registry), controls
  left empty, contrasts the least-supported condition they involve; :func:`with_support`
  adds them and ``extrapolated`` to a table, :func:`extrapolated` and
  :func:`extrapolated_note` read them back (figures, headlines, validation).

How each experiment counts is written down in docs/gia.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia.stats import CONTRAST_SEPARATOR
from rbpgia.sequence import ALPHABET

# Columns every experiment table gets (NaN / empty when no training set was given).
COLUMNS = ("support", "support_1mm", "extrapolated")
# A copy lies in a structural context when its letters' mean probability reaches this.
CONTEXT_PROBABILITY = 0.5
# Letter code of a padding column: it equals no pattern letter.
PAD = len(ALPHABET)
# Structure profile channels (rbpgia.encode.structure.STRUCTURE_CHANNELS) read here.
PAIRED, HAIRPIN = 0, 1


@dataclass(frozen=True)
class Training:
    """Training probes in the model's frame.

    ``codes`` (N, L) int8: 0..3 = A, C, G, U, :data:`PAD` for padding; ``starts`` and
    ``lengths`` (N,): each probe's first real column and length; ``paired`` and
    ``hairpin`` (N, L) float32: the probability that a column is paired, or unpaired in a
    hairpin loop (None when the profiles are unknown).
    """

    codes: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    paired: np.ndarray | None = None
    hairpin: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def has_structure(self) -> bool:
        return self.paired is not None


def training_set(onehot: np.ndarray, structure: np.ndarray | None = None) -> Training:
    """The :class:`Training` set of one-hot probes ``(N, L, 4)`` (padding all zero).

    ``structure`` (N, L, 5) are their profiles ``[paired, hairpin, interior, multi,
    exterior]`` in the same frame (``rbpgia.encode.store``), or None.
    """
    onehot = np.asarray(onehot)
    if onehot.ndim != 3 or onehot.shape[2] != len(ALPHABET) or not len(onehot):
        raise InputError(
            f"training probes must be one-hot (N, L, 4) with N > 0, got {onehot.shape}"
        )
    real = onehot.sum(axis=2) > 0
    codes = np.where(real, onehot.argmax(axis=2), PAD).astype(np.int8)
    lengths = real.sum(axis=1).astype(np.int64)
    starts = real.argmax(axis=1).astype(np.int64)
    paired = hairpin = None
    if structure is not None:
        structure = np.asarray(structure, dtype=np.float32)
        if structure.shape[:2] != onehot.shape[:2]:
            raise InputError(
                f"structure profiles {structure.shape} do not fit the probes {onehot.shape}"
            )
        paired, hairpin = structure[:, :, PAIRED], structure[:, :, HAIRPIN]
    return Training(codes, starts, lengths, paired, hairpin)


def pattern(text: str) -> np.ndarray:
    """Letter codes of an RNA pattern; InputError for a letter outside ACGU."""
    try:
        return np.array([ALPHABET.index(letter) for letter in text], dtype=np.int8)
    except ValueError:
        raise InputError(f"pattern {text!r} holds a letter outside {ALPHABET}") from None


def mismatches(training: Training, text: str) -> np.ndarray:
    """Mismatches of ``text`` at every window start, (N, L - len + 1) int16.

    A window that reaches padding gets ``len(text) + 1``: it never matches, even with
    mismatches allowed.
    """
    codes = pattern(text)
    m = len(codes)
    width = training.codes.shape[1] - m + 1
    if width < 1:
        return np.zeros((len(training), 0), dtype=np.int16)
    out = np.zeros((len(training), width), dtype=np.int16)
    for j, letter in enumerate(codes):
        out += training.codes[:, j : j + width] != letter
    columns = np.arange(width)[None, :]
    inside = (columns >= training.starts[:, None]) & (
        columns + m <= (training.starts + training.lengths)[:, None]
    )
    out[~inside] = m + 1
    return out


def hits(training: Training, text: str, max_mismatches: int = 0) -> np.ndarray:
    """(N, L - len + 1) bool: windows holding ``text`` with at most ``max_mismatches``."""
    return mismatches(training, text) <= max_mismatches


def rich_windows(training: Training, letters: str, width: int, at_least: int) -> np.ndarray:
    """(N, L - width + 1) bool: windows with at least ``at_least`` of ``letters`` (e.g. GC)."""
    chosen = np.isin(training.codes, pattern(letters))
    sums = np.cumsum(np.pad(chosen.astype(np.int16), ((0, 0), (1, 0))), axis=1)
    found = sums[:, width:] - sums[:, :-width] >= at_least
    columns = np.arange(found.shape[1])[None, :]
    return (
        found
        & (columns >= training.starts[:, None])
        & (columns + width <= (training.starts + training.lengths)[:, None])
    )


def holding(found: np.ndarray) -> np.ndarray:
    """(N,) bool: probes with at least one hit."""
    return found.any(axis=1)


def non_overlapping(found: np.ndarray, width: int) -> np.ndarray:
    """(N,) int: the most disjoint ``width``-nt copies among each probe's hits.

    Taking the leftmost hit that starts after the last one taken ends is optimal for
    copies of one width, so one pass over the columns counts every probe at once.
    """
    count = np.zeros(len(found), dtype=np.int64)
    free = np.zeros(len(found), dtype=np.int64)  # first column a new copy may start at
    for column in range(found.shape[1]):
        take = found[:, column] & (column >= free)
        count += take
        free = np.where(take, column + width, free)
    return count


def pair_at_gap(found: np.ndarray, width: int, gap: int) -> np.ndarray:
    """(N,) bool: a hit and another ``width + gap`` columns after it (gap < 0 overlaps)."""
    shift = width + gap
    if shift <= 0 or shift >= found.shape[1]:
        return np.zeros(len(found), dtype=bool)
    return (found[:, :-shift] & found[:, shift:]).any(axis=1)


def at_column(found: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """(N,) bool: a hit starting at each probe's own column (False outside the frame)."""
    columns = np.asarray(columns, dtype=np.int64)
    if found.shape[1] == 0:  # the pattern is longer than the frame: no hit anywhere
        return np.zeros(len(found), dtype=bool)
    inside = (columns >= 0) & (columns < found.shape[1])
    rows = np.arange(len(found))
    return inside & found[rows, np.clip(columns, 0, max(found.shape[1] - 1, 0))]


def window_means(probability: np.ndarray, width: int) -> np.ndarray:
    """Mean of ``probability`` (N, L) over every ``width``-column window, (N, L - width + 1)."""
    sums = np.cumsum(np.pad(probability.astype(np.float64), ((0, 0), (1, 0))), axis=1)
    return (sums[:, width:] - sums[:, :-width]) / width


def in_context(found: np.ndarray, probability: np.ndarray, width: int) -> np.ndarray:
    """(N,) bool: a hit whose mean ``probability`` over its letters reaches the threshold."""
    return (found & (window_means(probability, width) >= CONTEXT_PROBABILITY)).any(axis=1)


def count(mask: np.ndarray) -> int:
    """Probes where ``mask`` holds."""
    return int(np.count_nonzero(mask))


def counted(
    training: Training, text: str, where: Callable[[np.ndarray], np.ndarray] = holding
) -> tuple[int, int]:
    """(exact, one-mismatch) counts of probes where ``where(hits of text)`` holds."""
    found = mismatches(training, text)
    return count(where(found == 0)), count(where(found <= 1))


# A condition's (exact, one-mismatch) support, or None where it cannot be counted.
Counts = Mapping[object, tuple[int, int] | None]
Key = Callable[[pd.Series, str], object]


def by_condition(row: pd.Series, condition: str) -> object:
    """The default key of a condition's counts: its name."""
    return condition


def rows_support(table: pd.DataFrame, counts: Counts, key: Key = by_condition) -> pd.DataFrame:
    """``support`` and ``support_1mm`` per row of ``table`` from each condition's counts.

    ``counts`` maps a condition's key (``key(row, row["condition"])``; by default its
    name) to its (exact, one-mismatch) counts. Controls exist to be subtracted and get
    none; a contrast ``"A - B - ..."`` gets, per column, the least support among its terms
    that are conditions (``key(contrast row, term)``): a difference is no better supported
    than its weakest condition.
    """
    exact, one = [], []
    for _, row in table.iterrows():
        found = None
        if row["kind"] == "condition":
            found = counts.get(key(row, str(row["condition"])))
        elif row["kind"] == "contrast":
            terms = str(row["condition"]).split(CONTRAST_SEPARATOR)
            known = [counts.get(key(row, term)) for term in terms]
            known = [c for c in known if c is not None]
            if known:
                found = (min(c[0] for c in known), min(c[1] for c in known))
        exact.append(np.nan if found is None else found[0])
        one.append(np.nan if found is None else found[1])
    return pd.DataFrame({"support": exact, "support_1mm": one}, index=table.index)


def with_support(table: pd.DataFrame, support: pd.DataFrame | None, min_support: int):
    """``table`` with :data:`COLUMNS` at its end (empty when ``support`` is None).

    ``extrapolated`` is True where ``support < min_support``, False where it is not, and
    empty where the row has no support (controls, or no training set given).
    """
    out = table.copy()
    if support is None:
        support = pd.DataFrame(
            {"support": np.nan, "support_1mm": np.nan}, index=table.index, dtype=np.float64
        )
    out["support"] = support["support"].to_numpy(dtype=np.float64)
    out["support_1mm"] = support["support_1mm"].to_numpy(dtype=np.float64)
    known = out["support"].notna()
    out["extrapolated"] = pd.array(
        np.where(known, out["support"] < min_support, False), dtype="boolean"
    )
    out.loc[~known, "extrapolated"] = pd.NA
    return out


def extrapolated(table: pd.DataFrame) -> pd.Series:
    """(rows,) bool: rows marked extrapolated (False where unknown, or for older tables)."""
    if "extrapolated" not in table.columns:
        return pd.Series(False, index=table.index)
    marked = table["extrapolated"].map(
        lambda v: v is True or str(v).strip().lower() in ("true", "1", "1.0")
    )
    return marked.astype(bool)


def extrapolated_note(rows: pd.DataFrame) -> str:
    """Names of the extrapolated ``rows`` (with their support), '' when none is."""
    marked = rows[extrapolated(rows).to_numpy()]
    names = []
    for _, row in marked.iterrows():
        label = str(row["condition"])
        if "spacing" in row.index and pd.notna(row["spacing"]):
            label += f" at {int(row['spacing'])} nt"
        names.append(f"{label} ({int(row['support'])} probes)")
    return ", ".join(dict.fromkeys(names))
