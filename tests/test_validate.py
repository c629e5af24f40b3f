"""Validation verdicts follow the planted rule, and fail when the effect contradicts it."""

from pathlib import Path

import pandas as pd
import pytest

from rbpgia.validate import CHECKS, checked_experiments, shares_shifted_core, validate_rbp
from rbpgia.workflow.config import load_config

REPO = Path(__file__).resolve().parents[1]

SPEC = {
    "motif": "UGCAUG",
    "site_effect": "additive",
    "spacing": None,
    "gc_bias": 0.0,
    "accessibility": 0.0,
    "position": None,
    "flanks": None,
}


def kmers(top):
    return pd.DataFrame({"kmer": [top, "AAAAAA"], "importance": [1.0, 0.1]})


def counts(*effects):
    return pd.DataFrame({"n_sites": [1, 2, 3], "importance": list(effects)})


@pytest.mark.parametrize(
    ("found", "ok"),
    [("UGCAUG", True), ("GCAUGU", True), ("AUGCAU", True), ("GCAUGC", True), ("CAUGAA", False)],
)
def test_shifted_core(found, ok):
    assert shares_shifted_core(found, "UGCAUG") is ok


def test_additive_rbp_passes_on_planted_shape():
    verdicts = validate_rbp(
        "R", SPEC, {"kmer_search": kmers("UGCAUG"), "motif_count": counts(1, 2, 3.2)}
    )
    assert verdicts["passed"].tolist() == [True, True]


def test_saturating_shape_fails_an_additive_rbp():
    verdicts = validate_rbp(
        "R", SPEC, {"kmer_search": kmers("CCCCCC"), "motif_count": counts(1, 1.6, 1.8)}
    )
    assert verdicts["passed"].tolist() == [False, False]


def test_rule_specific_checks():
    spec = dict(SPEC, spacing={"distance": 5}, gc_bias=-4.0, accessibility=1.0)
    spec["flanks"] = {"five_prime": "U", "three_prime": "A", "strength": 0.5}
    tables = {
        "kmer_search": kmers("UGCAUG"),
        "spacing": pd.DataFrame({"spacing": [3, 4, 5, 6], "importance": [1, 2, 4, 2]}),
        "gc_bias": pd.DataFrame(
            {
                "condition": ["motif", "gc_5p", "gc_3p", "motif+gc_5p", "motif+gc_3p"],
                "importance": [1.0, -0.1, -0.1, 0.7, 0.8],
            }
        ),
        "hairpin": pd.DataFrame({"context": ["random", "loop", "stem"], "importance": [1, 2, 0.2]}),
        "flanks": pd.DataFrame({"flank": ["A_A", "U_A", "U_C"], "importance": [1, 3, 2]}),
    }
    verdicts = validate_rbp("R", spec, tables).set_index("experiment")
    assert verdicts["passed"].all()
    tables["spacing"]["importance"] = [1, 5, 4, 2]
    tables["hairpin"]["importance"] = [1, 0.2, 2]
    verdicts = validate_rbp("R", spec, tables).set_index("experiment")
    assert not verdicts.loc["spacing", "passed"]
    assert not verdicts.loc["hairpin", "passed"]
    assert verdicts.loc["gc_bias", "passed"]


def test_flanks_follow_a_shifted_motif():
    spec = dict(SPEC, motif="GUUGAC", flanks={"five_prime": "U", "three_prime": "A", "strength": 1})
    table = pd.DataFrame(
        {"motif": "UUGACA", "flank": ["G_U", "U_A", "A_C"], "importance": [3.0, 1.0, 0.5]}
    )
    tables = {"kmer_search": kmers("UUGACA"), "flanks": table, "motif_count": counts(1, 2, 3)}
    verdicts = validate_rbp("R", spec, tables)
    flanks = verdicts.set_index("experiment").loc["flanks"]
    assert flanks["expected"] == "G_N around UUGACA"
    assert flanks["passed"]
    table["importance"] = [0.1, 1.0, 3.0]
    tables = {"kmer_search": kmers("UUGACA"), "flanks": table, "motif_count": counts(1, 2, 3)}
    verdicts = validate_rbp("R", spec, tables)
    assert not verdicts.set_index("experiment").loc["flanks", "passed"]


@pytest.mark.parametrize(("dataset", "n_checks"), [("synthetic", 9), ("synthetic_panel", 16)])
def test_shipped_synthetic_sets_check_every_experiment(dataset, n_checks):
    """Between them, the RBPs of each shipped synthetic set reach every checked experiment."""
    rbps = load_config(REPO / "config" / "config.yaml")["datasets"][dataset]["rbps"]
    checked = [name for spec in rbps.values() for name in checked_experiments(spec)]
    assert set(checked) == set(CHECKS)
    assert len(checked) == n_checks
    assert checked.count("kmer_search") == len(rbps)


def test_checked_experiments_follow_the_planted_rules():
    assert checked_experiments(SPEC) == ["kmer_search", "motif_count"]
    spaced = dict(SPEC, spacing={"distance": 5}, accessibility=1.0)
    assert checked_experiments(spaced) == ["kmer_search", "spacing", "hairpin"]
    placed = dict(SPEC, position={"centre": 0.25, "width": 0.2}, gc_bias=-6.0)
    assert checked_experiments(placed) == ["kmer_search", "gc_bias", "positional"]
