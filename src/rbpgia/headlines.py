"""One headline number per GIA experiment table, for the cross-RBP summary.

Each experiment's headline is defined by its registry entry
(:data:`rbpgia.gia.registry.EXPERIMENTS`); this module gathers them over RBPs.
``extrapolated`` names the rows a headline was read from that too few training probes
support (their support in brackets): its number is then the model's extrapolation.
``member_min``/``member_max``: for a seed ensemble, the smallest and largest of its
members' own headlines (:mod:`rbpgia.gia.members`; NaN for one model), the spread that
training's randomness gives the number, which its CI does not cover. ``runner_up_*``:
where the k-mer search's second k-mer ties the top one, the headline of the same
experiment run with it, and ``motif_robust``: whether the answer stays the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rbpgia.gia import registry
from rbpgia.gia.members import headline_spread

# A headline as the summary and the runner-up file (gia/<model>/<rbp>/runner_up.tsv) give it.
HEADLINE_COLUMNS = [
    "rbp",
    "model",
    "experiment",
    "motif",
    "headline",
    "value",
    "ci_low",
    "ci_high",
    "detail",
]
# The runner-up file: headlines with the runner-up motif, and whether each answer holds.
RUNNER_UP_FILE_COLUMNS = [*HEADLINE_COLUMNS, "motif_robust"]
RUNNER_UP_COLUMNS = [
    "runner_up_motif",
    "runner_up_value",
    "runner_up_ci_low",
    "runner_up_ci_high",
    "runner_up_detail",
    "motif_robust",
]
COLUMNS = [
    *HEADLINE_COLUMNS[:-1],
    "member_min",
    "member_max",
    "detail",
    "extrapolated",
    *RUNNER_UP_COLUMNS,
]


def headline_row(rbp: str, model: str, experiment: str, table: pd.DataFrame) -> dict:
    """The headline of one experiment table, as a row of :data:`HEADLINE_COLUMNS` plus
    its ``extrapolated`` note."""
    line = registry.headline(experiment, table)
    return {
        "rbp": rbp,
        "model": model,
        "experiment": experiment,
        "motif": table["motif"].iloc[0] if "motif" in table else "",
        "headline": line.what,
        "value": line.value,
        "ci_low": line.ci_low,
        "ci_high": line.ci_high,
        "detail": line.detail,
        "extrapolated": line.extrapolated,
    }


def runner_up_headlines(
    rbp: str, model: str, tables: Mapping[str, pd.DataFrame], others: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Headline rows (:data:`RUNNER_UP_FILE_COLUMNS`) of ``others`` (experiment -> its
    table with the search's runner-up motif), each with ``motif_robust``: whether it gives
    the answer of the same experiment's table in ``tables`` (:func:`same_answer`); no rows
    where there are none."""
    rows = [
        {
            **headline_row(rbp, model, name, other),
            "motif_robust": same_answer(name, tables[name], other),
        }
        for name, other in others.items()
    ]
    return pd.DataFrame(rows, columns=RUNNER_UP_FILE_COLUMNS)


def same_answer(experiment: str, table: pd.DataFrame, other: pd.DataFrame) -> bool:
    """Whether two tables of one experiment (the same nulls, two motifs) give the same
    answer: both headlines "none"; or their CIs overlapping; or, for a headline without a
    CI that names a row (a start, a gap: the registry's ``named_row``), each table's named
    row tied in the other table by the row of the same labels (CIs overlapping), so a
    neighbouring start or gap as good as the best is no other answer; else equal values.
    """
    first, second = registry.headline(experiment, table), registry.headline(experiment, other)
    a, b = first.value, second.value
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    bounds = np.array([first.ci_low, first.ci_high, second.ci_low, second.ci_high], dtype=float)
    if np.isfinite(bounds).all():
        return bool(bounds[0] <= bounds[3] and bounds[2] <= bounds[1])
    entry = registry.get(experiment)
    if entry.named_row is None:
        return bool(np.isclose(a, b, rtol=0, atol=1e-9))
    labels = [column for column in entry.labels if column in table and column != "position"]
    mine, theirs = entry.named_row(table), entry.named_row(other)
    return _ties(mine, other, theirs, labels) and _ties(theirs, table, mine, labels)


def _ties(row: pd.Series, table: pd.DataFrame, best: pd.Series, labels: list[str]) -> bool:
    """Whether ``table``'s row of the same ``labels`` as ``row`` has a CI overlapping that of
    ``best``, its own named row (False where it has no such row)."""
    same = np.logical_and.reduce([table[c].astype(str) == str(row[c]) for c in labels])
    found = table[same]
    return bool(len(found)) and bool(found["ci_high"].iloc[0] >= best["ci_low"])


def summarise(
    tables: dict[tuple[str, str, str], pd.DataFrame], runner_ups: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``tables`` maps (rbp, model, experiment) to a table; one headline row each.

    ``runner_ups``: headlines of the same experiments run with the k-mer search's
    runner-up motif, with ``motif_robust`` (:func:`runner_up_headlines`; where it ties the
    top k-mer), given in the ``runner_up_*`` columns beside the row of the same (rbp,
    model, experiment); empty for the others.
    """
    others = {}
    if runner_ups is not None:
        for _, other in runner_ups.iterrows():
            others[(other["rbp"], other["model"], other["experiment"])] = other
    rows = []
    for (rbp, model, experiment), table in sorted(tables.items()):
        row = headline_row(rbp, model, experiment, table)
        row["member_min"], row["member_max"] = headline_spread(table)
        other = others.get((rbp, model, experiment))
        if other is not None:
            row.update(
                runner_up_motif=other["motif"],
                runner_up_value=other["value"],
                runner_up_ci_low=other["ci_low"],
                runner_up_ci_high=other["ci_high"],
                runner_up_detail=other["detail"],
                motif_robust=other["motif_robust"],
            )
        rows.append(row)
    summary = pd.DataFrame(rows, columns=COLUMNS)
    summary["motif_robust"] = summary["motif_robust"].astype("boolean")
    return summary
