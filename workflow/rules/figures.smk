# The paper's Figures 1-4 (`snakemake figures`) and the report's own small figures: training
# histories (category Models) and the synthetic validation grid (category Validation).
# Their input functions (figure_inputs, keras_histories) are in common.smk.

FIGURES = f"{OUT}/figures"


rule figures:
    input:
        unpack(figure_inputs),
    output:
        pdf=[f"{FIGURES}/figure{n}.pdf" for n in range(1, 5)],
        figure1=report(
            f"{FIGURES}/figure1.png",
            caption="../report/figure1.rst",
            category="Benchmark",
            subcategory="Paper figures",
            labels=lambda w, output: report_labels(output.selection, 1, "models across RBPs"),
        ),
        figure2=report(
            f"{FIGURES}/figure2.png",
            caption="../report/figure2.rst",
            category="GIA",
            subcategory="Paper figures",
            labels=lambda w, output: report_labels(output.selection, 2, "a motif-driven RBP"),
        ),
        figure3=report(
            f"{FIGURES}/figure3.png",
            caption="../report/figure3.rst",
            category="GIA",
            subcategory="Paper figures",
            labels=lambda w, output: report_labels(output.selection, 3, "structural context"),
        ),
        figure4=report(
            f"{FIGURES}/figure4.png",
            caption="../report/figure4.rst",
            category="GIA",
            subcategory="Paper figures",
            labels=lambda w, output: report_labels(output.selection, 4, "GC bias"),
        ),
        selection=f"{FIGURES}/selection.json",
    log:
        f"{LOGS}/figures.log",
    benchmark:
        f"{TIMINGS}/figures.tsv"
    conda:
        ENV
    threads: 1
    resources:
        **sized(4000, 30, mem_mb_per_100k=1000),
    params:
        settings=config["figures"],
        main=gia_model().rsplit("_", 2),
        baselines=config["training"]["baselines"],
        rbps=lambda w: selected_rbps(),
        labels=lambda w: [(rbp, experiment) for rbp, experiment, _ in gia_tables()],
    script:
        "../scripts/paper_figures.py"


rule training_history:
    input:
        keras_histories,
    output:
        report(
            f"{OUT}/models/history/{{rbp}}.png",
            caption="../report/training_history.rst",
            category="Models",
            subcategory="Training history",
            labels={"RBP": "{rbp}", "figure": "loss and validation Pearson r per epoch"},
        ),
    log:
        f"{LOGS}/training_history/{{rbp}}.log",
    benchmark:
        f"{TIMINGS}/training_history/{{rbp}}.tsv"
    conda:
        ENV
    resources:
        **sized(1000, 5),
    script:
        "../scripts/training_history.py"


if FORMAT == "synthetic":

    rule validation_figure:
        input:
            f"{OUT}/gia/validation.tsv",
        output:
            report(
                f"{OUT}/gia/validation.png",
                caption="../report/gia_validation_figure.rst",
                category="Validation",
                subcategory="Planted rules",
                labels={"RBP": "all", "figure": "pass/fail grid", "format": "figure"},
            ),
        log:
            f"{LOGS}/gia/validation_figure.log",
        benchmark:
            f"{TIMINGS}/validation_figure.tsv"
        conda:
            ENV
        resources:
            **sized(1000, 5),
        script:
            "../scripts/validation_figure.py"
