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
    wildcard_constraints:
        arch="residualbind|deepbind_cnn",
        input="seq|pu|struct",
        norm="clip|log",
    conda:
        ENV
    threads: config["training"]["threads"]
    resources:
        mem_mb=config["training"]["mem_mb"],
        runtime=config["training"]["runtime"],
        gpu=1 if config["training"]["gpu"] else 0,
    params:
        settings=config["training"],
    script:
        "../scripts/train.py"


rule train_kmer_ridge:
    input:
        h5=f"{OUT}/encoded/probes.h5",
    output:
        model=f"{OUT}/models/kmer_ridge_seq_{{norm}}/{{rbp}}/model.npz",
        metrics=f"{OUT}/models/kmer_ridge_seq_{{norm}}/{{rbp}}/metrics.json",
        predictions=f"{OUT}/models/kmer_ridge_seq_{{norm}}/{{rbp}}/predictions.tsv",
    log:
        f"{LOGS}/train/kmer_ridge_seq_{{norm}}/{{rbp}}.log",
    wildcard_constraints:
        norm="clip|log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        settings=config["training"],
    script:
        "../scripts/train_kmer_ridge.py"
