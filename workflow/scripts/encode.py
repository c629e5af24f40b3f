"""Encode the probe pool once (one-hot + ViennaRNA structure) for every RBP of the data set."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import time

    from rbpgia.data import read_probes
    from rbpgia.data.summary import UNUSABLE, experiment_table
    from rbpgia.encode.folded import load_folded
    from rbpgia.encode.store import encode_probes, write_probes_h5
    from rbpgia.io import atomic_path
    from rbpgia.workflow.logs import progress_reporter

settings = snakemake.params.settings
start = time.monotonic()
probes = read_probes(snakemake.params.format, snakemake.input[0], **snakemake.params.reader)
log.info(
    "read %d probes (%d Set A, %d Set B) and %d experiments from %s in %.1f s",
    len(probes),
    (probes.sets == "A").sum(),
    (probes.sets == "B").sum(),
    len(probes.experiments),
    snakemake.input[0],
    time.monotonic() - start,
)
experiments = experiment_table(probes)
for name, status in experiments.loc[experiments["status"] != "ok", ["experiment", "status"]].values:
    log.warning(
        "experiment %s cannot be modelled (%s): it is kept in the file but skipped",
        name,
        UNUSABLE[status],
    )

folded = None
folded_path = getattr(snakemake.input, "folded", None)  # synthetic data sets only
if folded_path is not None:
    folded, reason = load_folded(
        folded_path,
        probes.sequences,
        settings["max_length"],
        settings["window"],
        settings["span"],
    )
    if folded is None:
        log.info("folding: not reusing saved profiles: %s", reason)
    else:
        log.info(reason)
onehot, structure = encode_probes(
    probes,
    max_length=settings["max_length"],
    window=settings["window"],
    span=settings["span"],
    threads=snakemake.threads,
    progress=progress_reporter(log, "folding"),
    structure=folded,
)
attrs = {
    "dataset": snakemake.params.dataset,
    "window": settings["window"],
    "span": settings["span"],
}
write_probes_h5(snakemake.output.h5, probes, onehot, structure, attrs=attrs)
with atomic_path(snakemake.output.experiments) as tmp:
    experiments.to_csv(tmp, sep="\t", index=False)
log.info("wrote %s in %.1f s", snakemake.output.h5, time.monotonic() - start)
