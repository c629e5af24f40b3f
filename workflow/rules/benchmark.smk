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
            subcategory="Across RBPs",
            labels={"RBP": "all", "figure": "Pearson r per model", "format": "table"},
        ),
        differences=report(
            f"{OUT}/benchmark/paired_differences.tsv",
            caption="../report/paired_differences_table.rst",
            category="Benchmark",
            subcategory="Across RBPs",
            labels={"RBP": "all", "figure": "paired differences", "format": "table"},
        ),
        performance=report(
            f"{OUT}/benchmark/performance.png",
            caption="../report/performance.rst",
            category="Benchmark",
            subcategory="Across RBPs",
            labels={"RBP": "all", "figure": "Pearson r per model", "format": "figure"},
        ),
        paired=report(
            f"{OUT}/benchmark/paired_differences.png",
            caption="../report/paired_differences.rst",
            category="Benchmark",
            subcategory="Across RBPs",
            labels={"RBP": "all", "figure": "paired differences", "format": "figure"},
        ),
        published=report(
            f"{OUT}/benchmark/published_comparison.tsv",
            caption="../report/published_comparison.rst",
            category="Benchmark",
            subcategory="Across RBPs",
            labels={"RBP": "all", "figure": "vs published methods", "format": "table"},
        ),
    log:
        f"{LOGS}/benchmark.log",
    benchmark:
        f"{TIMINGS}/benchmark.tsv"
    conda:
        ENV
    resources:
        **sized(1000, 10),
    params:
        # The main model (the one GIA explains): its model, input and normalisation.
        reference={
            "model": config["training"]["models"][0],
            "input": config["training"]["inputs"][0],
            "norm": config["training"]["norms"][0],
        },
        external=EXTERNAL,
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
            labels={"RBP": "{rbp}", "figure": "predicted vs measured"},
        ),
    log:
        f"{LOGS}/scatter/{{rbp}}.log",
    benchmark:
        f"{TIMINGS}/prediction_scatter/{{rbp}}.tsv"
    conda:
        ENV
    resources:
        **sized(1000, 5, mem_mb_per_100k=200, runtime_per_100k=2),
    script:
        "../scripts/prediction_scatter.py"


# An external model's Set B performance (config `models:`), joined to the benchmark when the
# data set has Set B measurements for its RBP; figures and scatter read its predictions.
rule predict_external:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        model=lambda w: model_files(EXTERNAL, w.rbp),
    output:
        metrics=f"{OUT}/models/{EXTERNAL}/{{rbp}}/metrics.json",
        predictions=f"{OUT}/models/{EXTERNAL}/{{rbp}}/predictions.tsv",
    log:
        f"{LOGS}/predict_external/{{rbp}}.log",
    benchmark:
        f"{TIMINGS}/predict_external/{{rbp}}.tsv"
    conda:
        env("gia")
    threads: config["gia"]["threads"]
    resources:
        **sized(2000, 10, mem_mb_per_100k=500, runtime_per_100k=5),
        gpu=gpu("gia"),
    params:
        model=lambda w: model_spec(EXTERNAL, w.rbp),
        settings=TRAINING_SETTINGS,
    script:
        "../scripts/predict_external.py"
