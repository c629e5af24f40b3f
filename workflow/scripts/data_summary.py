"""Per-experiment summary table and an overview figure of the encoded probe pool."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from rbpgia.data.summary import summarise_h5
    from rbpgia.io import atomic_path
    from rbpgia.plots.data import plot_overview

table, pool = summarise_h5(snakemake.input.h5)
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
plot_overview(table, pool, snakemake.input.h5, snakemake.output.figure)
log.info("summarised %d experiments", len(table))
