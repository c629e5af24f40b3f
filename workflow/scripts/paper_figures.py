"""The paper's Figures 1-4 (PDF and PNG) from the benchmark, GIA tables and probe pool."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import json

    import h5py
    import numpy as np
    import pandas as pd

    from rbpgia.encode import store
    from rbpgia.errors import InputError
    from rbpgia.explain import ism_logos
    from rbpgia.io import atomic_open, read_tsv
    from rbpgia.plots import paper
    from rbpgia.sequence import gc_fraction

settings = snakemake.params.settings
main = tuple(snakemake.params.main)
rbps = list(snakemake.params.rbps)
inputs = snakemake.input
stems = {n: getattr(snakemake.output, f"figure{n}")[: -len(".png")] for n in range(1, 5)}

performance = read_tsv(inputs.performance)
summary = read_tsv(inputs.summary)
tables = {
    (rbp, experiment): read_tsv(path)
    for (rbp, experiment), path in zip(snakemake.params.labels, inputs.tables, strict=True)
}
predictions = {rbp: read_tsv(path) for rbp, path in zip(rbps, inputs.predictions, strict=True)}
sequences = store.read_sequences(inputs.h5)


def chosen(key, figure, automatic, how):
    """``figures.<key>``, else the paper's RBP if modelled, else the automatic choice."""
    if settings[key]:
        return settings[key], f"config figures.{key}"
    paper_choice = paper.paper_rbps(figure, rbps)
    if paper_choice:
        return paper_choice[0], "the paper's RBP"
    if automatic is not None:
        return automatic, how
    return rbps[0], "first RBP (the GIA experiment that would choose was not run)"


def motif_of(rbp):
    """The motif the GIA experiments of ``rbp`` used (the top k-mer when none ran)."""
    for (name, experiment), table in tables.items():
        if name == rbp and experiment != "kmer_search" and "motif" in table:
            return str(table["motif"].iloc[0])
    search = tables[(rbp, "kmer_search")]
    return str(search.sort_values("importance", ascending=False)["kmer"].iloc[0])


selection = {}

# Figure 1: models across RBPs.
fig = paper.figure1(performance, main, snakemake.params.baselines)
selection["figure1"] = {"rbp": "all", "notes": paper.not_run_notes(fig)}
paper.save_paper_figure(fig, stems[1])

# Figure 2: a motif-driven RBP.
rbp, how = chosen(
    "motif_rbp", "figure2", paper.select_motif_rbp(summary), "highest top k-mer importance"
)
motif = motif_of(rbp)
log.info("figure 2: %s (%s), motif %s", rbp, how, motif)
scatter = predictions[rbp].copy()
scatter["match"] = paper.match_class(
    paper.motif_mismatches(list(sequences[scatter["probe"]]), motif)
)
ism = []
if settings["ism_probes"]:
    path = inputs.ism[rbps.index(rbp)]
    try:
        logos = ism_logos(read_tsv(path))
    except ValueError as error:
        raise InputError(str(error), path) from error
    if len(logos) < settings["ism_probes"]:
        log.warning(
            "figure 2: %s holds %d probes, fewer than figures.ism_probes = %d "
            "(raise gia.ism_probes to show more)",
            path,
            len(logos),
            settings["ism_probes"],
        )
    for probe, measured, sequence, matrix in logos[: settings["ism_probes"]]:
        # The data set's own units (panel A shows the model's normalised ones).
        label = (
            f"Set B probe {probe} (measured {measured:.1f} in the data set's units): "
            "in-silico mutagenesis"
        )
        ism.append((matrix, sequence, label))
affinity, affinity_label = None, "measured affinity"
if settings["affinity"]:
    spec = settings["affinity"]
    column = spec.get("column", "affinity")
    affinity_label = spec.get("label", column)
    affinity = pd.read_csv(inputs.affinity[0], sep=None, engine="python")
    missing = {"kmer", column} - set(affinity.columns)
    if missing:
        raise InputError(f"figures.affinity table lacks columns {sorted(missing)}", spec["path"])
    affinity = affinity.rename(columns={column: "affinity"})
    affinity["kmer"] = affinity["kmer"].str.upper().str.replace("T", "U")
