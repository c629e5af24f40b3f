"""Train one Keras model for one RBP, input type and normalisation; evaluate on Set B."""

from rbpgia.device import use_default_backend
from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)
# Before Keras is imported: JAX in the GPU environment, unless KERAS_BACKEND says otherwise.
use_default_backend()

with fast_imports():
    from pathlib import Path

    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import job_device, load_job_data, train_keras_job, write_keras_job

limit_threads(snakemake.threads)
devices = job_device(snakemake.resources, snakemake.config["training"]["allow_cpu_fallback"], log)

w = snakemake.wildcards
settings = snakemake.params.settings
log.info("training %s on %s (input %s, normalisation %s)", w.arch, w.rbp, w.input, w.norm)
data = load_job_data(
    snakemake.input.h5, w.rbp, w.input, w.norm, settings["valid_fraction"], settings["seed"]
)
result = train_keras_job(data, w.arch, settings, log)
metrics = {"rbp": w.rbp, "model": w.arch, "input": w.input, "norm": w.norm, **result.metrics}
metrics["normaliser"] = data.normaliser
metrics["device"] = devices.describe()  # beside train_samples_per_s, which it explains
write_keras_job(result, metrics, Path(snakemake.output.model).parent)
log.info("test Pearson r %.4f (n = %d)", metrics["pearson_r"], metrics["n_test"])
