"""Predicted vs measured Set B values of one RBP, one panel per trained model."""

from pathlib import Path

import pandas as pd

from rbpgia.logs import setup_logging
from rbpgia.plots.benchmark import plot_prediction_scatter

log = setup_logging(snakemake.log[0])
tables = {Path(p).parent.parent.name: pd.read_csv(p, sep="\t") for p in snakemake.input}
plot_prediction_scatter(tables, snakemake.wildcards.rbp, snakemake.output[0])
log.info("scatter of %d models for %s", len(tables), snakemake.wildcards.rbp)
