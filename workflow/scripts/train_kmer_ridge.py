"""Fit the k-mer ridge baseline for one RBP on the same splits as the deep models."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import json

    from rbpgia.io import atomic_open, atomic_path
    from rbpgia.models.kmer_ridge import save_kmer_ridge
    from rbpgia.workflow.jobs import load_job_data, train_kmer_ridge_job

w = snakemake.wildcards
settings = snakemake.params.settings
data = load_job_data(
    snakemake.input.h5, w.rbp, "seq", w.norm, settings["valid_fraction"], settings["seed"]
)
result = train_kmer_ridge_job(data, log)
metrics = {"rbp": w.rbp, "model": "kmer_ridge", "input": "seq", "norm": w.norm}
metrics.update(result.metrics)
metrics["normaliser"] = data.normaliser
save_kmer_ridge(result.model, snakemake.output.model)
with atomic_path(snakemake.output.predictions) as tmp:
    result.predictions.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
with atomic_open(snakemake.output.metrics) as handle:
    json.dump(metrics, handle, indent=2)
