"""Training support of GIA conditions, counted on small pools whose answers are written down."""

import numpy as np
import pandas as pd
import pytest

from rbpgia.encode.onehot import one_hot
from rbpgia.errors import InputError
from rbpgia.gia import EXPERIMENTS, support
from rbpgia.gia.experiments import (
    flanks,
    gc_bias,
    hairpin,
    kmer_mutagenesis,
    motif_count,
    positional,
    spacing,
)
from rbpgia.gia.predictor import Predictor
from rbpgia.gia.run import prepare, run_experiment, settings

MOTIF = "UGCAUG"
FRAME = 41
# Copies of UGCAUG: P1 three at 2, 12, 22 (gaps of 4 and 14); P2 two overlapping at 0 and 4
# (gap -2), one once they may not overlap; P3 one-mismatch UGCAUC at 4, exact at 16 (gap
# 6); P4 none.
POOL = [
    "AA" + "UGCAUG" + "AAAA" + "UGCAUG" + "AAAA" + "UGCAUG" + "AA",
    "UGCAUGCAUG" + "A" * 22,
    "A" * 4 + "UGCAUC" + "A" * 6 + "UGCAUG" + "A" * 14,
    "C" * 35,
]
# GC windows (GCGCGC, 2 nt from an end at most): G1 at the 5' end, 5' of the motif; G2 at
# the 3' end, 3' of it; G3 at the 5' end, no motif; G4 one too far in; G5 one G/C short
# (GCGCAC) at the 5' end, 5' of the motif.
GC_POOL = [
    "AA" + "GCGCGC" + "A" * 6 + "UGCAUG" + "A" * 16,
    "A" * 10 + "UGCAUG" + "A" * 10 + "GGCCGC" + "A",
    "GCGCGC" + "A" * 24,
    "A" * 5 + "GCGCGC" + "A" * 20,
    "GCGCAC" + "UGCAUG" + "A" * 20,
]


def training(sequences, structure=None):
    return support.training_set(one_hot(sequences, FRAME), structure)


@pytest.fixture(scope="module")
def nulls():
    rng = np.random.default_rng(3)
    letters = np.array(list("ACGU"))
    return one_hot(["".join(rng.choice(letters, 36)) for _ in range(8)], FRAME)


def count_copies(x):
    """The number of UGCAUG in each probe (a model for building the tables)."""
    x = np.asarray(x)
    width = x.shape[1] - len(MOTIF) + 1
    matched = sum(x[:, t : t + width, "ACGU".index(c)] for t, c in enumerate(MOTIF))
    return (matched == len(MOTIF)).sum(axis=1).astype(np.float32)


def table_of(function, nulls, **design):
    return function(count_copies, nulls, MOTIF, rng=0, n_boot=100, **design)


def counts(result, columns=("support", "support_1mm")):
    """{condition: (support, support_1mm)} of the rows that have support."""
    rows = result.dropna(subset=["support"])
    return {
        str(row["condition"]): tuple(int(row[c]) for c in columns) for _, row in rows.iterrows()
    }


# ----------------------------------------------------------------------------- primitives


def test_windows_touching_padding_never_match_even_with_mismatches():
    pool = training(["UGCAU", "GCAUGA"])  # a motif cut short at either end: 1 mismatch away
    found = support.mismatches(pool, MOTIF)
    assert found.shape == (2, FRAME - len(MOTIF) + 1)
    assert (found > 1).all()
    assert support.counted(pool, "GCAU") == (2, 2)
    # UGCAU (5 nt) has no window of 6 letters, however many mismatches are allowed.
    assert support.counted(pool, "GCAUGA") == (1, 1)


def test_non_overlapping_copies_take_the_most_disjoint():
    found = support.hits(training(POOL), MOTIF)
    np.testing.assert_array_equal(support.non_overlapping(found, 6), [3, 1, 1, 0])
    relaxed = support.hits(training(POOL), MOTIF, max_mismatches=1)
    np.testing.assert_array_equal(support.non_overlapping(relaxed, 6), [3, 1, 2, 0])
    # UUUUUU in U x 13: copies at 0..7 overlap; at most two fit side by side.
    run = support.hits(training(["U" * 13]), "UUUUUU")
    assert support.non_overlapping(run, 6).tolist() == [2]


