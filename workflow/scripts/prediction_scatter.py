"""Predicted vs measured Set B values of one RBP, one panel per trained model."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from pathlib import Path

    from rbpgia.io import read_tsv
    from rbpgia.plots.benchmark import plot_prediction_scatter

tables = {Path(p).parent.parent.name: read_tsv(p) for p in snakemake.input}
plot_prediction_scatter(tables, snakemake.wildcards.rbp, snakemake.output[0])
log.info("scatter of %d models for %s", len(tables), snakemake.wildcards.rbp)
