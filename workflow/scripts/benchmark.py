"""Join every job's Set B metrics into performance.tsv, with paired comparisons and figures."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import json

    import pandas as pd

    from rbpgia.benchmark import (
        collect_metrics,
        model_label,
        noise_ceilings,
        paired_differences,
        published_comparison,
        read_published,
        reference_label,
    )
    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.plots.benchmark import plot_paired_differences, plot_performance

table = collect_metrics(snakemake.input.metrics)
ceilings = None
if snakemake.input.truth:
    with open(snakemake.input.truth[0]) as handle:
        truth = json.load(handle)
    # One job per (RBP, normalisation): the ceiling is measured on its normalised values.
    first_job = {}
    for metrics_path, path in zip(
        snakemake.input.metrics, snakemake.input.predictions, strict=True
    ):
        with open(metrics_path) as handle:
            metrics = json.load(handle)
        key = (metrics["rbp"], metrics["norm"])
        if key not in first_job:
            first_job[key] = (read_tsv(path), metrics["normaliser"])
    ceilings = noise_ceilings(first_job, truth)
    table = table.merge(ceilings, on=["rbp", "norm"], how="left")
if snakemake.input.published:
    # Only the experiments this run modelled: the methods are compared over the same ones.
    published = read_published(snakemake.input.published[0], rbps=set(table["rbp"]))
    log.info(
        "published results: %d values of %d methods joined from %s",
        len(published),
        published["model"].nunique(),
        snakemake.input.published[0],
    )
    table = pd.concat([table, published], ignore_index=True)
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")

trained = table[table["input"] != "published"]
main = snakemake.params.reference
if (trained["model"] == main["model"]).any():
    reference = reference_label(trained, main["model"], main["input"], main["norm"])
else:
    # Every RBP's main model replaced by an external one (config models:), none trained.
    log.info(
        "no %s model trained: the paired differences are against the external models",
        main["model"],
    )
    reference = model_label(trained)[trained["model"] == snakemake.params.external].iloc[0]
log.info("reference of the paired differences and the published comparison: %s", reference)
differences = paired_differences(table, reference)
with atomic_path(snakemake.output.differences) as tmp:
    differences.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
comparison = published_comparison(table, reference)
with atomic_path(snakemake.output.published) as tmp:
    comparison.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
for row in comparison[comparison["strongest"]].itertuples():
    log.info(
        "%s vs %s (strongest published): mean r %.4f vs %.4f over %d experiments; Wilcoxon p %s",
        row.reference,
        row.method,
        row.reference_mean_r,
        row.method_mean_r,
        row.n,
        f"{row.wilcoxon_p:.3g}" if row.note == "" else f"none ({row.note})",
    )
plot_performance(table, snakemake.output.performance, ceilings)
plot_paired_differences(differences, snakemake.output.paired)
for label, part in table.assign(label=model_label(table)).groupby("label"):
    log.info("%s: median Pearson r %.4f over %d RBPs", label, part["pearson_r"].median(), len(part))
