"""PWM reading, k-mer alignment motifs, PWM similarity, matching and PWM logos."""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rbpgia.errors import InputError
from rbpgia.motifs import (
    best_matches,
    column_correlations,
    iupac_to_pwm,
    kmer_alignment_pwm,
    pwm_consensus,
    pwm_similarity,
    read_iupac,
    read_motif_names,
    read_pwms,
)
from rbpgia.plots.logos import information_matrix, plot_kmer_logo_with_match, plot_pwm_logo

MOTIFS = Path(__file__).resolve().parents[1] / "resources" / "rncmpt_motifs"


@pytest.fixture(scope="module")
def shipped():
    return read_pwms(MOTIFS / "rncmpt_pwm.hmot")


@pytest.fixture(scope="module")
def names():
    return read_motif_names(MOTIFS / "rncmpt_names.txt")


# --- readers ---------------------------------------------------------------------------


def test_shipped_pwms_count_shapes_and_first_rows(shipped):
    assert len(shipped) == 420
    assert list(shipped)[:3] == ["RNCMPT00001", "RNCMPT00002", "RNCMPT00003"]
    assert Counter(len(p) for p in shipped.values()) == {7: 102, 8: 285, 9: 30, 10: 3}
    first = shipped["RNCMPT00001"]
    assert first.shape == (8, 4)
    # The file's numbers (they already sum to 1.000000).
    np.testing.assert_allclose(first[0], [0.39811, 0.102749, 0.102749, 0.396392], atol=1e-12)
    np.testing.assert_allclose(first[1], [0.007764, 0.007764, 0.007764, 0.976707], rtol=1e-5)
    for pwm in shipped.values():
        np.testing.assert_allclose(pwm.sum(axis=1), 1.0, atol=1e-12)
    assert pwm_consensus(first[1:6]) == "UAAUU"


def test_header_order_is_respected_and_rows_normalised(tmp_path):
    path = tmp_path / "m.hmot"
    path.write_text("Motif\tX1\nPos\tU\tG\tC\tA\n1\t2\t0\t0\t2\n2\t1\t1\t1\t1\n\n")
    pwm = read_pwms(path)["X1"]
    np.testing.assert_allclose(pwm, [[0.5, 0, 0, 0.5], [0.25, 0.25, 0.25, 0.25]])


GOOD = "Motif\tX1\n#\tAC 10 1.0\nPos\tA\tC\tG\tU\n1\t1\t0\t0\t0\n2\t0\t1\t0\t0\n\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("1\t1\t0\t0\t0\n", 1, "outside a motif block"),
        (GOOD + "Motif\tX2\nPos\tA\tC\tG\tU\n1\t1\t0\t0\n", 9, "4 values"),
        (GOOD + "Motif\tX2\nPos\tA\tC\tG\tU\n1\t1\t0\t0\tx\n", 9, "numbers"),
        (GOOD + "Motif\tX2\nPos\tA\tC\tG\tU\n1\t1\t0\t0\t-1\n", 9, ">= 0"),
        (GOOD + "Motif\tX2\nPos\tA\tC\tG\tU\n1\t0\t0\t0\t0\n", 9, "positive sum"),
        (GOOD + "Motif\tX2\nPos\tA\tC\tG\tU\n1\t1\t0\t0\t0\n3\t1\t0\t0\t0\n", 10, "position 2"),
        (GOOD + "Motif\tX2\n1\t1\t0\t0\t0\n", 8, "header"),
        (GOOD + "Motif\tX2\nPos\tA\tC\tG\tG\n", 8, "A, C, G, U once"),
        (GOOD + "Motif\tX2\n\nMotif\tX3\n", 7, "has no rows"),
        (GOOD + "Motif\tX1\n", 7, "duplicate"),
    ],
    ids=lambda value: value if isinstance(value, str) and "\n" not in value else "",
)
def test_malformed_pwm_file_names_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bad.hmot"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as error:
        read_pwms(path)
    assert str(error.value).startswith(f"{path}:{line}: ")


def test_empty_pwm_file_is_an_error(tmp_path):
    path = tmp_path / "empty.hmot"
    path.write_text("\n\n")
    with pytest.raises(InputError, match="no motifs"):
        read_pwms(path)


