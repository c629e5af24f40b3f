if config["training"]["group_size"] == 1:

    rule train_keras:
        input:
            h5=f"{OUT}/encoded/probes.h5",
        output:
            model=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/model.keras",
            history=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/history.tsv",
            metrics=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/metrics.json",
            predictions=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/predictions.tsv",
        log:
            f"{LOGS}/train/{{arch}}_{{input}}_{{norm}}/{{rbp}}.log",
        benchmark:
            f"{TIMINGS}/train_keras/{{arch}}_{{input}}_{{norm}}/{{rbp}}.tsv"
        wildcard_constraints:
            arch="residualbind|deepbind_cnn",
            input="seq|pu|struct",
            norm="clip|log",
        # The longest jobs; the models GIA explains go first (training_priority).
        priority: training_priority
        conda:
            env("training")
        threads: config["training"]["threads"]
        resources:
            mem_mb=lambda wildcards, attempt: attempt * config["training"]["mem_mb"],
            runtime=lambda wildcards, attempt: attempt
            * training_runtime(training_settings(wildcards)),
            gpu=gpu("training"),
        params:
            settings=training_settings,
        script:
            "../scripts/train.py"

else:

    # training.group_size > 1: one job trains a group of RBPs' models at once (for GPUs),
    # each as if alone (rbpgia.train_group); train_keras_member puts each RBP's files where
    # the single-RBP rule would have written them.
    rule train_keras_group:
        input:
            h5=f"{OUT}/encoded/probes.h5",
        output:
            directory(f"{OUT}/models/groups/{{arch}}_{{input}}_{{norm}}/{{group}}"),
        log:
            f"{LOGS}/train/{{arch}}_{{input}}_{{norm}}/groups/{{group}}.log",
        benchmark:
            f"{TIMINGS}/train_keras_group/{{arch}}_{{input}}_{{norm}}/{{group}}.tsv"
        wildcard_constraints:
            arch="residualbind|deepbind_cnn",
            input="seq|pu|struct",
            norm="clip|log",
            group=r"g\d+",
        priority: training_priority
        conda:
            env("training")
        threads: config["training"]["threads"]
        resources:
            mem_mb=group_memory,
            runtime=lambda wildcards, attempt: attempt * training_runtime(group_settings(wildcards)),
            gpu=gpu("training"),
        params:
            settings=group_settings,
            rbps=group_members,
        script:
            "../scripts/train_group.py"

    rule train_keras_member:
        input:
            group=member_group,
        output:
            model=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/model.keras",
            history=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/history.tsv",
            metrics=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/metrics.json",
            predictions=f"{OUT}/models/{{arch}}_{{input}}_{{norm}}/{{rbp}}/predictions.tsv",
        log:
            f"{LOGS}/train/{{arch}}_{{input}}_{{norm}}/{{rbp}}.log",
        wildcard_constraints:
            arch="residualbind|deepbind_cnn",
            input="seq|pu|struct",
            norm="clip|log",
        localrule: True
        params:
            group_log=member_group_log,
        script:
            "../scripts/train_member.py"


rule train_kmer_ridge:
    input:
        h5=f"{OUT}/encoded/probes.h5",
    output:
        model=f"{OUT}/models/kmer_ridge_seq_{{norm}}/{{rbp}}/model.npz",
        metrics=f"{OUT}/models/kmer_ridge_seq_{{norm}}/{{rbp}}/metrics.json",
        predictions=f"{OUT}/models/kmer_ridge_seq_{{norm}}/{{rbp}}/predictions.tsv",
    log:
        f"{LOGS}/train/kmer_ridge_seq_{{norm}}/{{rbp}}.log",
    benchmark:
        f"{TIMINGS}/train_kmer_ridge/kmer_ridge_seq_{{norm}}/{{rbp}}.tsv"
    wildcard_constraints:
        norm="clip|log",
    priority: BASELINE_PRIORITY
    conda:
        ENV
    threads: 1
    resources:
        **sized(2000, 10, mem_mb_per_100k=200, runtime_per_100k=5),
    params:
        # What the ridge reads: the Keras schedule (epochs, patience, ...) is not its.
        settings={key: TRAINING_SETTINGS[key] for key in ("valid_fraction", "seed")},
    script:
        "../scripts/train_kmer_ridge.py"
