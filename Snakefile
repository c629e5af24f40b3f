# Global importance analysis (GIA) of RNA-binding protein models: the workflow's entry point.
# Run `snakemake --cores N` (or `make demo`); see README.md and config/README.md.


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/encode.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/gia.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        all_targets,
