"""Train one Keras model for one RBP, input type and normalisation; evaluate on Set B."""

from rbpgia.device import use_default_backend
from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)
# Before Keras is imported: JAX in the GPU environment, unless KERAS_BACKEND says otherwise.
use_default_backend()

with fast_imports():
    import json

    from rbpgia.io import atomic_open, atomic_path
    from rbpgia.train import limit_threads, save_model
    from rbpgia.workflow.jobs import job_device, load_job_data, train_keras_job

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
save_model(result.model, snakemake.output.model)
with atomic_path(snakemake.output.history) as tmp:
    result.history.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
with atomic_path(snakemake.output.predictions) as tmp:
    result.predictions.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
with atomic_open(snakemake.output.metrics) as handle:
    json.dump(metrics, handle, indent=2)
log.info("test Pearson r %.4f (n = %d)", metrics["pearson_r"], metrics["n_test"])
