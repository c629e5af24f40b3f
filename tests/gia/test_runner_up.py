"""The search's tied runner-up: the same questions asked with it, and whether answers hold."""

import numpy as np
import pandas as pd
import pytest
from conftest import motif_hits

from rbpgia.gia import registry
from rbpgia.gia.experiments.search import near_tie
from rbpgia.gia.predictor import Predictor
from rbpgia.gia.run import prepare, run_experiment, runner_up_motif, search, settings
from rbpgia.headlines import (
    COLUMNS,
    RUNNER_UP_FILE_COLUMNS,
    runner_up_headlines,
    same_answer,
    summarise,
)

TOP, TIED = "UGCAUG", "UGCAUA"


def kmer_rows(importance, ci_low, ci_high, kmers=("UGCAUG", "UGCAUA", "AAAAAA")):
    return pd.DataFrame(
        {"kmer": list(kmers), "importance": importance, "ci_low": ci_low, "ci_high": ci_high}
    )


def test_the_runner_up_is_the_second_kmer_only_where_the_cis_overlap():
    tied = kmer_rows([1.6, 1.55, 0.1], [1.5, 1.45, 0.0], [1.7, 1.65, 0.2])
    assert near_tie(tied)["kmer"] == TIED
    assert runner_up_motif(tied, TOP) == TIED
    # A user's motif (gia.motifs) is no k-mer of a tie.
    assert runner_up_motif(tied, "GCAUGU") is None
    apart = kmer_rows([1.6, 1.2, 0.1], [1.5, 1.1, 0.0], [1.7, 1.3, 0.2])
    assert near_tie(apart) is None
    assert runner_up_motif(apart, TOP) is None
    assert near_tie(apart.head(1)) is None


def positional_table(peaks):
    """A positional table of starts 5p+0..5 and 3p+0..5 at 0.2 [0.15, 0.25], but ``peaks``
    (condition -> importance, with a CI of +- 0.1)."""
    rows = []
    for anchor in ("5p", "3p"):
        for k in range(6):
            name = f"{anchor}+{k}"
            value, half = peaks.get(name, 0.2), 0.1 if name in peaks else 0.05
            rows.append({
                "experiment": "positional", "motif": TOP, "condition": name,
                "kind": "condition", "anchor": anchor, "offset": k,
                "position": float(k if anchor == "5p" else 30 - k),
                "importance": value, "ci_low": value - half, "ci_high": value + half,
            })  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        # Neighbouring best starts, each tied by the other's: the same answer.
        ({"5p+3": 1.0, "5p+4": 0.95}, {"5p+4": 1.0, "5p+3": 0.95}, True),
        # Best starts at opposite ends, each low in the other table.
        ({"5p+3": 1.0}, {"3p+3": 1.0}, False),
        # Both flat ("none"), then one flat.
        ({}, {}, True),
        ({"5p+3": 1.0}, {}, False),
        # A best start tied in one table only.
        ({"5p+3": 1.0, "5p+4": 0.95}, {"5p+4": 1.0}, False),
    ],
)
def test_same_answer_of_a_named_start(first, second, same):
    one, other = positional_table(first), positional_table(second)
    assert same_answer("positional", one, other) is same
    assert same_answer("positional", other, one) is same


def tie_model(gap: int = 4, bonus: float = 3.0):
    """One per copy of UGCAUG or UGCAUA (a tie), plus ``bonus`` for two UGCAUG exactly
    ``gap`` nt apart: a spacing rule of the top k-mer alone."""

    def predict(x):
        x = np.asarray(x)
        top, tied = motif_hits(x, TOP), motif_hits(x, TIED)
        shift = len(TOP) + gap
        paired = (top[:, :-shift] & top[:, shift:]).any(axis=1)
        return (top.sum(axis=1) + tied.sum(axis=1) + bonus * paired).astype(np.float32)

    return predict


def test_an_answer_that_hinges_on_a_tied_motif_is_flagged(pool):
    options = settings({"n_null": 100, "n_boot": 200, "k": 6, "adaptive": False})
    run = prepare(Predictor(tie_model(), "seq"), pool, options)
    kmers = search(run, options)
    # Either may rank first; both tie.
    assert {kmers["kmer"].iloc[0], kmers["kmer"].iloc[1]} == {TOP, TIED}
    motif = str(kmers["kmer"].iloc[0])
    runner_up = runner_up_motif(kmers, motif)
    assert runner_up == ({TOP, TIED} - {motif}).pop()
    experiments = {
        "spacing": {"spacings": [2, 4, 6]},
        "motif_count": {},
        "gc_bias": {},
        "positional": {},
    }
    tables, others = {}, {}
    for name, design in experiments.items():
        tables[("R", "m", name)] = run_experiment(run, name, motif, options, **design)
        others[name] = run_experiment(run, name, runner_up, options, **design)
    rows = runner_up_headlines("R", "m", {key[2]: t for key, t in tables.items()}, others)
    assert list(rows.columns) == RUNNER_UP_FILE_COLUMNS
    assert rows["motif"].tolist() == [runner_up] * len(experiments)
    summary = summarise(tables, rows)
    assert list(summary.columns) == COLUMNS
    summary = summary.set_index("experiment")
    assert (summary["runner_up_motif"] == runner_up).all()
    # Only UGCAUG pairs cooperate (at 4 nt): the spacing answer changes with the motif, and
    # so does the count's (random copies of UGCAUG sometimes lie 4 nt apart: each added
    # one adds more than the last). Neither motif has a GC or a position rule: the same
    # answers (GC effects of CIs overlapping, no position preference).
    gaps = {TOP: 4.0, TIED: np.nan}
    assert summary.loc["spacing", "value"] == pytest.approx(gaps[motif], nan_ok=True)
    assert summary.loc["spacing", "runner_up_value"] == pytest.approx(gaps[runner_up], nan_ok=True)
    robust = {"spacing": False, "motif_count": False, "gc_bias": True, "positional": True}
    assert summary["motif_robust"].astype(bool).to_dict() == robust
    line = registry.headline("spacing", others["spacing"])
    assert summary.loc["spacing", "runner_up_detail"] == line.detail


def test_a_summary_without_runner_ups_leaves_their_columns_empty(pool):
    options = settings({"n_null": 20, "n_boot": 100})
    run = prepare(Predictor(tie_model(), "seq"), pool, options)
    table = run_experiment(run, "motif_count", TOP, options)
    empty = runner_up_headlines("R", "m", {"motif_count": table}, {})
    assert empty.empty
    assert list(empty.columns) == RUNNER_UP_FILE_COLUMNS
    for runner_ups in (None, empty):
        summary = summarise({("R", "m", "motif_count"): table}, runner_ups)
        assert summary[["runner_up_motif", "runner_up_value", "motif_robust"]].isna().all().all()