def test_iupac_and_names_files(tmp_path, names):
    cores = read_iupac(MOTIFS / "rncmpt_iupac.txt")
    assert len(cores) == 420
    assert cores["RNCMPT00001"] == "UAAUU"
    assert len(names) == 420
    row = names.set_index("rncmpt_id").loc["RNCMPT00001"]
    assert (row["protein"], row["species"], row["gene_id"]) == (
        "A1CF",
        "Homo_sapiens",
        "ENSG00000148584",
    )
    bad = tmp_path / "iupac.txt"
    bad.write_text("R1 ACGU\nR2 ACXU\n")
    with pytest.raises(InputError, match=r"iupac.txt:2: .*non-IUPAC"):
        read_iupac(bad)
    bad_names = tmp_path / "names.txt"
    bad_names.write_text("T1 R1 G1 P1 Homo_sapiens Metazoa\nT2 R2 G2 P2 Homo_sapiens\n")
    with pytest.raises(InputError, match=r"names.txt:2: expected 6 fields"):
        read_motif_names(bad_names)


def test_iupac_to_pwm_and_consensus():
    np.testing.assert_allclose(
        iupac_to_pwm("AYN"),
        [[1, 0, 0, 0], [0, 0.5, 0, 0.5], [0.25, 0.25, 0.25, 0.25]],
    )
    assert pwm_consensus(iupac_to_pwm("UGCAUG")) == "UGCAUG"
    with pytest.raises(InputError):
        iupac_to_pwm("AXG")


# --- k-mer alignment -------------------------------------------------------------------


def test_kmer_alignment_hand_example():
    # Seed UGCAUG; GCAUGU fits one right (5 matches), CUGCAU one left (5 matches).
    # Columns -1 and +6 are covered by 1/3 of the weight and are dropped; column 0 is
    # U in two k-mers plus a uniform share of the third: 2/3 + 1/12 = 0.75.
    pwm = kmer_alignment_pwm(["UGCAUG", "GCAUGU", "CUGCAU"], [1.0, 1.0, 1.0])
    a, b = 1 / 12, 0.75
    np.testing.assert_allclose(
        pwm,
        [[a, a, a, b], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [a, a, b, a]],
    )
    assert pwm_consensus(pwm) == "UGCAUG"
    # A lower coverage threshold keeps the flanks: CUGCAUGU.
    wide = kmer_alignment_pwm(["UGCAUG", "GCAUGU", "CUGCAU"], [1, 1, 1], min_coverage=0.3)
    assert pwm_consensus(wide) == "CUGCAUGU"
    np.testing.assert_allclose(wide[0], [1 / 6, 0.5, 1 / 6, 1 / 6])
    # Full coverage is met nowhere outside the seed, which is always kept.
    assert pwm_consensus(kmer_alignment_pwm(["UGCAUG", "GCAUGU"], [1, 1], min_coverage=1)) == (
        "UGCAUG"
    )


def test_kmer_alignment_seed_is_highest_weight_and_ties_prefer_left():
    # CACACA fits ACACAC at shifts -1 and +1 (5 matches each): the tie goes left.
    # Column -1 holds CACACA's C (weight 1 of 3) plus a uniform 2/3: C = 1/3 + 1/6.
    pwm = kmer_alignment_pwm(["CACACA", "ACACAC"], [1.0, 2.0], min_coverage=0.3)
    assert pwm_consensus(pwm) == "CACACAC"
    np.testing.assert_allclose(pwm[0], [1 / 6, 0.5, 1 / 6, 1 / 6])
    # The same k-mers in another input order give the same motif.
    again = kmer_alignment_pwm(["ACACAC", "CACACA"], [2.0, 1.0], min_coverage=0.3)
    np.testing.assert_array_equal(pwm, again)


@pytest.mark.parametrize(
    ("kmers", "weights", "message"),
    [
        (["ACGU", "ACG"], [1, 1], "k-mer 1"),
        (["ACGU", "ACXU"], [1, 1], "outside ACGU"),
        (["ACGU", "ACGU"], [1, -1], "weight 1"),
        (["ACGU"], [0], "zero"),
        ([], [], "no k-mers"),
    ],
)
def test_kmer_alignment_rejects_bad_input(kmers, weights, message):
    with pytest.raises(InputError, match=message):
        kmer_alignment_pwm(kmers, weights)


# --- similarity and matching -----------------------------------------------------------


def test_column_correlations_hand_values():
    r = column_correlations(iupac_to_pwm("AC"), iupac_to_pwm("ANC"))
    np.testing.assert_allclose(r, [[1, 0, -1 / 3], [-1 / 3, 0, 1]])
    assert column_correlations(iupac_to_pwm("N"), iupac_to_pwm("N"))[0, 0] == 1.0


