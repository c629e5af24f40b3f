"""Fetch the configured RNAcompete table (resumable, checked against its sha256)."""

from rbpgia.data.download import download
from rbpgia.logs import setup_logging

log = setup_logging(snakemake.log[0])
download(snakemake.params.url, snakemake.output[0], sha256=snakemake.params.sha256, log=log)
