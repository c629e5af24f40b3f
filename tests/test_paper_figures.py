"""The paper's figures (rbpgia.plots.paper) on small synthetic tables."""

import itertools
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from PIL import Image

from rbpgia.gia.experiments.gc_bias import CONDITIONS as GC_CONDITIONS
from rbpgia.gia.experiments.gc_bias import EFFECT_3P, EFFECT_5P, THREE_MINUS_FIVE
from rbpgia.gia.experiments.hairpin import CONDITIONS as HAIRPIN_CONDITIONS
from rbpgia.gia.experiments.hairpin import LOOP_EFFECT, LOOP_MINUS_STEM, STEM_EFFECT
from rbpgia.plots import paper, style
from rbpgia.plots.report import plot_training_history, plot_validation
from rbpgia.sequence import ALPHABET, gc_fraction
from rbpgia.workflow.labels import report_labels

RBPS = [f"RBP{i}" for i in range(6)]
MAIN = ("residualbind", "seq", "clip")


def performance(inputs=("seq",), norms=("clip",), ceiling=True) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for rbp, (model, base) in itertools.product(
        RBPS, [("residualbind", 0.6), ("deepbind_cnn", 0.5), ("kmer_ridge", 0.45)]
    ):
        for input_type, norm in itertools.product(inputs, norms):
            if model == "kmer_ridge" and input_type != "seq":
                continue
            rows.append(
                {
                    "rbp": rbp,
                    "model": model,
                    "input": input_type,
                    "norm": norm,
                    "pearson_r": base + rng.normal(0, 0.05),
                    "spearman_r": base,
                    "n_test": 400,
                }
            )
    table = pd.DataFrame(rows)
    if ceiling:
        table["noise_ceiling_r"] = table["rbp"].map({rbp: 0.9 for rbp in RBPS})
    return table


def stat_columns(importance) -> dict:
    importance = np.asarray(importance, dtype=float)
    return {"importance": importance, "ci_low": importance - 0.1, "ci_high": importance + 0.1}


def gc_table(motif="UGCAUG", sign=-1.0, rbp_shift=0.0) -> pd.DataFrame:
    """A gc_bias table: its five conditions, then the three paired contrasts."""
    conditions = [1.0, 0.1 * sign, 0.1 * sign, 1 + 0.5 * sign, 1 + 0.4 * sign]
    effect_5p, effect_3p = 0.5 * sign + rbp_shift, 0.4 * sign - rbp_shift
    contrasts = [effect_5p, effect_3p, effect_3p - effect_5p]
    names = [*GC_CONDITIONS, EFFECT_5P, EFFECT_3P, THREE_MINUS_FIVE]
    return pd.DataFrame(
        {
            "experiment": "gc_bias",
            "motif": motif,
            "condition": names,
            "kind": ["condition"] * 5 + ["contrast"] * 3,
            **stat_columns(conditions + contrasts),
        }
    )


def hairpin_table() -> pd.DataFrame:
    """A hairpin table: its conditions and controls, then the three contrasts."""
    names = [*HAIRPIN_CONDITIONS, LOOP_EFFECT, STEM_EFFECT, LOOP_MINUS_STEM]
    kinds = ["control" if name.endswith("_control") else "condition" for name in names[:-3]]
    importance = {"loop": 0.9, "stem": 0.1, LOOP_EFFECT: 0.4, STEM_EFFECT: -0.4}
    importance[LOOP_MINUS_STEM] = 0.8
    return pd.DataFrame(
        {
            "experiment": "hairpin",
            "motif": "UAAUU",
            "condition": names,
            "kind": kinds + ["contrast"] * 3,
            **stat_columns([importance.get(name, 0.5) for name in names]),
            "fold_fraction": [{"loop": 0.8, "stem": 0.7}.get(name, np.nan) for name in names],
        }
    )


