"""Fetch the configured data set (resumable, checked against its sha256): a file, or an
archive unpacked into a folder data set."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from rbpgia.data.download import download, unpack

url, target = snakemake.params.url, snakemake.output[0]
if snakemake.params.folder:
    # A folder data set (per_rbp_files) comes as one archive, unpacked into the folder.
    archive = download(url, f"{target}.archive", sha256=snakemake.params.sha256, log=log)
    files = sorted(unpack(archive, target, url).iterdir())
    archive.unlink()
    log.info("unpacked %d files into %s", len(files), target)
else:
    download(url, target, sha256=snakemake.params.sha256, log=log)
