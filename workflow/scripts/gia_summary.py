"""One headline row per RBP and GIA experiment, and the cross-RBP figure."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import pandas as pd

    from rbpgia.headlines import summarise
    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.plots.gia import plot_summary

# (rbp, model, experiment): a structure model answers the hairpin table of some RBPs.
tables = {
    tuple(label): read_tsv(path)
    for label, path in zip(snakemake.params.labels, snakemake.input.tables, strict=True)
}
# Headlines with a tied runner-up motif; most RBPs' files have no rows.
runner_ups = [frame for frame in map(read_tsv, snakemake.input.runner_ups) if len(frame)]
runner_ups = pd.concat(runner_ups) if runner_ups else None
summary = summarise(tables, runner_ups)
with atomic_path(snakemake.output.table) as tmp:
    summary.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
plot_summary(summary, snakemake.output.figure)
log.info("summarised %d GIA tables", len(tables))
changed = summary[summary["motif_robust"].eq(False).fillna(False)]
for _, row in changed.iterrows():
    log.warning(
        "%s %s: the answer changes with the search's tied runner-up %s (%s) vs %s (%s)",
        row["rbp"],
        row["experiment"],
        row["runner_up_motif"],
        row["runner_up_detail"],
        row["motif"],
        row["detail"],
    )