def summary() -> pd.DataFrame:
    rows = []
    for i, rbp in enumerate(RBPS):
        rows.append({"rbp": rbp, "experiment": "kmer_search", "value": 0.1 * i})
        rows.append({"rbp": rbp, "experiment": "hairpin", "value": 0.3 - 0.1 * i})
        rows.append({"rbp": rbp, "experiment": "gc_bias", "value": 0.2 * (i - 2)})
    return pd.DataFrame(rows)


def texts(fig) -> str:
    parts = [fig._suptitle.get_text() if fig._suptitle else ""]
    for ax in fig.axes:
        parts += [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]
    return "\n".join(parts)


def labelled_axes(fig) -> list:
    """Axes that carry data (not notes): they must have labelled x and y axes."""
    return [ax for ax in fig.axes if ax.get_xlabel() and ax.get_ylabel()]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_selection_helpers():
    table = summary()
    assert paper.select_motif_rbp(table) == "RBP5"
    assert paper.select_structure_rbp(table) == "RBP0"
    assert paper.select_gc_rbps(table, 2) == ["RBP0", "RBP5"]
    assert paper.select_motif_rbp(table[table["experiment"] != "kmer_search"]) is None
    assert paper.select_gc_rbps(table[table["experiment"] != "gc_bias"]) == []


def test_paper_rbps_are_preferred_where_modelled():
    modelled = ["RNCMPT00145", "RNCMPT00001", "RNCMPT00112", "VTS1", "RNCMPT00082"]
    assert paper.paper_rbps("figure2", modelled) == []
    assert paper.paper_rbps("figure2", [*modelled, "RNCMPT00168"]) == ["RNCMPT00168"]
    # RNAcompete 2009's VTS1 before the 2013 Vts1p experiments; the paper's order kept.
    assert paper.paper_rbps("figure3", modelled) == ["VTS1", "RNCMPT00082"]
    assert paper.paper_rbps("figure4", modelled) == ["RNCMPT00112", "RNCMPT00145"]


def test_motif_mismatches_and_classes():
    mismatches = paper.motif_mismatches(["AAUGCAUGAA", "UGCAUC", "AAAAAA", "UGCAU"], "UGCAUG")
    assert mismatches.tolist() == [0, 1, 5, 6]
    assert paper.match_class(mismatches).tolist() == [
        "exact match",
        "1 mismatch",
        "≥2 mismatches",
        "≥2 mismatches",
    ]


def test_motif_structure_profiles_splits_bound_and_unbound():
    rng = np.random.default_rng(1)
    sequences = ["".join(rng.choice(list("ACGU"), 20)) for _ in range(40)]
    sequences = [s[:5] + "GGAA" + s[9:] for s in sequences]
    structure = np.zeros((40, 24, 5))
    structure[:, 2:22, 0] = 1.0  # all paired ...
    bound = np.arange(40) < 4
    structure[bound, 2 + 5 : 2 + 9, 0] = 0.0  # ... except the motif of the bound probes
    structure[bound, 2 + 5 : 2 + 9, 1] = 1.0
    measured = np.where(bound, 5.0, rng.normal(0, 0.1, 40))
    profiles = paper.motif_structure_profiles(sequences, structure, measured, "GGAA", flank=3)
    assert profiles["n_bound"] == 4
    assert profiles["n_unbound"] == 20
    assert list(profiles["bound"].columns) == list(paper.STRUCTURE_LETTERS)
    assert profiles["bound"].loc[0:3, "H"].tolist() == [1.0] * 4
    assert profiles["unbound"].loc[0:3, "P"].tolist() == [1.0] * 4
    np.testing.assert_allclose(profiles["bound"].sum(axis=1), 1.0)
    none = paper.motif_structure_profiles(sequences, structure, measured, "CCCCCCCC")
    assert none["n_bound"] == 0
    assert none["bound"].isna().all().all()