fig = paper.figure2(
    rbp,
    motif,
    scatter,
    tables.get((rbp, "kmer_search")),
    kmer_mutagenesis=tables.get((rbp, "kmer_mutagenesis")),
    ism=ism,
    motif_count=tables.get((rbp, "motif_count")),
    spacing=tables.get((rbp, "spacing")),
    affinity=affinity,
    affinity_label=affinity_label,
    patterns=tables.get((rbp, "patterns")),
)
selection["figure2"] = {"rbp": rbp, "motif": motif, "how": how, "notes": paper.not_run_notes(fig)}
paper.save_paper_figure(fig, stems[2])

# Figure 3: a structure-sensitive RBP.
rbp, how = chosen(
    "structure_rbp",
    "figure3",
    paper.select_structure_rbp(summary),
    "largest loop-minus-stem importance",
)
motif = motif_of(rbp)
log.info("figure 3: %s (%s), motif %s", rbp, how, motif)
test = predictions[rbp]
probes = test["probe"].to_numpy()
has_motif = np.array([motif in sequences[p] for p in probes])
rows = np.sort(probes[has_motif])
with h5py.File(inputs.h5, "r") as h5:
    structure = h5["structure"][rows] if len(rows) else np.zeros((0, 41, 5), np.float32)
measured = test.set_index("probe")["measured"].loc[rows].to_numpy()
profiles = paper.motif_structure_profiles(list(sequences[rows]), structure, measured, motif)
hairpins = summary[summary["experiment"] == "hairpin"].set_index("rbp")[
    ["value", "ci_low", "ci_high"]
]
same_model = performance[
    (performance["rbp"] == rbp)
    & (performance["model"] == main[0])
    & (performance["norm"] == main[2])
]
fig = paper.figure3(
    rbp,
    motif,
    tables.get((rbp, "hairpin")),
    hairpins if len(hairpins) else None,
    profiles,
    input_performance=same_model,
)
selection["figure3"] = {"rbp": rbp, "motif": motif, "how": how, "notes": paper.not_run_notes(fig)}
paper.save_paper_figure(fig, stems[3])

# Figure 4: GC bias.
if settings["gc_rbps"]:
    examples, how = list(settings["gc_rbps"]), "config figures.gc_rbps"
elif paper.paper_rbps("figure4", rbps):
    examples, how = paper.paper_rbps("figure4", rbps), "the paper's RBPs"
else:
    examples = paper.select_gc_rbps(summary, settings["gc_examples"])
    how = "most negative and most positive GC effect"
log.info("figure 4: examples %s (%s)", ", ".join(examples) or "none", how)
gc_tables = {rbp: tables[(rbp, "gc_bias")] for rbp in examples if (rbp, "gc_bias") in tables}
effects = paper.gc_contrasts(
    {rbp: table for (rbp, experiment), table in tables.items() if experiment == "gc_bias"}
)
binding = {}
for rbp in examples or rbps[:1]:
    test = predictions[rbp]
    gc = gc_fraction(list(sequences[test["probe"]]))
    binding[rbp] = paper.binned_means(gc, test["measured"].to_numpy())
fig = paper.figure4(gc_tables, effects if len(effects) else None, binding)
selection["figure4"] = {"rbps": examples, "how": how, "notes": paper.not_run_notes(fig)}
paper.save_paper_figure(fig, stems[4])

with atomic_open(snakemake.output.selection) as handle:
    json.dump(selection, handle, indent=2)
for name, chosen_for in selection.items():
    for note in chosen_for["notes"]:
        log.info("%s: panel %s", name, note.replace("\n", " "))
log.info("wrote figures 1-4 (PDF and PNG)")
