"""One GIA experiment of a synthetic RBP with its planted rule itself as the model.

Same nulls, motif and design as the trained model's run, and the same scale (the rule's
expected normalised measurement under that model's normaliser): the validation then tells
a check the design cannot pass from one the trained model did not learn.
"""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import json
    import time

    from rbpgia.gia import run as gia_run
    from rbpgia.gia.predictor import Predictor
    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.simulate.planted_model import planted_predict
    from rbpgia.workflow.jobs import gia_background

# The job's threads: how it computes, not a setting its outputs depend on.
options = {**snakemake.params.settings, "threads": snakemake.threads}
w = snakemake.wildcards
with open(snakemake.input.truth) as handle:
    spec = json.load(handle)["rbps"][w.rbp]
kmers = read_tsv(snakemake.input.kmers)
motif, _ = gia_run.choose_motif(kmers, options["motifs"].get(w.rbp))
start = time.monotonic()
# The nulls of the trained model's run: the same Set B probes, options and seed.
background, measured = gia_background(snakemake.input.h5, w.rbp)
normaliser = None
if snakemake.input.metrics:
    with open(snakemake.input.metrics[0]) as handle:
        normaliser = json.load(handle)["normaliser"]
    log.info("on the scale of the model compared with: %s targets", normaliser["method"])
else:
    log.info("on the log-affinity scale: an external model's scale is not known")
planted = planted_predict(spec, threads=snakemake.threads, name=w.rbp, normaliser=normaliser)
predictor = Predictor(planted, "seq")
run = gia_run.prepare(predictor, background, options, measured)
table = gia_run.run_experiment(run, w.experiment, motif, options)
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
log.info(
    "%s %s with the planted rule (motif %s): %d rows in %.1f s",
    w.rbp,
    w.experiment,
    motif,
    len(table),
    time.monotonic() - start,
)
