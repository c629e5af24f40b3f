"""One GIA experiment (count, spacing, GC bias, hairpin, ...) for one RBP and its motif."""

from rbpgia.logs import setup_logging
from rbpgia.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import time

    import pandas as pd

    from rbpgia.gia import experiments
    from rbpgia.io import atomic_path
    from rbpgia.jobs import gia_context, parse_model_id
    from rbpgia.plots.gia import plot_experiment
    from rbpgia.train import limit_threads

limit_threads(snakemake.threads)

settings = snakemake.params.settings
w = snakemake.wildcards
_, input_type, _ = parse_model_id(w.model)
kmers = pd.read_csv(snakemake.input.kmers, sep="\t")
motif = settings["motifs"].get(w.rbp) or kmers["kmer"].iloc[0]  # rows are in rank order
source = "config gia.motifs" if w.rbp in settings["motifs"] else "top k-mer of the search"
log.info("%s: experiment %s with motif %s (%s)", w.rbp, w.experiment, motif, source)
start = time.monotonic()
context = gia_context(
    snakemake.input.h5, snakemake.input.model, w.rbp, input_type, settings, snakemake.threads
)
run = getattr(experiments, w.experiment)
table = run(
    context.predict,
    context.nulls,
    motif,
    context.rng,
    input_type,
    baseline=context.baseline,
    n_boot=settings["n_boot"],
    threads=snakemake.threads,
)
table.insert(0, "motif", motif)
table.insert(1, "null", settings["nulls"])
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
title = f"{w.rbp}: {w.experiment.replace('_', ' ')} ({motif})"
plot_experiment(w.experiment, table, snakemake.output.figure, title)
log.info("%s: %d rows in %.1f s", w.experiment, len(table), time.monotonic() - start)
