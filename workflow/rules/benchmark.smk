rule benchmark:
    input:
        metrics=lambda w: job_files("metrics.json"),
        predictions=lambda w: job_files("predictions.tsv"),
        truth=[f"{OUT}/data/ground_truth.json"] if FORMAT == "synthetic" else [],
        published=([config["benchmark"]["published"]] if config["benchmark"]["published"] else []),
    output:
        table=report(
            f"{OUT}/benchmark/performance.tsv",
            caption="../report/performance_table.rst",
            category="Benchmark",
        ),
        differences=f"{OUT}/benchmark/paired_differences.tsv",
        performance=report(
            f"{OUT}/benchmark/performance.png",
            caption="../report/performance.rst",
            category="Benchmark",
        ),
        paired=report(
            f"{OUT}/benchmark/paired_differences.png",
            caption="../report/paired_differences.rst",
            category="Benchmark",
        ),
    log:
        f"{LOGS}/benchmark.log",
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        reference=config["training"]["models"][0],
    script:
        "../scripts/benchmark.py"


rule prediction_scatter:
    input:
        predictions=lambda w: job_files("predictions.tsv", [w.rbp]),
    output:
        report(
            f"{OUT}/benchmark/scatter/{{rbp}}.png",
            caption="../report/scatter.rst",
            category="Benchmark",
            subcategory="Predictions on Set B",
            labels={"RBP": "{rbp}"},
        ),
    log:
        f"{LOGS}/scatter/{{rbp}}.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/prediction_scatter.py"