def test_mutagenesis_logo_matrix_is_centred_per_position():
    rows = [
        {"position": p, "nucleotide": b, "importance": float(p + (b == "G"))}
        for p in range(3)
        for b in ALPHABET
    ]
    matrix = paper.mutagenesis_logo_matrix(pd.DataFrame(rows))
    assert list(matrix.index) == [1, 2, 3]
    assert list(matrix.columns) == list(ALPHABET)
    np.testing.assert_allclose(matrix.sum(axis=1), 0.0, atol=1e-12)
    assert (matrix["G"] > 0).all()


def test_binned_means_and_gc_fraction():
    assert gc_fraction(["GGCC", "AAUU", "GA"]).tolist() == [1.0, 0.0, 0.5]
    x = np.linspace(0, 1, 200)
    curve = paper.binned_means(x, 2 * x, bins=4)
    assert len(curve) == 4
    assert curve["mean"].is_monotonic_increasing
    assert curve["n"].sum() == 200


def test_figure1_complete_has_four_data_panels():
    table = performance(inputs=("seq", "pu", "struct"), norms=("clip", "log"))
    fig = paper.figure1(table, MAIN, baselines=["kmer_ridge", "deepbind_cnn"])
    assert len(fig.axes) == 4
    assert paper.not_run_notes(fig) == []
    assert len(labelled_axes(fig)) == 4
    text = texts(fig)
    assert "Pearson r on Set B" in text
    assert "strongest baseline (deepbind_cnn)" in text
    assert "clip normalisation" in text
    assert "log normalisation" in text
    assert "Wilcoxon" in text
    # Panel A: one row per model plus the noise ceiling.
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "noise ceiling"
    assert set(labels) == {"noise ceiling", "residualbind", "deepbind_cnn", "kmer_ridge"}


def test_figure1_many_rbps_uses_violins():
    table = performance()
    table = pd.concat([table.assign(rbp=table["rbp"] + f"_{i}") for i in range(2)])
    fig = paper.figure1(table, MAIN, baselines=["kmer_ridge", "deepbind_cnn"])
    violins = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(violins) == 4  # three models and the noise ceiling
    assert "Performance across 12 RBPs" in texts(fig)
    assert fig.axes[1].get_xticks().size == 12


def test_figure1_missing_norms_and_inputs_show_notes():
    fig = paper.figure1(performance(ceiling=False), MAIN, baselines=["kmer_ridge", "deepbind_cnn"])
    notes = paper.not_run_notes(fig)
    assert len(notes) == 2
    assert any("set training.norms: [clip, log] to compare" in n for n in notes)
    assert any("set training.inputs: [seq, pu, struct] to compare" in n for n in notes)
    assert "noise ceiling" not in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_figure1_single_model_notes_the_comparison():
    table = performance()
    table = table[table["model"] == "residualbind"]
    notes = paper.not_run_notes(paper.figure1(table, MAIN, baselines=[]))
    assert any("training.baselines" in n for n in notes)


def test_fonts_are_readable():
    fig = paper.figure1(performance(), MAIN)
    fig.canvas.draw()
    sizes = [t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels() + ax.texts]
    sizes += [ax.xaxis.label.get_fontsize() for ax in fig.axes]
    assert min(sizes) >= paper.MIN_FONT
    assert fig.get_figwidth() == pytest.approx(paper.WIDTH)


