"""Labels of the paper's figures in the Snakemake report, read back from the figure job."""

from __future__ import annotations

import json
import os


def report_labels(selection: str | os.PathLike, number: int, what: str) -> dict[str, str]:
    """``{"RBP": ..., "figure": "Figure <number>: <what>"}`` for the report.

    ``selection`` is the ``figures/selection.json`` written by the figures job: which
    RBP(s) each figure shows (chosen at run time unless configured). When it cannot be
    read, the RBP label is ``all``.
    """
    try:
        with open(selection) as handle:
            chosen = json.load(handle)[f"figure{number}"]
    except (OSError, KeyError, TypeError, ValueError):
        chosen = {}
    shown = chosen.get("rbp") or ", ".join(chosen.get("rbps", [])) or "all"
    return {"RBP": shown, "figure": f"Figure {number}: {what}"}