def test_pairs_columns_and_structure_contexts():
    pool = training(POOL)
    found = support.hits(pool, MOTIF)
    assert support.pair_at_gap(found, 6, 4).tolist() == [True, False, False, False]
    assert support.pair_at_gap(found, 6, -2).tolist() == [False, True, False, False]
    assert support.pair_at_gap(found, 6, 14).tolist() == [True, False, False, False]
    assert support.at_column(found, pool.starts + 2).tolist() == [True, False, False, False]
    assert support.at_column(found, np.full(4, 99)).tolist() == [False] * 4
    probability = np.zeros(pool.codes.shape, dtype=np.float32)
    first = pool.starts[0] + 2
    probability[0, first : first + 3] = 1.0  # mean 0.5 over the copy: counts
    probability[1, pool.starts[1] : pool.starts[1] + 2] = 1.0  # mean 1/3: does not
    assert support.in_context(found, probability, 6).tolist() == [True, False, False, False]


def test_rich_windows_count_letters_inside_the_probe():
    pool = training(["GCGCGCAA", "AGCGCGA"])
    assert support.rich_windows(pool, "GC", 6, 6).any(axis=1).tolist() == [True, False]
    assert support.rich_windows(pool, "GC", 6, 5).any(axis=1).tolist() == [True, True]


def test_training_set_rejects_what_is_not_one_hot():
    with pytest.raises(InputError, match=r"one-hot \(N, L, 4\)"):
        support.training_set(np.zeros((3, 41, 6)))
    with pytest.raises(InputError, match="do not fit"):
        support.training_set(one_hot(POOL, FRAME), np.zeros((4, 40, 5)))
    with pytest.raises(InputError, match="outside ACGU"):
        support.counted(training(POOL), "UGCAUN")


# ----------------------------------------------------------------------------- experiments


def supported(table, pool, design=None):
    """``counts`` of ``table`` with the support its experiment's registry entry counts."""
    found = EXPERIMENTS[table["experiment"].iloc[0]].support(pool, table, design or {})
    return counts(pd.concat([table, found], axis=1))


def test_motif_count_support_is_probes_with_at_least_n_disjoint_copies(nulls):
    table = table_of(motif_count, nulls)
    result = support.rows_support(table, {})  # nothing counted: all empty
    assert result["support"].isna().all()
    assert supported(table, training(POOL)) == {
        "1": (3, 3),
        "2": (1, 2),
        "3": (1, 1),
        # A contrast has the support of its least-supported condition.
        "2 - 1": (1, 2),
        "3 - 2": (1, 1),
        "3 - 2 - 1": (1, 1),
    }
    # A compared motif is counted on its own: UGCAUC once exactly (P3), and within one
    # mismatch wherever UGCAUG is (P1 three times, P2 once disjoint, P3 twice).
    compared = table_of(motif_count, nulls, compare=["UGCAUC"])
    support_of = supported(compared, training(POOL))
    assert {k: v for k, v in support_of.items() if k.startswith("UGCAUC")} == {
        "UGCAUC:1": (1, 3),
        "UGCAUC:2": (0, 2),
        "UGCAUC:3": (0, 1),
        "UGCAUC:3 - 1": (0, 1),
    }
    assert support_of["3"] == (1, 1)


