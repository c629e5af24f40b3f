"""One headline number per GIA experiment table, for the cross-RBP summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["rbp", "model", "experiment", "motif", "headline", "value", "detail"]


def _best(table: pd.DataFrame, column: str):
    return table.loc[table["importance"].idxmax(), column]


def gc_effect(table: pd.DataFrame) -> float:
    """Mean change in importance when a GC-rich k-mer joins the motif (5' and 3' ends)."""
    effects = table.set_index("condition")["importance"]
    return float(
        np.mean(
            [
                effects["motif+gc_5p"] - effects["motif"],
                effects["motif+gc_3p"] - effects["motif"],
            ]
        )
    )


def headline(experiment: str, table: pd.DataFrame) -> tuple[str, float, str]:
    """(what, value, detail) summarising one experiment's table."""
    if experiment == "kmer_search":
        top = table.iloc[0]  # k-mer search tables are in rank order
        return "top k-mer importance", float(top["importance"]), str(top["kmer"])
    if experiment == "kmer_mutagenesis":
        mutants = table[~table["wild_type"].astype(bool)]
        worst = mutants.loc[mutants["importance"].idxmin()]
        wild = float(table.loc[table["wild_type"].astype(bool), "importance"].iloc[0])
        return (
            "wild-type importance",
            wild,
            f"most damaging: {worst['nucleotide']} at {int(worst['position'])}",
        )
    if experiment == "positional":
        return "best motif start", float(_best(table, "position")), "column of the 41-nt frame"
    if experiment == "motif_count":
        slope = float(table["slope"].iloc[0]) if "slope" in table else float("nan")
        r2 = float(table["r2"].iloc[0]) if "r2" in table else float("nan")
        return "slope per extra site", slope, f"R^2 {r2:.3f}"
    if experiment == "spacing":
        return "best spacing (nt)", float(_best(table, "spacing")), ""
    if experiment == "gc_bias":
        return "GC k-mer effect beside the motif", gc_effect(table), ""
    if experiment == "hairpin":
        effects = table.set_index("context")["importance"]
        return (
            "loop minus stem importance",
            float(effects["loop"] - effects["stem"]),
            f"loop {effects['loop']:.3f}, stem {effects['stem']:.3f}",
        )
    if experiment == "flanks":
        return "best flanks importance", float(table["importance"].max()), _best(table, "flank")
    raise ValueError(f"unknown experiment {experiment!r}")


def summarise(tables: dict[tuple[str, str, str], pd.DataFrame]) -> pd.DataFrame:
    """``tables`` maps (rbp, model, experiment) to a table; one headline row each."""
    rows = []
    for (rbp, model, experiment), table in sorted(tables.items()):
        what, value, detail = headline(experiment, table)
        motif = table["motif"].iloc[0] if "motif" in table else ""
        rows.append(
            {
                "rbp": rbp,
                "model": model,
                "experiment": experiment,
                "motif": motif,
                "headline": what,
                "value": value,
                "detail": detail,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
