"""Grid of the synthetic validation verdicts: RBP x GIA experiment, pass or fail."""

import pandas as pd

from rbpgia.logs import setup_logging
from rbpgia.plots.report import plot_validation

log = setup_logging(snakemake.log[0])
verdicts = pd.read_csv(snakemake.input[0], sep="\t")
plot_validation(verdicts, snakemake.output[0])
log.info("%d of %d checks pass", verdicts["passed"].sum(), len(verdicts))
