"""Train one Keras model per RBP of a group at once (training.group_size); test each on Set B."""

from rbpgia.device import use_default_backend
from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)
# Before Keras is imported: JAX in the GPU environment, unless KERAS_BACKEND says otherwise.
use_default_backend()

with fast_imports():
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import (
        job_device,
        load_job_data,
        train_keras_group_job,
        write_keras_job,
    )

limit_threads(snakemake.threads)
devices = job_device(snakemake.resources, snakemake.config["training"]["allow_cpu_fallback"], log)

w = snakemake.wildcards
settings = snakemake.params.settings
rbps = list(snakemake.params.rbps)
log.info(
    "training %s on %d RBPs together (input %s, normalisation %s): %s",
    w.arch,
    len(rbps),
    w.input,
    w.norm,
    ", ".join(rbps),
)
datas = {
    rbp: load_job_data(
        snakemake.input.h5, rbp, w.input, w.norm, settings["valid_fraction"], settings["seed"]
    )
    for rbp in rbps
}
results = train_keras_group_job(datas, w.arch, settings, log)
for rbp, result in results.items():
    metrics = {"rbp": rbp, "model": w.arch, "input": w.input, "norm": w.norm, **result.metrics}
    metrics["normaliser"] = datas[rbp].normaliser
    metrics["device"] = devices.describe()
    write_keras_job(result, metrics, f"{snakemake.output[0]}/{rbp}")
    log.info("%s: test Pearson r %.4f (n = %d)", rbp, metrics["pearson_r"], metrics["n_test"])
