"""Loss and validation Pearson r per epoch of every trained Keras model of one RBP."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from pathlib import Path

    from rbpgia.io import read_tsv
    from rbpgia.plots.report import plot_training_history

histories = {Path(p).parent.parent.name: read_tsv(p) for p in snakemake.input}
plot_training_history(histories, snakemake.wildcards.rbp, snakemake.output[0])
log.info("training history of %d models of %s", len(histories), snakemake.wildcards.rbp)