def test_spacing_support_is_the_pair_at_that_gap(nulls):
    table = table_of(spacing, nulls, spacings=[-2, 4, 6, 14, 8])
    found = EXPERIMENTS["spacing"].support(training(POOL), table, {})
    result = pd.concat([table, found], axis=1).dropna(subset=["support"])
    by_gap = {
        (row["condition"], int(row["spacing"])): (int(row["support"]), int(row["support_1mm"]))
        for _, row in result.iterrows()
    }
    assert by_gap == {
        ("pair", -2): (1, 1),
        ("pair", 4): (1, 1),
        ("pair", 6): (0, 1),
        ("pair", 14): (1, 1),
        ("pair", 8): (0, 0),
        ("pair - first - second", -2): (1, 1),
        ("pair - first - second", 4): (1, 1),
        ("pair - first - second", 6): (0, 1),
        ("pair - first - second", 14): (1, 1),
        ("pair - first - second", 8): (0, 0),
    }
    # The single-site controls have no support of their own.
    controls = pd.concat([table, found], axis=1).query("kind == 'control'")
    assert controls["support"].isna().all()


def test_positional_support_counts_starts_from_each_end(nulls):
    table = table_of(positional, nulls)
    found = supported(table, training(POOL))
    assert {k: v for k, v in found.items() if v != (0, 0)} == {
        "5p+0": (1, 1),  # P2
        "5p+2": (1, 1),  # P1
        "5p+4": (1, 2),  # P2 exact, P3 one mismatch
        "5p+12": (1, 1),
        "5p+16": (1, 1),  # P3
        "5p+22": (1, 1),
        "3p+2": (1, 1),  # P1's last copy ends 2 nt before its 3' end
        "3p+12": (1, 1),
        "3p+14": (1, 1),  # P3's exact copy
        "3p+22": (2, 2),  # P1's first copy, P2's second
        "3p+26": (1, 2),  # P2's first copy, P3's one-mismatch copy
    }


def test_positional_support_at_frame_columns(nulls):
    table = table_of(positional, nulls, positions=[6, 7, 8, 9])
    pool = training(POOL)
    found = supported(table, pool)
    # Centred in the 41-nt frame, P1 starts at column 5, P2 at 4, P3 at 2: P3's
    # one-mismatch copy is at 6, P1's first copy at 7, P2's second at 8.
    assert pool.starts.tolist() == [5, 4, 2, 3]
    assert found == {"6": (0, 1), "7": (1, 1), "8": (1, 1), "9": (0, 0)}


def test_flanks_and_variants_count_the_extended_site_and_the_variant(nulls):
    pool = training(POOL)
    table = table_of(flanks, nulls)
    found = supported(table, pool)
    # AUGCAUGA: P1 twice, P2 at 4 (after its A at 3), P3 at 16.
    assert found["A_A"] == (3, 3)
    assert found["C_A"] == (0, 3)  # one letter from AUGCAUGA
    assert found["U_G"] == (0, 0)
    table = table_of(kmer_mutagenesis, nulls)
    found = supported(table, pool)
    assert found[MOTIF] == (3, 3)
    assert found["UGCAUC"] == (1, 3)
    assert found["AGCAUG"] == (0, 3)


def test_gc_bias_support_needs_the_gc_window_at_that_end_and_side(nulls):
    table = table_of(gc_bias, nulls)
    found = supported(table, training(GC_POOL))
    assert found == {
        "motif": (3, 3),
        "gc_5p": (2, 3),
        "gc_3p": (1, 1),
        "motif+gc_5p": (1, 2),
        "motif+gc_3p": (1, 1),
        "motif+gc_5p - motif": (1, 2),
        "motif+gc_3p - motif": (1, 1),
        "motif+gc_3p - motif+gc_5p": (1, 1),
    }
    # A wider offset reaches G4's window, 5 nt in (no motif there).
    assert supported(table, training(GC_POOL), {"gc_offset": 5})["gc_5p"] == (3, 4)


def test_hairpin_support_reads_the_structure_profiles(nulls):
    table = table_of(hairpin, nulls, check_folds=False)
    pool = training(POOL)
    structure = np.zeros((*pool.codes.shape, 5), dtype=np.float32)
    first = pool.starts[0] + 2
    structure[0, first : first + 6, support.HAIRPIN] = 0.6  # P1's first copy: loop
    structure[1, pool.starts[1] : pool.starts[1] + 6, support.PAIRED] = 0.5  # P2's: stem
    near = pool.starts[2] + 4
    structure[2, near : near + 6, support.PAIRED] = 0.9  # P3's one-mismatch copy: stem
    with_structure = training(POOL, structure)
    found = supported(table, with_structure)
    assert found == {
        "loop": (1, 1),
        "stem": (1, 2),
        "loop - loop_control": (1, 1),
        "stem - stem_control": (1, 2),
        "loop - stem": (1, 1),
    }
    # Without profiles hairpin support is left empty, not zero.
    empty = EXPERIMENTS["hairpin"].support(pool, table, {})
    assert empty["support"].isna().all()


