"""What every experiment shares: measuring named interventions and laying out the table.

An experiment is a design: named *conditions* (interventions whose effect it reports),
*controls* (interventions that differ from a condition in one thing, there to be
subtracted) and *contrasts* (paired differences between them, named ``"A - B"``). All
are measured on the same nulls, so every contrast is paired per null and carries its
own CI (:func:`rbpgia.gia.stats.effects_table`).

Every experiment table starts with ``experiment``, ``motif``, ``condition`` and
``kind`` (condition, control or contrast), then the experiment's own label columns,
then :data:`rbpgia.gia.stats.STAT_COLUMNS`, then any extra columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia.embed import check_position_spec, embed_per_sequence, is_whole_number
from rbpgia.gia.importance import Intervention, intervention_differences
from rbpgia.gia.predictor import Predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT, contrast_name, effects_table
from rbpgia.gia.support import extrapolated_note

Predict = Predictor | Callable[[np.ndarray], np.ndarray]
# Redraws of a placement or of gap letters before giving up on keeping copies apart.
MAX_REDRAWS = 1000


class Headline(NamedTuple):
    """One number summarising an experiment table, for the cross-RBP summary.

    ``ci_low``/``ci_high`` are the number's CI when it is a (contrast of) importance,
    NaN when it is not (a best position, a fitted slope). ``extrapolated`` names the rows
    it was read from that too few training probes support (:mod:`rbpgia.gia.support`),
    empty when there are none or their support is unknown.
    """

    what: str
    value: float
    detail: str = ""
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    extrapolated: str = ""

    @classmethod
    def of_row(cls, what: str, row: pd.Series, detail: str = "") -> Headline:
        """The importance of a table row, with its CI (and the row's extrapolation)."""
        line = cls(
            what, float(row["importance"]), detail, float(row["ci_low"]), float(row["ci_high"])
        )
        return line.reading(row.to_frame().T)

    def reading(self, rows: pd.DataFrame) -> Headline:
        """This headline, noting which of ``rows`` (those it was read from) are extrapolated."""
        return self._replace(extrapolated=extrapolated_note(rows))

    def unless(self, stands_out: bool, why_not: str) -> Headline:
        """This headline where its number stands out, else NaN with ``none: why_not``
        before the detail: a best position or gap of a flat curve is its noise."""
        if stands_out:
            return self
        return self._replace(value=float("nan"), detail=f"none: {why_not} ({self.detail})")


def with_ci(row: pd.Series, signed: bool = False) -> str:
    """A row's importance and CI as a headline's detail gives them: ``1.59 [1.51, 1.66]``."""
    sign = "+" if signed else ""
    return f"{row['importance']:{sign}.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}]"


def distinct_whole_numbers(values: Sequence[int], what: str) -> list[int]:
    """``values`` as ints, or InputError naming ``what`` where there are none, one is not
    a whole number, or one is given twice (it would be a second row of the same name)."""
    values = list(values)
    if not values:
        raise InputError(f"no {what} given")
    if not all(map(is_whole_number, values)):
        raise InputError(f"{what} must be whole numbers, got {values}")
    repeated = sorted({int(v) for v in values if values.count(v) > 1})
    if repeated:
        raise InputError(f"{what} {repeated} given more than once")
    return [int(v) for v in values]


def load_position(options: Mapping) -> dict:
    """Design options of an experiment that writes its patterns at one ``position`` (flanks,
    mutagenesis), the spec checked before any prediction."""
    if "position" in options:
        check_position_spec(options["position"])
    return dict(options)


def row_named(result: pd.DataFrame, condition: str) -> pd.Series:
    """The row of ``result`` whose ``condition`` is ``condition``."""
    rows = result[result["condition"].astype(str) == condition]
    if rows.empty:
        raise KeyError(f"no row {condition!r} in the {result['experiment'].iloc[0]} table")
    return rows.iloc[0]


def measure(
    predict: Predictor,
    nulls: np.ndarray,
    interventions: Mapping[str, Intervention],
    *,
    baseline: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-null paired differences of each named intervention, ``{name: (n,)}``."""
    names = list(interventions)
    differences = intervention_differences(
        predict, nulls, [interventions[name] for name in names], baseline=baseline
    )
    return dict(zip(names, differences, strict=True))


def at_starts(patterns: Sequence[str], starts: Sequence[np.ndarray]) -> Intervention:
    """Intervention writing ``patterns`` at fixed per-null ``starts`` (no state kept)."""
    return partial(_embed_at, patterns=tuple(patterns), starts=tuple(starts))


def _embed_at(nulls, patterns, starts):
    return embed_per_sequence(nulls, patterns, starts)


def count_occurrences(text: str, motif: str) -> int:
    """Occurrences of ``motif`` in ``text``, overlapping ones included."""
    return sum(text.startswith(motif, i) for i in range(len(text) - len(motif) + 1))


def spelled(letters: str, motif: str, starts) -> str:
    """``letters`` with ``motif`` written at each of ``starts`` (indices into ``letters``)."""
    out = list(letters)
    for at in starts:
        out[int(at) : int(at) + len(motif)] = motif
    return "".join(out)


def contrast(effects: Mapping[str, np.ndarray], first: str, second: str):
    """The row ``first - second``: its name, kind and per-null differences."""
    return contrast_name(first, second), "contrast", effects[first] - effects[second]


def table(
    experiment: str,
    motif: str,
    rows: Sequence[tuple[str, str, np.ndarray]],
    predict: Predictor,
    rng: np.random.Generator | int | None,
    *,
    labels: Mapping[str, Sequence] | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """The experiment's table: identity and label columns, then the statistics.

    ``rows`` are ``(condition, kind, per-null differences)``; ``labels`` maps the
    experiment's own label columns to one value per row.
    """
    stats = effects_table(rows, predict.refolds, n_boot, rng, confidence)
    stats.insert(0, "experiment", experiment)
    stats.insert(1, "motif", motif)
    for offset, (column, values) in enumerate((labels or {}).items()):
        stats.insert(4 + offset, column, list(values))
    return stats
