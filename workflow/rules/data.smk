if FORMAT == "synthetic":

    rule synthesize:
        output:
            table=f"{OUT}/data/norm_data.txt.gz",
            truth=f"{OUT}/data/ground_truth.json",
        log:
            f"{LOGS}/synthesize.log",
        conda:
            ENV
        threads: config["encode"]["threads"]
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            dataset=DATASET_CONFIG,
        script:
            "../scripts/synthesize.py"


if "url" in DATASET_CONFIG:

    rule download:
        output:
            DATASET_CONFIG["path"],
        log:
            f"{LOGS}/download.log",
        conda:
            ENV
        resources:
            mem_mb=500,
            runtime=120,
        params:
            url=DATASET_CONFIG["url"],
            sha256=DATASET_CONFIG["sha256"],
        script:
            "../scripts/download.py"


rule data_summary:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        experiments=f"{OUT}/encoded/experiments.tsv",
    output:
        table=f"{OUT}/data/summary.tsv",
        figure=report(
            f"{OUT}/data/overview.png",
            caption="../report/data_overview.rst",
            category="Data",
        ),
    log:
        f"{LOGS}/data_summary.log",
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/data_summary.py"