def figure2_inputs():
    rng = np.random.default_rng(2)
    measured = rng.normal(size=120)
    predictions = pd.DataFrame(
        {
            "measured": measured,
            "predicted": measured + rng.normal(0, 0.5, 120),
            "match": paper.match_class(rng.integers(0, 3, 120)),
        }
    )
    kmers = ["".join(p) for p in itertools.product("ACGU", repeat=3)]
    kmer_search = pd.DataFrame({"kmer": kmers, **stat_columns(rng.normal(size=len(kmers)))})
    grid = list(itertools.product(range(4), ALPHABET))
    mutagenesis = pd.DataFrame(
        {
            "position": [p for p, _ in grid],
            "nucleotide": [b for _, b in grid],
            **stat_columns(rng.normal(size=len(grid))),
        }
    )
    count = pd.DataFrame(
        {
            "experiment": "motif_count",
            "condition": ["1", "2", "3", "2 - 1", "3 - 2"],
            "kind": ["condition"] * 3 + ["contrast"] * 2,
            "n_sites": [1, 2, 3, 2, 3],
            **stat_columns([0.5, 1.0, 1.4, 0.5, 0.4]),
            "slope": 0.45,
            "intercept": 0.1,
        }
    ).assign(r2=0.99)
    gaps = np.repeat(np.arange(6), 4)
    interaction = np.where(np.arange(6) == 3, 1.0, 0.05)
    pair = 2.0 + np.sin(np.arange(6)) + interaction
    spacing = pd.DataFrame(
        {
            "experiment": "spacing",
            "condition": ["pair", "first", "second", "pair - first - second"] * 6,
            "kind": ["condition", "control", "control", "contrast"] * 6,
            "spacing": gaps,
            **stat_columns(np.column_stack([pair, np.ones(6), np.ones(6), interaction]).ravel()),
        }
    )
    ism = [(rng.normal(size=(30, 4)), "ACGU" * 7 + "AC", "probe 1 (measured 3.2)")]
    return {
        "predictions": predictions,
        "kmer_search": kmer_search,
        "kmer_mutagenesis": mutagenesis,
        "ism": ism,
        "motif_count": count,
        "spacing": spacing,
    }


def test_figure2_with_affinity_has_every_panel():
    inputs = figure2_inputs()
    affinity = inputs["kmer_search"][["kmer"]].assign(affinity=np.arange(64.0))
    fig = paper.figure2("RBP1", "UGCA", affinity=affinity, affinity_label="−log10 Kd (M)", **inputs)
    assert len(fig.axes) == 7
    assert paper.not_run_notes(fig) == []
    text = texts(fig)
    for needle in ("GIA k-mer search", "GIA mutagenesis", "Motif count", "Motif spacing"):
        assert needle in text
    assert "−log10 Kd (M)" in text
    assert "Spearman" in text
    scatter = fig.axes[0]
    assert scatter.get_legend().get_title().get_text() == "best match to UGCA"
    assert {t.get_text().split(" (")[0] for t in scatter.get_legend().get_texts()} <= {
        "exact match",
        "1 mismatch",
        "≥2 mismatches",
    }


def test_figure2_draws_a_compared_motif_against_one_site():
    """Panel E: the sub-optimal motif's counts beside the motif's, one site as reference."""
    inputs = figure2_inputs()
    own = inputs["motif_count"].assign(pattern="UGCA", motif="UGCA")
    weak = pd.DataFrame(
        {
            "experiment": "motif_count",
            "condition": ["AGCA:1", "AGCA:2", "AGCA:3", "AGCA:3 - 1"],
            "kind": ["condition"] * 3 + ["contrast"],
            "pattern": "AGCA",
            "motif": "UGCA",
            "n_sites": [1, 2, 3, 3],
            **stat_columns([0.2, 0.35, 0.5, 0.0]),
        }
    )
    inputs["motif_count"] = pd.concat([own, weak], ignore_index=True)
    fig = paper.figure2("RBP1", "UGCA", **inputs)
    count_axis = next(ax for ax in fig.axes if "Motif count" in ax.get_title(loc="left"))
    assert count_axis.get_title(loc="left").endswith("Motif count: UGCA and AGCA")
    labels = [t.get_text() for t in count_axis.get_legend().get_texts()]
    assert "AGCA" in labels
    assert "one UGCA" in labels
    reference = [line for line in count_axis.get_lines() if line.get_label() == "one UGCA"]
    assert reference[0].get_ydata()[0] == pytest.approx(0.5)  # one site of the motif
    weak_line = next(line for line in count_axis.get_lines() if line.get_label() == "AGCA")
    np.testing.assert_allclose(weak_line.get_ydata(), [0.2, 0.35, 0.5])


