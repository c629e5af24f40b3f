"""GIA k-mer search for one RBP: every k-mer embedded at the centre of the nulls."""

from rbpgia.device import use_default_backend
from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)
# Before Keras is imported: JAX in the GPU environment, unless KERAS_BACKEND says otherwise.
use_default_backend()

with fast_imports():
    import time

    from rbpgia.gia import run as gia_run
    from rbpgia.io import atomic_path
    from rbpgia.plots.gia import plot_experiment
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import gia_prepare, job_device, open_gia_model

limit_threads(snakemake.threads)
device = snakemake.config["gia"]
job_device(snakemake.resources, device["allow_cpu_fallback"], log)

# The job's threads: how it computes, not a setting its outputs depend on.
options = {**snakemake.params.settings, "threads": snakemake.threads}
w = snakemake.wildcards
start = time.monotonic()
# A trained model.keras, or an external model of config `models:` (rbpgia.gia.model_io).
model = open_gia_model(snakemake.params.model, device["batch_size"])
log.info("%s: %s %s", w.rbp, w.model, model.describe())
run = gia_prepare(snakemake.input.h5, model, w.rbp, options)
log.info("forward pass: %d probes per call", run.batch_size)
if gia_run.is_adaptive(options):
    log.info(
        "adaptive search: every k-mer on %d nulls, then more nulls for the k-mers that may "
        "reach the top %d (miss probability <= %g)",
        options["screen_nulls"],
        options["search_top"],
        options["miss_probability"],
    )
else:
    log.info("exhaustive search: every k-mer on all %d nulls", options["n_null"])
table = gia_run.search(run, options, log=log.info)
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
plot_experiment("kmer_search", table, snakemake.output.figure, f"{w.rbp}: k-mer search")
top = table.iloc[0]
log.info(
    "%s: top %d-mer %s (importance %.4f) from %d k-mers x %d %s nulls in %.1f s",
    w.rbp,
    options["k"],
    top["kmer"],
    top["importance"],
    len(table),
    len(run.nulls),
    options["nulls"],
    time.monotonic() - start,
)
