"""Compare every recovered GIA effect with the synthetic generator's planted rules."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import json

    import pandas as pd

    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.simulate.recovery import validate_rbp

with open(snakemake.input.truth) as handle:
    truth = json.load(handle)
tables, models = {}, {}
for (rbp, model, experiment), path in zip(
    snakemake.params.labels, snakemake.input.tables, strict=True
):
    tables.setdefault(rbp, {})[experiment] = read_tsv(path)
    models[rbp, experiment] = model
# The same experiments with the planted rule itself as the model (rule gia_planted).
planted = {rbp: {} for rbp in tables}
for (rbp, experiment), path in zip(snakemake.params.planted, snakemake.input.planted, strict=True):
    planted[rbp][experiment] = read_tsv(path)
verdicts = pd.concat(
    [validate_rbp(rbp, truth["rbps"][rbp], tables[rbp], planted[rbp]) for rbp in tables],
    ignore_index=True,
)
# Which model answered each check: a structure model answers some RBPs' hairpin check.
verdicts.insert(2, "model", [models[row.rbp, row.experiment] for row in verdicts.itertuples()])
with atomic_path(snakemake.output[0]) as tmp:
    verdicts.to_csv(tmp, sep="\t", index=False)
log.info("%d of %d checks pass", verdicts["passed"].sum(), len(verdicts))
for row in verdicts.itertuples():
    reference = f" (planted rule: {row.planted_observed})" if row.planted_observed else ""
    log.info(
        "%s %s %s: %s%s",
        "PASS" if row.passed else "FAIL",
        row.rbp,
        row.check,
        row.observed,
        reference,
    )
