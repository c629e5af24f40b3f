"""Grid of the synthetic validation verdicts: RBP x GIA experiment, pass or fail."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from rbpgia.io import read_tsv
    from rbpgia.plots.report import plot_validation

verdicts = read_tsv(snakemake.input[0])
plot_validation(verdicts, snakemake.output[0])
log.info("%d of %d checks pass", verdicts["passed"].sum(), len(verdicts))
