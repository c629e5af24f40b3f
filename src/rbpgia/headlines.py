"""One headline number per GIA experiment table, for the cross-RBP summary.

Each experiment's headline is defined by its registry entry
(:data:`rbpgia.gia.registry.EXPERIMENTS`); this module gathers them over RBPs.
``extrapolated`` names the rows a headline was read from that too few training probes
support (their support in brackets): its number is then the model's extrapolation.
``member_min``/``member_max``: for a seed ensemble, the smallest and largest of its
members' own headlines (:mod:`rbpgia.gia.members`; NaN for one model), the spread that
training's randomness gives the number, which its CI does not cover.
"""

from __future__ import annotations

import pandas as pd

from rbpgia.gia import registry
from rbpgia.gia.members import headline_spread

COLUMNS = [
    "rbp",
    "model",
    "experiment",
    "motif",
    "headline",
    "value",
    "ci_low",
    "ci_high",
    "member_min",
    "member_max",
    "detail",
    "extrapolated",
]


def summarise(tables: dict[tuple[str, str, str], pd.DataFrame]) -> pd.DataFrame:
    """``tables`` maps (rbp, model, experiment) to a table; one headline row each."""
    rows = []
    for (rbp, model, experiment), table in sorted(tables.items()):
        line = registry.headline(experiment, table)
        member_min, member_max = headline_spread(table)
        rows.append(
            {
                "rbp": rbp,
                "model": model,
                "experiment": experiment,
                "motif": table["motif"].iloc[0] if "motif" in table else "",
                "headline": line.what,
                "value": line.value,
                "ci_low": line.ci_low,
                "ci_high": line.ci_high,
                "member_min": member_min,
                "member_max": member_max,
                "detail": line.detail,
                "extrapolated": line.extrapolated,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
