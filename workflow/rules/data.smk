if FORMAT == "synthetic":

    rule synthesize:
        output:
            table=f"{OUT}/data/norm_data.txt.gz",
            truth=f"{OUT}/data/ground_truth.json",
            # Structure profiles folded for accessibility rules, reused by encode.
            folded=temp(f"{OUT}/data/folded.npz"),
        log:
            f"{LOGS}/synthesize.log",
        benchmark:
            f"{TIMINGS}/synthesize.tsv"
        conda:
            ENV
        threads: config["encode"]["threads"]
        resources:
            **sized(1000, 10, mem_mb_per_100k=500, runtime_per_100k=5, parallel=True),
        params:
            dataset=DATA_SETTINGS,
        script:
            "../scripts/synthesize.py"


if "url" in DATASET_CONFIG:

    rule download:
        output:
            (
                directory(DATASET_CONFIG["path"])
                if FORMAT == "per_rbp_files"
                else DATASET_CONFIG["path"]
            ),
        log:
            f"{LOGS}/download.log",
        benchmark:
            f"{TIMINGS}/download.tsv"
        conda:
            ENV
        resources:
            **sized(500, 120),
        params:
            url=DATASET_CONFIG["url"],
            sha256=DATASET_CONFIG["sha256"],
            folder=FORMAT == "per_rbp_files",
        script:
            "../scripts/download.py"


rule data_summary:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        experiments=f"{OUT}/encoded/experiments.tsv",
    output:
        table=report(
            f"{OUT}/data/summary.tsv",
            caption="../report/data_summary.rst",
            category="Data",
            subcategory="Probe pool",
            labels={
                "RBP": "all",
                "figure": "experiments: probes and intensities",
                "format": "table",
            },
        ),
        figure=report(
            f"{OUT}/data/overview.png",
            caption="../report/data_overview.rst",
            category="Data",
            subcategory="Probe pool",
            labels={"RBP": "all", "figure": "probe pool overview", "format": "figure"},
        ),
    log:
        f"{LOGS}/data_summary.log",
    benchmark:
        f"{TIMINGS}/data_summary.tsv"
    conda:
        ENV
    resources:
        **sized(1000, 10, mem_mb_per_100k=300),
    script:
        "../scripts/data_summary.py"
