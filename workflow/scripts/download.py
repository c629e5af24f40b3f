"""Fetch the configured RNAcompete table (resumable, checked against its sha256)."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from rbpgia.data.download import download

download(snakemake.params.url, snakemake.output[0], sha256=snakemake.params.sha256, log=log)
