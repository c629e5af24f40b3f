"""In-silico mutagenesis logos of the top-scoring Set B probes of one RBP."""

from rbpgia.device import use_default_backend
from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)
# Before Keras is imported: JAX in the GPU environment, unless KERAS_BACKEND says otherwise.
use_default_backend()

with fast_imports():
    import numpy as np

    from rbpgia.encode import store
    from rbpgia.encode.onehot import decode
    from rbpgia.explain import ism_logo_matrix, ism_table, saturation_mutagenesis
    from rbpgia.io import atomic_path
    from rbpgia.plots.logos import plot_ism_logos
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import job_device, open_gia_model, probes_in_frame

limit_threads(snakemake.threads)
device = snakemake.config["gia"]
job_device(snakemake.resources, device["allow_cpu_fallback"], log)

w = snakemake.wildcards
# A trained model.keras, or an external model of config `models:` (rbpgia.gia.model_io).
model = open_gia_model(snakemake.params.model, device["batch_size"])
log.info("%s: %s %s", w.rbp, w.model, model.describe())
sets = store.read_sets(snakemake.input.h5)
measured = store.read_targets(snakemake.input.h5, w.rbp)
candidates = np.flatnonzero((sets == "B") & np.isfinite(measured))
top = np.sort(candidates[np.argsort(measured[candidates])[::-1][: snakemake.params.ism_probes]])
onehot = probes_in_frame(snakemake.input.h5, top, model.length)  # the model's frame
# A structure model is refolded as the pool it was trained on was folded.
scores = saturation_mutagenesis(
    model.predict,
    onehot,
    model.input_type,
    threads=snakemake.threads,
    **store.folding(snakemake.input.h5),
)
order = np.argsort(measured[top])[::-1]
names = store.read_names(snakemake.input.h5)[top]  # Probe_ID, or the row where none
labels = [f"probe {names[i]} (measured {measured[top[i]]:.2f}, data set units)" for i in order]
plot_ism_logos(
    ism_logo_matrix(scores, onehot)[order],
    [decode(onehot[i : i + 1])[0] for i in order],
    labels,
    snakemake.output.logos,
)
table = ism_table(scores[order], onehot[order], top[order], measured[top[order]], names[order])
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
log.info("ISM of %d top Set B probes of %s", len(top), w.rbp)
