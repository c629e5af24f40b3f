"""One RBP's model files, trained in its group (train_keras_group), put where jobs read them."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

log = setup_logging(snakemake.log[0])

with fast_imports():
    import shutil
    from pathlib import Path

    from rbpgia.io import atomic_path

trained = Path(snakemake.input.group) / snakemake.wildcards.rbp
log.info("trained in its group; training log: %s", snakemake.params.group_log)
for name, target in snakemake.output.items():
    with atomic_path(target) as tmp:
        shutil.copyfile(trained / Path(target).name, tmp)
    log.info("%s: %s", name, target)
