"""The GIA experiments (count, spacing, GC bias, hairpin, ...) of one RBP and its motif.

One job runs every configured experiment: each takes seconds, while starting TensorFlow,
loading the model and drawing the nulls take about ten, so separate jobs would spend most
of their time starting up. Every experiment still writes its own table and figure.
"""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import resource
    import time

    import pandas as pd

    from rbpgia.gia import experiments
    from rbpgia.io import atomic_path
    from rbpgia.plots.gia import plot_experiment
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import gia_context, parse_model_id

limit_threads(snakemake.threads)

settings = snakemake.params.settings
w = snakemake.wildcards
_, input_type, _ = parse_model_id(w.model)
kmers = pd.read_csv(snakemake.input.kmers, sep="\t")
motif = settings["motifs"].get(w.rbp) or kmers["kmer"].iloc[0]  # rows are in rank order
source = "config gia.motifs" if w.rbp in settings["motifs"] else "top k-mer of the search"
log.info("%s: experiments with motif %s (%s)", w.rbp, motif, source)
start = time.monotonic()
context = gia_context(
    snakemake.input.h5, snakemake.input.model, w.rbp, input_type, settings, snakemake.threads
)
log.info("model and %d nulls ready in %.1f s", len(context.nulls), time.monotonic() - start)
outputs = zip(
    snakemake.params.experiments, snakemake.output.tables, snakemake.output.figures, strict=True
)
for experiment, table_path, figure_path in outputs:
    started = time.monotonic()
    run = getattr(experiments, experiment)
    table = run(
        context.predict,
        context.nulls,
        motif,
        context.experiment_rng(),  # the same draws as in a job of its own
        input_type,
        baseline=context.baseline,
        n_boot=settings["n_boot"],
        threads=snakemake.threads,
    )
    table.insert(0, "motif", motif)
    table.insert(1, "null", settings["nulls"])
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
