"""One headline row per RBP and GIA experiment, and the cross-RBP figure."""

import pandas as pd

from rbpgia.headlines import summarise
from rbpgia.io import atomic_path
from rbpgia.logs import setup_logging
from rbpgia.plots.gia import plot_summary

log = setup_logging(snakemake.log[0])
model = snakemake.params.model
tables = {
    (rbp, model, experiment): pd.read_csv(path, sep="\t")
    for (rbp, experiment), path in zip(snakemake.params.labels, snakemake.input.tables, strict=True)
}
summary = summarise(tables)
with atomic_path(snakemake.output.table) as tmp:
    summary.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
plot_summary(summary, snakemake.output.figure)
log.info("summarised %d GIA tables", len(tables))