def test_figure2_draws_the_patterns_table_against_affinity():
    from rbpgia.gia.experiments.patterns import affinity_fit

    kd = pd.read_csv(
        Path(__file__).parents[1] / "resources" / "rbfox1_kd" / "rbfox1_auweter2006_kd.tsv",
        sep="\t",
    )
    importance = 3.0 - 0.4 * np.log(kd["kd_ratio"].to_numpy())
    table = pd.DataFrame(
        {
            "experiment": "patterns",
            "pattern": kd["pattern"],
            **stat_columns(importance),
            "affinity": kd["kd_ratio"],
            "log_affinity": np.log(kd["kd_ratio"]),
        }
    )
    table = table.assign(**affinity_fit(table["log_affinity"], table["importance"]))
    fig = paper.figure2("RNCMPT00168", "UGCAUG", patterns=table, **figure2_inputs())
    assert paper.not_run_notes(fig) == []
    title = paper.panel_title(fig.axes[-1])
    assert title.startswith("GIA vs measured affinity\n7 patterns: r = -1.00")
    assert "UGCAUAU" in {t.get_text() for t in fig.axes[-1].texts}


def test_figure2_without_affinity_or_experiments_shows_notes():
    inputs = figure2_inputs()
    inputs.update(kmer_mutagenesis=None, motif_count=None, spacing=None, ism=())
    fig = paper.figure2("RBP1", "UGCA", **inputs)
    notes = paper.not_run_notes(fig)
    assert len(notes) == 5
    assert any("figures.affinity" in n for n in notes)
    assert any("add motif_count" in n for n in notes)
    assert any("add spacing" in n for n in notes)
    assert any("add kmer_mutagenesis" in n for n in notes)


def test_figure3_panels_and_notes():
    rng = np.random.default_rng(3)
    sequences = ["".join(rng.choice(list("ACGU"), 30)) for _ in range(200)]
    sequences = [s[:10] + "UAAUU" + s[15:] for s in sequences]
    structure = rng.dirichlet(np.ones(5), size=(200, 41))
    profiles = paper.motif_structure_profiles(sequences, structure, rng.normal(size=200), "UAAUU")
    value = np.array([0.8, -0.1, 0.2])
    loop_minus_stem = pd.DataFrame(
        {"value": value, "ci_low": value - 0.1, "ci_high": value + 0.1}, index=["R1", "R2", "R3"]
    )
    fig = paper.figure3("R1", "UAAUU", hairpin_table(), loop_minus_stem, profiles)
    assert len(fig.axes) == 4
    assert paper.not_run_notes(fig) == []
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "loop\n(folds 80%)" in labels
    assert "stem\n(folds 70%)" in labels
    # Every row of the hairpin table is a bar, contrasts hatched.
    assert len(labels) == len(hairpin_table())
    assert paper.HAIRPIN_LABELS[LOOP_MINUS_STEM] in labels
    hatched = [bar for bar in fig.axes[0].patches if bar.get_hatch()]
    assert len(hatched) == 3
    # Panel B: one bar per RBP with its CI, the chosen RBP highlighted.
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["R2", "R3", "R1"]
    assert "Loop − stem, net of position" in texts(fig)
    # The structure logos are drawn with one letter per channel and position.
    assert len(fig.axes[2].patches) >= 5 * 15

    fig = paper.figure3("R1", "UAAUU", None, None, None)
    notes = paper.not_run_notes(fig)
    assert sum("add hairpin to gia.experiments" in n for n in notes) == 2