def test_similarity_self_shift_and_normalisation(shipped):
    a = shipped["RNCMPT00001"]
    assert pwm_similarity(a, a) == (pytest.approx(1.0), 0)
    # b starts at position 2 of a.
    assert pwm_similarity(a, a[2:]) == (pytest.approx(1.0), 2)
    # a starts at position 3 of b.
    b = np.vstack([shipped["RNCMPT00002"][:3], a])
    score, offset = pwm_similarity(a, b)
    assert offset == -3
    assert score == pytest.approx(1.0)
    # Partial overlaps count against the shorter length: CGU of 4 columns = 3/4.
    assert pwm_similarity(iupac_to_pwm("ACGU"), iupac_to_pwm("CGUA"), min_overlap=3) == (
        pytest.approx(0.75),
        1,
    )
    # Requiring 4 overlapping columns leaves offset 0: four mismatches of r = -1/3.
    assert pwm_similarity(iupac_to_pwm("ACGU"), iupac_to_pwm("CGUA")) == (
        pytest.approx(-1 / 3),
        0,
    )


def test_best_matches_finds_a1cf_and_rbfox(shipped, names):
    cores = read_iupac(MOTIFS / "rncmpt_iupac.txt")
    table = best_matches(iupac_to_pwm("UAAUU"), shipped, names, top=5)
    assert list(table.columns) == ["rncmpt_id", "protein", "species", "score", "offset"]
    assert len(table) == 5
    assert table["score"].is_monotonic_decreasing
    top = table.iloc[0]
    assert top["rncmpt_id"] == "RNCMPT00001" or cores[top["rncmpt_id"]] == "UAAUU"
    assert top["protein"] == "A1CF"
    assert top["score"] == pytest.approx(1.0)
    # UAAUU sits at positions 2-6 of RNCMPT00001's 8 columns: offset -1.
    assert top["offset"] == -1
    fox = best_matches(iupac_to_pwm("UGCAUG"), shipped, names, top=5)
    assert all("GCAUG" in cores[i] for i in fox["rncmpt_id"])
    assert fox.iloc[0]["score"] > 0.95
    assert len(best_matches(iupac_to_pwm("UGCAUG"), shipped, top=None)) == 420


# --- logos -----------------------------------------------------------------------------


def test_information_matrix_hand_values():
    heights = information_matrix([[1, 0, 0, 0], [0.25] * 4, [0.5, 0.5, 0, 0]])
    np.testing.assert_allclose(heights, [[2, 0, 0, 0], [0, 0, 0, 0], [0.5, 0.5, 0, 0]])


def test_pwm_logos_write_png(tmp_path, shipped):
    path = tmp_path / "logo.png"
    plot_pwm_logo(shipped["RNCMPT00001"], path, "RNCMPT00001 A1CF")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
    kmer = kmer_alignment_pwm(["UGCAUG", "GCAUGU", "CUGCAU"], [3.0, 2.0, 1.0])
    score, offset = pwm_similarity(kmer, shipped["RNCMPT00168"])
    match = tmp_path / "match.png"
    plot_kmer_logo_with_match(kmer, shipped["RNCMPT00168"], "RNCMPT00168 A2BP1", score, match)
    assert match.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert match.stat().st_size > 5000
    # Written atomically: no temporary file is left beside the figures.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logo.png", "match.png"]


def test_kmer_alignment_pwm_has_no_negative_round_off():
    # Top 20 GIA 6-mers of a demo RBP; these once gave an entry of -8e-17 that logos reject.
    kmers = ["UAGGGA", "GUAGGG", "UUAGGG", "AUAGGG", "AGGGAG", "AGGGAA", "CUAGGG", "AGGGAC"]
    kmers += ["AGGGAU", "AAGGGA", "UAGGGC", "UAGGAA", "GAGGGA", "GGGAGG", "UUGGGA", "UAGGCA"]
    kmers += ["GGGAGC", "UAAGGA", "AUUAGG", "AAUAGG"]
    weights = [1.77624, 0.722961, 0.705794, 0.699135, 0.683832, 0.644981, 0.63474, 0.634271]
    weights += [0.620687, 0.396726, 0.352752, 0.309882, 0.309208, 0.308597, 0.304162]
    weights += [0.301071, 0.297396, 0.279931, 0.278284, 0.277608]
    pwm = kmer_alignment_pwm(kmers, np.array(weights))
    assert pwm.min() >= 0
    np.testing.assert_allclose(pwm.sum(axis=1), 1.0, atol=1e-12)
    assert pwm_consensus(pwm).find("UAGGGA") >= 0
