"""Generate the synthetic RNAcompete-like data set with planted binding rules."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import json

    from rbpgia.data import write_rnacompete_table
    from rbpgia.encode.folded import save_folded
    from rbpgia.io import atomic_open
    from rbpgia.simulate import generate

settings = snakemake.params.dataset
log.info(
    "generating %d probes and %d synthetic RBPs (seed %d)",
    settings["n_probes"],
    len(settings["rbps"]),
    settings["seed"],
)
folded = {}


def keep(profiles, window, span):
    folded.update(profiles=profiles, window=window, span=span)


probes, truth = generate(
    n_probes=settings["n_probes"],
    rbps=settings["rbps"],
    seed=settings["seed"],
    set_b_fraction=settings["set_b_fraction"],
    threads=snakemake.threads,
    on_fold=keep,
)
write_rnacompete_table(probes, snakemake.output.table)
# The encode step reuses these profiles instead of folding the same probes again.
save_folded(
    snakemake.output.folded,
    folded.get("profiles"),
    probes.sequences,
    window=folded.get("window", 0),
    span=folded.get("span", 0),
)
with atomic_open(snakemake.output.truth) as handle:
    json.dump(truth, handle)
for name, ceiling in truth["noise_ceiling"].items():
    log.info("%s: noise ceiling (Pearson r on Set B) %.3f", name, ceiling["pearson_r_set_b"])
log.info("wrote %s and %s", snakemake.output.table, snakemake.output.truth)
