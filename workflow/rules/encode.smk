checkpoint encode:
    input:
        raw_input(),
    output:
        h5=f"{OUT}/encoded/probes.h5",
        experiments=f"{OUT}/encoded/experiments.tsv",
    log:
        f"{LOGS}/encode.log",
    conda:
        ENV
    threads: config["encode"]["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        format="rnacompete_table" if FORMAT == "synthetic" else FORMAT,
        settings=config["encode"],
        dataset=DATASET,
    script:
        "../scripts/encode.py"
