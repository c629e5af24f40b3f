checkpoint encode:
    input:
        raw_input(),
        unpack(folded_input),
    output:
        h5=f"{OUT}/encoded/probes.h5",
        experiments=f"{OUT}/encoded/experiments.tsv",
    log:
        f"{LOGS}/encode.log",
    benchmark:
        f"{TIMINGS}/encode.tsv"
    conda:
        ENV
    threads: config["encode"]["threads"]
    resources:
        **sized(1000, 10, mem_mb_per_100k=800, runtime_per_100k=5, parallel=True),
    params:
        format="rnacompete_table" if FORMAT == "synthetic" else FORMAT,
        reader=READER_OPTIONS,
        settings=config["encode"],
        dataset=DATASET,
    script:
        "../scripts/encode.py"
