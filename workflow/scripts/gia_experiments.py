"""The GIA experiments (count, spacing, GC bias, hairpin, ...) of one RBP and its motif.

One job runs every configured experiment: each takes seconds, while starting TensorFlow,
loading the model and drawing the nulls take about ten, so separate jobs would spend most
of their time starting up. Every experiment still writes its own table and figure.
"""

from rbpgia.device import use_default_backend
from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)
# Before Keras is imported: JAX in the GPU environment, unless KERAS_BACKEND says otherwise.
use_default_backend()

with fast_imports():
    import json
    import resource
    import time

    from rbpgia.gia import registry
    from rbpgia.gia import run as gia_run
    from rbpgia.headlines import runner_up_headlines
    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.plots.gia import plot_experiment
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import (
        capped_motif_note,
        gia_prepare,
        gia_training,
        job_device,
        open_gia_model,
    )

limit_threads(snakemake.threads)
device = snakemake.config["gia"]
job_device(snakemake.resources, device["allow_cpu_fallback"], log)

# The job's threads: how it computes, not a setting its outputs depend on.
options = {**snakemake.params.settings, "threads": snakemake.threads}
w = snakemake.wildcards
kmers = read_tsv(snakemake.input.kmers)
motif, source = gia_run.choose_motif(kmers, options["motifs"].get(w.rbp))
given = source == "given"
if given:
    source = "config gia.motifs"
log.info("%s: experiments with motif %s (%s)", w.rbp, motif, source)
start = time.monotonic()
# A trained model.keras, or an external model of config `models:` (rbpgia.gia.model_io).
model = open_gia_model(snakemake.params.model, device["batch_size"])
log.info("%s: %s %s", w.rbp, w.model, model.describe())
run = gia_prepare(snakemake.input.h5, model, w.rbp, options, members=True)
if run.members:
    log.info(
        "a seed ensemble of %d: every table also holds each member's importance "
        "(member0_importance, ...), on the same nulls and designs",
        len(run.members),
    )
log.info(
    "model and %d nulls ready in %.1f s (forward pass: %d probes per call)",
    len(run.nulls),
    time.monotonic() - start,
    run.batch_size,
)
training, targets = gia_training(snakemake.input.h5, w.rbp, model.length)
log.info("support counted over %d training probes (Set A)", len(training))
if snakemake.input.metrics:
    with open(snakemake.input.metrics[0]) as handle:
        note = capped_motif_note(training, targets, motif, json.load(handle)["normaliser"])
    if note:
        log.warning(note)
else:
    log.info(
        "no training record (an external model of config models.%s): its normalisation is "
        "unknown, so whether training probes of %s sit at a clip cap is not checked",
        w.rbp,
        motif,
    )
outputs = zip(
    snakemake.params.experiments, snakemake.output.tables, snakemake.output.figures, strict=True
)
tables = {}
for experiment, table_path, figure_path in outputs:
    started = time.monotonic()
    table = gia_run.run_experiment(run, experiment, motif, options, training)
    tables[experiment] = table
    with atomic_path(table_path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    title = f"{w.rbp}: {experiment.replace('_', ' ')} ({motif})"
    plot_experiment(experiment, table, figure_path, title)
    # ru_maxrss is in KiB on Linux: the job's peak so far, for the memory benchmark's reader.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log.info(
        "%s: %d rows in %.1f s (peak RSS so far %.0f MB)",
        experiment,
        len(table),
        time.monotonic() - started,
        peak_mb,
    )
log.info("%d experiments in %.1f s", len(snakemake.params.experiments), time.monotonic() - start)

# Where the search's second k-mer ties the motif, the same questions with it: an answer
# that changes with a one-letter change of an indistinguishable motif is no answer. (A
# structure model's hairpin job, which shares this script, places the main model's motif.)
runner_up_path = getattr(snakemake.output, "runner_up", None)
runner_up = None
if runner_up_path and options["runner_up"] and not given:
    runner_up = gia_run.runner_up_motif(kmers, motif)
others = {}
if runner_up is not None:
    log.info(
        "%s: the search's next k-mer %s ties %s (CIs overlap): every experiment again with it",
        w.rbp,
        runner_up,
        motif,
    )
    # Patterns keep the motif for the record only: their answer cannot change with it.
    for experiment in filter(lambda name: registry.get(name).places_motif, tables):
        others[experiment] = gia_run.run_experiment(run, experiment, runner_up, options, training)
elif runner_up_path:
    log.info("%s: no runner-up k-mer ties %s; runner_up.tsv has no rows", w.rbp, motif)
rows = runner_up_headlines(w.rbp, w.model, tables, others)
for _, row in rows.iterrows():
    mine = registry.headline(row["experiment"], tables[row["experiment"]])
    log.info(
        "%s with %s: %.4g (%s); with %s: %.4g (%s): %s",
        row["experiment"],
        motif,
        mine.value,
        mine.detail,
        runner_up,
        row["value"],
        row["detail"],
        "the same answer" if row["motif_robust"] else "ANOTHER ANSWER",
    )
if runner_up_path:
    with atomic_path(runner_up_path) as tmp:
        rows.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
log.info("all done in %.1f s", time.monotonic() - start)
