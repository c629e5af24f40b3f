"""GIA k-mer search for one RBP: every k-mer embedded at the centre of the nulls."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import time

    from rbpgia.gia.kmer_search import adaptive_kmer_search, kmer_search
    from rbpgia.io import atomic_path
    from rbpgia.plots.gia import plot_experiment
    from rbpgia.train import limit_threads
    from rbpgia.workflow.jobs import gia_context, parse_model_id

limit_threads(snakemake.threads)

settings = snakemake.params.settings
w = snakemake.wildcards
_, input_type, _ = parse_model_id(w.model)
start = time.monotonic()
context = gia_context(
    snakemake.input.h5, snakemake.input.model, w.rbp, input_type, settings, snakemake.threads
)
options = dict(
    k=settings["k"],
    input_type=input_type,
    baseline=context.baseline,
    n_boot=settings["n_boot"],
    rng=context.rng,
    threads=snakemake.threads,
)
adaptive = settings["adaptive"] and settings["n_null"] > settings["screen_nulls"]
if adaptive:
    log.info(
        "adaptive search: every k-mer on %d nulls, then more nulls for the k-mers that may "
        "reach the top %d (miss probability <= %g)",
        settings["screen_nulls"],
        settings["search_top"],
        settings["miss_probability"],
    )
    table = adaptive_kmer_search(
        context.predict,
        context.nulls,
        n_screen=settings["screen_nulls"],
        top=settings["search_top"],
        miss_probability=settings["miss_probability"],
        log=log.info,
        **options,
    )
else:
    log.info("exhaustive search: every k-mer on all %d nulls", settings["n_null"])
    table = kmer_search(context.predict, context.nulls, **options)
table.insert(0, "null", settings["nulls"])
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
plot_experiment("kmer_search", table, snakemake.output.figure, f"{w.rbp}: k-mer search")
top = table.iloc[0]
log.info(
    "%s: top %d-mer %s (importance %.4f) from %d k-mers x %d %s nulls in %.1f s",
    w.rbp,
    settings["k"],
    top["kmer"],
    top["importance"],
    len(table),
    len(context.nulls),
    settings["nulls"],
    time.monotonic() - start,
)
