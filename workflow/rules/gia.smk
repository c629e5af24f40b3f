rule gia_kmer_search:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        model=gia_model_files,
    output:
        table=f"{GIA_DIR}/kmer_search.tsv",
        figure=report(
            f"{GIA_DIR}/kmer_search.png",
            caption="../report/gia/kmer_search.rst",
            category="GIA",
            subcategory="kmer_search",
            labels={"RBP": "{rbp}", "figure": "top k-mers", "model": "{model}"},
        ),
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/kmer_search.log",
    benchmark:
        f"{TIMINGS}/gia_kmer_search/{{model}}/{{rbp}}.tsv"
    # Next longest, and it gates the RBP's other experiments.
    priority: 10
    conda:
        env("gia")
    threads: config["gia"]["threads"]
    resources:
        **sized(2000, 60),
        gpu=gpu("gia"),
    params:
        settings=GIA_SEARCH_SETTINGS,
        model=gia_model_spec,
    script:
        "../scripts/gia_kmer_search.py"


if GIA_EXPERIMENTS:

    # One job per RBP runs all of them: each takes seconds, starting TensorFlow about ten.
    rule gia_experiments:
        input:
            h5=f"{OUT}/encoded/probes.h5",
            model=gia_model_files,
            # Its normaliser: how many training probes of the motif sit at the clip cap
            # (none for an external model).
            metrics=training_record,
            kmers=f"{GIA_DIR}/kmer_search.tsv",
        output:
            tables=[f"{GIA_DIR}/{experiment}.tsv" for experiment in GIA_EXPERIMENTS],
            figures=[
                report(
                    f"{GIA_DIR}/{experiment}.png",
                    caption=f"../report/gia/{experiment}.rst",
                    category="GIA",
                    subcategory=experiment,
                    labels={"RBP": "{rbp}", "figure": experiment, "model": "{model}"},
                )
                for experiment in GIA_EXPERIMENTS
            ],
            # Headlines with the search's second k-mer where it ties the motif (gia.runner_up).
            runner_up=f"{GIA_DIR}/runner_up.tsv",
        log:
            f"{LOGS}/gia/{{model}}/{{rbp}}/experiments.log",
        benchmark:
            f"{TIMINGS}/gia_experiments/{{model}}/{{rbp}}.tsv"
        wildcard_constraints:
            model=f"{re.escape(gia_model())}|{EXTERNAL}",
        conda:
            env("gia")
        threads: config["gia"]["threads"]
        resources:
            **sized(2000, 60 + 20 * len(GIA_EXPERIMENTS)),
            gpu=gpu("gia"),
        params:
            settings=rbp_experiment_settings,
            model=gia_model_spec,
            experiments=GIA_EXPERIMENTS,
        script:
            "../scripts/gia_experiments.py"


if STRUCTURE_MODELS:

    # The hairpin experiment on an RBP's structure-reading model (gia.structure_models),
    # with the motif the main model's k-mer search chose, so both models answer the same
    # question about the same motif.
    rule gia_structure:
        input:
            h5=f"{OUT}/encoded/probes.h5",
            model=gia_model_files,
            metrics=training_record,
            kmers=lambda w: f"{OUT}/gia/{gia_model_of(w.rbp)}/{w.rbp}/kmer_search.tsv",
        output:
            tables=[f"{GIA_DIR}/hairpin.tsv"],
            figures=[
                report(
                    f"{GIA_DIR}/hairpin.png",
                    caption="../report/gia/hairpin.rst",
                    category="GIA",
                    subcategory="hairpin",
                    labels={"RBP": "{rbp}", "figure": "hairpin", "model": "{model}"},
                )
            ],
        log:
            f"{LOGS}/gia/{{model}}/{{rbp}}/experiments.log",
        benchmark:
            f"{TIMINGS}/gia_experiments/{{model}}/{{rbp}}.tsv"
        wildcard_constraints:
            model="|".join(re.escape(structure_model(rbp)) for rbp in STRUCTURE_MODELS),
        conda:
            env("gia")
        threads: config["gia"]["threads"]
        resources:
            **sized(2000, 80),
            gpu=gpu("gia"),
        params:
            settings=one_motif_settings,
            model=gia_model_spec,
            experiments=["hairpin"],
        script:
            "../scripts/gia_experiments.py"


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
            labels={"RBP": "{rbp}", "figure": "k-mer alignment logo", "model": "{model}"},
        ),
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/motif.log",
    benchmark:
        f"{TIMINGS}/gia_motif/{{model}}/{{rbp}}.tsv"
    conda:
        ENV
    resources:
        **sized(1000, 10),
    params:
        logo_kmers=config["gia"]["logo_kmers"],
    script:
        "../scripts/gia_motif.py"


