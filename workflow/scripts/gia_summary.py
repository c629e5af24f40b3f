"""One headline row per RBP and GIA experiment, and the cross-RBP figure."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from rbpgia.headlines import summarise
    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.plots.gia import plot_summary

# (rbp, model, experiment): a structure model answers the hairpin table of some RBPs.
tables = {
    tuple(label): read_tsv(path)
    for label, path in zip(snakemake.params.labels, snakemake.input.tables, strict=True)
}
summary = summarise(tables)
with atomic_path(snakemake.output.table) as tmp:
    summary.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
plot_summary(summary, snakemake.output.figure)
log.info("summarised %d GIA tables", len(tables))