def test_figure4_examples_and_distribution():
    tables = {"RBP0": gc_table(sign=-1), "RBP5": gc_table(sign=1)}
    every = {rbp: gc_table(sign=1.0, rbp_shift=0.1 * (i - 2)) for i, rbp in enumerate(RBPS)}
    every.update(tables)
    effects = paper.gc_contrasts(every)
    assert list(effects.columns) == ["rbp", "condition", "importance", "ci_low", "ci_high"]
    assert len(effects) == 3 * len(RBPS)
    assert set(effects["condition"]) == {EFFECT_5P, EFFECT_3P, THREE_MINUS_FIVE}
    x = np.linspace(0.2, 0.8, 100)
    binding = {"RBP0": paper.binned_means(x, -x), "RBP5": paper.binned_means(x, x)}
    fig = paper.figure4(tables, effects, binding)
    assert len(fig.axes) == 4
    assert paper.not_run_notes(fig) == []
    # 3' - 5' +- 0.1: RBP0 +0.1, RBP5 -0.1, RBP1..4 -0.1 - 0.2 (i - 2). Two point estimates
    # are positive, but no CI lies above 0; RBP3 and RBP4's lie below it.
    assert "per end, 6 RBPs (3' > 5' in 0, 5' > 3' in 2, CIs apart)" in texts(fig)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        paper.GC_LABELS[c] for c in gc_table()["condition"]
    ]
    hatched = [bar for bar in fig.axes[0].patches if bar.get_hatch()]
    assert len(hatched) == 3  # the paired contrasts
    # Few RBPs: per RBP, one bar per end with its CI.
    assert [t.get_text() for t in fig.axes[2].get_legend().get_texts()] == ["GC 5'", "GC 3'"]
    # Many RBPs: a histogram per end with the examples marked.
    many = {f"R{i}": gc_table(sign=1.0, rbp_shift=0.02 * (i - 20)) for i in range(38)}
    many.update(tables)
    fig = paper.figure4(tables, paper.gc_contrasts(many), binding)
    ax = fig.axes[2]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["GC 5'", "GC 3'"]
    assert "40 RBPs" in ax.get_title(loc="left")
    marked = {round(line.get_xdata()[0], 6) for line in ax.lines}
    assert {-0.4, 0.4} <= marked  # the examples' 3' effects

    notes = paper.not_run_notes(paper.figure4({}, None, None))
    assert sum("add gc_bias to gia.experiments" in n for n in notes) == 2


def test_figures_draw_with_the_one_palette():
    """Bars, logo letters and structure letters: Okabe-Ito (and its grey) only."""
    allowed = {to_hex(colour) for colour in [*style.PALETTE, style.GREY]}
    tables = {"RBP0": gc_table(sign=-1), "RBP5": gc_table(sign=1)}
    fig = paper.figure4(tables, paper.gc_contrasts(tables), None)
    bars = [patch for ax in fig.axes for patch in ax.patches if isinstance(patch, Rectangle)]
    assert len(bars) >= 2 * len(gc_table())
    assert {to_hex(bar.get_facecolor(), keep_alpha=False) for bar in bars} <= allowed
    letters = [*paper.NUCLEOTIDE_COLORS.values(), *paper.STRUCTURE_COLORS.values()]
    assert {to_hex(colour) for colour in letters} <= allowed


def test_colours_are_defined_in_the_style_module_only():
    for path in Path(style.__file__).parent.rglob("*.py"):
        if path.name != "style.py":
            text = path.read_text()
            assert "color_palette" not in text, path
            assert not re.search(r"#[0-9A-Fa-f]{6}\b", text), path