def test_every_motif_experiment_counts_its_support():
    for name, entry in EXPERIMENTS.items():
        assert (entry.support is None) == (not entry.needs_motif), name


# ----------------------------------------------------------------------------- run path


def test_run_experiment_marks_extrapolated_conditions(nulls):
    options = settings({"n_null": 10, "n_boot": 100, "min_support": 2})
    run = prepare(Predictor(count_copies, "seq"), nulls, options)
    table = run_experiment(run, "motif_count", MOTIF, options, training=training(POOL))
    assert list(table.columns[-3:]) == list(support.COLUMNS)
    marked = dict(zip(table["condition"], table["extrapolated"], strict=True))
    assert marked == {
        "1": False, "2": True, "3": True, "2 - 1": True, "3 - 2": True, "3 - 2 - 1": True,
    }  # fmt: skip
    assert support.extrapolated_note(table) == (
        "2 (1 probes), 3 (1 probes), 2 - 1 (1 probes), 3 - 2 (1 probes), 3 - 2 - 1 (1 probes)"
    )
    # Without training probes the columns are there and empty.
    bare = run_experiment(run, "motif_count", MOTIF, options)
    assert bare["support"].isna().all()
    assert bare["extrapolated"].isna().all()
    assert not support.extrapolated(bare).any()
    # Read back from TSV, as the figures and headlines read it.
    path_rows = table.to_csv(sep="\t", index=False)
    back = pd.read_csv(pd.io.common.StringIO(path_rows), sep="\t")
    assert support.extrapolated(back).tolist() == [False, True, True, True, True, True]


def test_min_support_is_a_checked_setting():
    assert settings()["min_support"] == 10
    with pytest.raises(InputError, match="gia.min_support"):
        settings({"min_support": -1})


def test_headlines_name_the_extrapolated_rows_they_read(nulls):
    from rbpgia.headlines import COLUMNS, summarise

    options = settings({"n_null": 10, "n_boot": 100, "min_support": 2})
    run = prepare(Predictor(count_copies, "seq"), nulls, options)
    pool = training(POOL)
    tables = {
        ("R", "m", name): run_experiment(run, name, MOTIF, options, training=pool, **design)
        for name, design in [
            ("motif_count", {}),
            ("flanks", {}),
            ("spacing", {"spacings": [4, 8]}),
            ("hairpin", {"check_folds": False}),
        ]
    }
    summary = summarise(tables)
    assert list(summary.columns) == COLUMNS
    summary = summary.set_index("experiment")
    # The headline reads every count: 2 and 3 copies (support 1 < 2) are extrapolated.
    assert summary.loc["motif_count", "extrapolated"] == (
        "2 (1 probes), 3 (1 probes), 2 - 1 (1 probes), 3 - 2 (1 probes), 3 - 2 - 1 (1 probes)"
    )
    flank_table = tables[("R", "m", "flanks")]
    best_flank = flank_table.loc[flank_table["importance"].idxmax()]  # as the headline reads
    expected = "" if best_flank["support"] >= 2 else f"{best_flank['condition']} ("
    assert summary.loc["flanks", "extrapolated"].startswith(expected)
    # Hairpin support is unknown without structure profiles: nothing is claimed.
    assert summary.loc["hairpin", "extrapolated"] == ""


def test_support_of_a_pattern_longer_than_the_frame_is_zero():
    found = np.zeros((4, 0), dtype=bool)
    assert support.at_column(found, np.array([0, 1, 2, 3])).tolist() == [False] * 4
