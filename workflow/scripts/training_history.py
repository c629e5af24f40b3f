"""Loss and validation Pearson r per epoch of every trained Keras model of one RBP."""

from pathlib import Path

import pandas as pd

from rbpgia.logs import setup_logging
from rbpgia.plots.report import plot_training_history

log = setup_logging(snakemake.log[0])
histories = {Path(p).parent.parent.name: pd.read_csv(p, sep="\t") for p in snakemake.input}
plot_training_history(histories, snakemake.wildcards.rbp, snakemake.output[0])
log.info("training history of %d models of %s", len(histories), snakemake.wildcards.rbp)
