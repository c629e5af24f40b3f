"""An external model's Set B predictions and performance (config `models:`), for the benchmark."""

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
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import external_job, job_device, open_gia_model
    from rbpgia.workflow.models import EXTERNAL

limit_threads(snakemake.threads)
device = snakemake.config["gia"]
job_device(snakemake.resources, device["allow_cpu_fallback"], log)

w = snakemake.wildcards
settings = snakemake.params.settings
# Scored against the measurements as the main model's are: its normalisation, its split.
norm = settings["norms"][0]
model = open_gia_model(snakemake.params.model, device["batch_size"])
log.info("%s: %s %s (%s)", w.rbp, EXTERNAL, model.describe(), snakemake.params.model["path"])
result = external_job(
    snakemake.input.h5,
    model,
    w.rbp,
    norm,
    settings["valid_fraction"],
    settings["seed"],
    threads=snakemake.threads,
)
metrics = {"rbp": w.rbp, "model": EXTERNAL, "input": model.input_type, "norm": norm}
metrics.update(result.metrics)
metrics["source"] = snakemake.params.model["path"]
with atomic_path(snakemake.output.predictions) as tmp:
    result.predictions.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
with atomic_open(snakemake.output.metrics) as handle:
    json.dump(metrics, handle, indent=2)
log.info("test Pearson r %.4f (n = %d)", metrics["pearson_r"], metrics["n_test"])
