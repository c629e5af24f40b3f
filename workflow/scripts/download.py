"""Fetch the configured data set (resumable, checked against its sha256): a file, or an
archive unpacked into a folder data set."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    from rbpgia.data.download import download, unpack

target = snakemake.output[0]
# A folder data set (per_rbp_files) comes as one archive, unpacked into the folder.
folder = snakemake.params.folder
fetched = download(
    snakemake.params.url,
    f"{target}.archive" if folder else target,
    sha256=snakemake.params.sha256,
    log=log,
)
if folder:
    files = sorted(unpack(fetched, target, snakemake.params.url).iterdir())
    fetched.unlink()
    log.info("unpacked %d files into %s", len(files), target)