def test_save_writes_valid_pdf_and_png(tmp_path):
    tables = {"RBP0": gc_table()}
    fig = paper.figure4(tables, paper.gc_contrasts(tables), None)
    paths = paper.save_paper_figure(fig, tmp_path / "figure4")
    assert [p.rsplit(".", 1)[1] for p in paths] == ["pdf", "png"]
    pdf = (tmp_path / "figure4.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-64:]
    assert b"/FontFile2" in pdf  # TrueType fonts embedded (pdf.fonttype 42)
    with Image.open(tmp_path / "figure4.png") as image:
        assert image.format == "PNG"
        assert image.info["dpi"][0] == pytest.approx(300, abs=1)
        assert image.width >= 7 * 300 * 0.9
        assert len(np.unique(np.asarray(image.convert("L")))) > 10
    assert not list(tmp_path.glob("*.tmp"))


def test_report_labels_read_the_selection(tmp_path):
    selection = tmp_path / "selection.json"
    selection.write_text(
        '{"figure1": {"rbp": "all"}, "figure2": {"rbp": "RBP3"}, "figure4": {"rbps": ["A", "B"]}}'
    )
    assert report_labels(selection, 2, "motif") == {"RBP": "RBP3", "figure": "Figure 2: motif"}
    assert report_labels(selection, 4, "GC")["RBP"] == "A, B"
    assert report_labels(selection, 3, "x")["RBP"] == "all"
    assert report_labels(tmp_path / "missing.json", 1, "x")["RBP"] == "all"


def test_training_history_and_validation_figures(tmp_path):
    history = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "loss": [1.0, 0.8, 0.7],
            "val_loss": [1.1, 0.9, 0.95],
            "val_pearson_r": [0.2, 0.4, 0.35],
        }
    )
    plot_training_history(
        {"residualbind_seq_clip": history, "deepbind_cnn_seq_clip": history * 1.1},
        "R1",
        tmp_path / "history.png",
    )
    verdicts = pd.DataFrame(
        {
            "rbp": ["R1", "R1", "R2"],
            "experiment": ["kmer_search", "hairpin", "kmer_search"],
            "check": ["a", "b", "c"],
            "passed": [True, False, True],
        }
    )
    plot_validation(verdicts, tmp_path / "validation.png")
    for name in ("history.png", "validation.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG"
            assert image.width > 500


def test_an_ensembles_history_draws_one_line_per_member(tmp_path, monkeypatch):
    import rbpgia.plots.report as report

    drawn = {}
    monkeypatch.setattr(report, "save_figure", lambda fig, path: drawn.update(fig=fig))
    member = pd.DataFrame(
        {"epoch": [1, 2], "loss": [1.0, 0.8], "val_loss": [1.1, 0.9], "val_pearson_r": [0.2, 0.4]}
    )
    ensemble = pd.concat([member.assign(member="seed0"), member.assign(member="seed1")])
    plot_training_history({"residualbind_pu_log": ensemble}, "R1", tmp_path / "h.png")
    ax_loss, ax_r = drawn["fig"].axes
    assert [
        line.get_label() for line in ax_r.get_lines() if not line.get_label().startswith("_")
    ] == [
        "residualbind_pu_log seed0",
        "residualbind_pu_log seed1",
    ]
    # Each member's own epochs 1..2, not one line zig-zagging through both.
    assert [list(line.get_xdata()) for line in ax_loss.get_lines()[::2]] == [[1, 2], [1, 2]]
    report.plt.close(drawn["fig"])


def test_figure2_spacing_title_reads_the_headlines_gaps():
    """Gaps whose pairs spell extra copies are not the peak; no CI above 0: no peak."""
    inputs = figure2_inputs()
    spacing = inputs["spacing"].copy()
    spacing["extra_copies"] = np.where(spacing["spacing"] == 3, 0.3, 0.0)
    fig = paper.figure2("RBP1", "UGCA", **{**inputs, "spacing": spacing})
    assert "cooperativity peaks at 3 nt" not in texts(fig)
    assert "no gap's cooperativity CI above 0" in texts(fig)  # the others: 0.05 +- 0.1
    fig = paper.figure2("RBP1", "UGCA", **inputs)
    assert "Motif spacing (cooperativity peaks at 3 nt)" in texts(fig)