rule gia_ism:
    input:
        h5=f"{OUT}/encoded/probes.h5",
        model=gia_model_files,
    output:
        logos=report(
            f"{GIA_DIR}/ism_logos.png",
            caption="../report/gia_ism.rst",
            category="GIA",
            subcategory="in-silico mutagenesis",
            labels={"RBP": "{rbp}", "figure": "ISM of top probes", "model": "{model}"},
        ),
        # Every effect behind the logos; Figure 2 draws its ISM panel from it.
        table=f"{GIA_DIR}/ism.tsv",
    log:
        f"{LOGS}/gia/{{model}}/{{rbp}}/ism.log",
    benchmark:
        f"{TIMINGS}/gia_ism/{{model}}/{{rbp}}.tsv"
    conda:
        env("gia")
    threads: config["gia"]["threads"]
    resources:
        **sized(2000, 60),
        gpu=gpu("gia"),
    params:
        ism_probes=config["gia"]["ism_probes"],
        model=gia_model_spec,
    script:
        "../scripts/gia_ism.py"


rule gia_summary:
    input:
        tables=lambda w: [path for _, _, path in gia_tables()],
        runner_ups=lambda w: runner_up_tables(),
    output:
        table=report(
            f"{OUT}/gia/summary.tsv",
            caption="../report/gia_summary.rst",
            category="GIA",
            subcategory="summary",
            labels={"RBP": "all", "figure": "headline per RBP and experiment", "format": "table"},
        ),
        figure=report(
            f"{OUT}/gia/summary.png",
            caption="../report/gia_summary_figure.rst",
            category="GIA",
            subcategory="summary",
            labels={"RBP": "all", "figure": "headline effects across RBPs", "format": "figure"},
        ),
    log:
        f"{LOGS}/gia/summary.log",
    benchmark:
        f"{TIMINGS}/gia_summary.tsv"
    conda:
        ENV
    resources:
        **sized(2000, 15),
    params:
        labels=lambda w: gia_table_labels(),
    script:
        "../scripts/gia_summary.py"


if FORMAT == "synthetic":

    # A checked experiment on the same nulls and design with the planted rule itself as the
    # model: the validation can then tell a design that misses the rule from a trained model
    # that did not learn it.
    rule gia_planted:
        input:
            h5=f"{OUT}/encoded/probes.h5",
            truth=f"{OUT}/data/ground_truth.json",
            kmers=lambda w: f"{OUT}/gia/{gia_model_of(w.rbp)}/{w.rbp}/kmer_search.tsv",
            metrics=planted_scale,
        output:
            table=f"{OUT}/gia/planted/{{rbp}}/{{experiment}}.tsv",
        log:
            f"{LOGS}/gia/planted/{{rbp}}/{{experiment}}.log",
        benchmark:
            f"{TIMINGS}/gia_planted/{{rbp}}/{{experiment}}.tsv"
        wildcard_constraints:
            experiment="|".join(GIA_EXPERIMENTS) or "-",
        conda:
            ENV
        threads: config["gia"]["threads"]
        resources:
            **sized(1500, 30),
        params:
            settings=planted_settings,
        script:
            "../scripts/gia_planted.py"

    rule gia_validation:
        input:
            truth=f"{OUT}/data/ground_truth.json",
            tables=lambda w: [path for _, _, path in gia_tables()],
            planted=lambda w: [path for _, _, path in planted_tables()],
        output:
            report(
                f"{OUT}/gia/validation.tsv",
                caption="../report/gia_validation.rst",
                category="Validation",
                subcategory="Planted rules",
                labels={"RBP": "all", "figure": "planted vs recovered", "format": "table"},
            ),
        log:
            f"{LOGS}/gia/validation.log",
        benchmark:
            f"{TIMINGS}/gia_validation.tsv"
        conda:
            ENV
        resources:
            **sized(1000, 10),
        params:
            labels=lambda w: gia_table_labels(),
            planted=lambda w: [(rbp, experiment) for rbp, experiment, _ in planted_tables()],
        script:
            "../scripts/gia_validation.py"
