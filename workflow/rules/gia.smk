rule gia_kmer_search:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        model=f"{OUT}/models/{{model}}/{{rbp}}/model.keras",
    output:
        table=f"{GIA_DIR}/kmer_search.tsv",
        figure=report(
            f"{GIA_DIR}/kmer_search.png",
            caption="../report/gia_experiment.rst",
            category="GIA",
            subcategory="kmer_search",
            labels={"RBP": "{rbp}", "model": "{model}", "experiment": "kmer_search"},
        ),
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/kmer_search.log",
    conda:
        ENV
    threads: config["gia"]["threads"]
    resources:
        **gia_resources(),
    params:
        settings=config["gia"],
    script:
        "../scripts/gia_kmer_search.py"


rule gia_experiment:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        model=f"{OUT}/models/{{model}}/{{rbp}}/model.keras",
        kmers=f"{GIA_DIR}/kmer_search.tsv",
    output:
        table=f"{GIA_DIR}/{{experiment}}.tsv",
        figure=report(
            f"{GIA_DIR}/{{experiment}}.png",
            caption="../report/gia_experiment.rst",
            category="GIA",
            subcategory="{experiment}",
            labels={"RBP": "{rbp}", "model": "{model}", "experiment": "{experiment}"},
        ),
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/{{experiment}}.log",
    wildcard_constraints:
        experiment="|".join(GIA_EXPERIMENTS) or "none",
    conda:
        ENV
    threads: config["gia"]["threads"]
    resources:
        **gia_resources(),
    params:
        settings=config["gia"],
    script:
        "../scripts/gia_experiment.py"


rule gia_motif:
    input:
        kmers=f"{GIA_DIR}/kmer_search.tsv",
        pwms=RESOURCES / "rncmpt_motifs" / "rncmpt_pwm.hmot",
        names=RESOURCES / "rncmpt_motifs" / "rncmpt_names.txt",
    output:
        matches=f"{GIA_DIR}/motif_matches.tsv",
        logo=report(
            f"{GIA_DIR}/motif_logo.png",
            caption="../report/gia_motif.rst",
            category="GIA",
            subcategory="motif logo",
            labels={"RBP": "{rbp}", "model": "{model}", "experiment": "k-mer alignment logo"},
        ),
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/motif.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        settings=config["gia"],
    script:
        "../scripts/gia_motif.py"


rule gia_ism:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        model=f"{OUT}/models/{{model}}/{{rbp}}/model.keras",
    output:
        report(
            f"{GIA_DIR}/ism_logos.png",
            caption="../report/gia_ism.rst",
            category="GIA",
            subcategory="in-silico mutagenesis",
            labels={"RBP": "{rbp}", "model": "{model}", "experiment": "ISM of top probes"},
        ),
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/ism.log",
    conda:
        ENV
    threads: config["gia"]["threads"]
    resources:
        **gia_resources(),
    params:
        settings=config["gia"],
    script:
        "../scripts/gia_ism.py"


rule gia_summary:
    input:
        tables=lambda w: [path for _, _, path in gia_tables()],
    output:
        table=report(
            f"{OUT}/gia/summary.tsv",
            caption="../report/gia_summary.rst",
            category="GIA",
            subcategory="summary",
        ),
        figure=report(
            f"{OUT}/gia/summary.png",
            caption="../report/gia_summary_figure.rst",
            category="GIA",
            subcategory="summary",
        ),
    log:
        f"{LOGS}/gia/summary.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        model=gia_model(),
        labels=lambda w: [(rbp, experiment) for rbp, experiment, _ in gia_tables()],
    script:
        "../scripts/gia_summary.py"


if FORMAT == "synthetic":

    rule gia_validation:
        input:
            truth=f"{OUT}/data/ground_truth.json",
            tables=lambda w: [path for _, _, path in gia_tables()],
        output:
            report(
                f"{OUT}/gia/validation.tsv",
                caption="../report/gia_validation.rst",
                category="Validation",
            ),
        log:
            f"{LOGS}/gia/validation.log",
        conda:
            ENV
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            labels=lambda w: [(rbp, experiment) for rbp, experiment, _ in gia_tables()],
        script:
            "../scripts/gia_validation.py"
