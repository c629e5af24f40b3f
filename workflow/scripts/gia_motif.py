"""k-mer alignment logo of the top GIA k-mers and its best RNAcompete PWM match."""

from rbpgia.workflow.logs import setup_logging
from rbpgia.workflow.startup import fast_imports

# First: TensorFlow's start-up chatter then goes to the job's log, not the terminal.
log = setup_logging(snakemake.log[0], native_stderr=True)

with fast_imports():
    import numpy as np

    from rbpgia.io import atomic_path, read_tsv
    from rbpgia.motifs import best_matches, kmer_alignment_pwm, read_motif_names, read_pwms
    from rbpgia.plots.logos import plot_kmer_logo_with_match

kmers = read_tsv(snakemake.input.kmers)  # rows are in rank order
top = kmers.head(snakemake.params.logo_kmers)
weights = top["importance"].clip(lower=0).to_numpy()
if not weights.any():  # an RBP the model learnt nothing for: weigh the k-mers equally
    log.warning("no k-mer has a positive importance; aligning the top k-mers unweighted")
    weights = np.ones(len(top))
pwm = kmer_alignment_pwm(top["kmer"].tolist(), weights)
collection = read_pwms(snakemake.input.pwms)
names = read_motif_names(snakemake.input.names)
matches = best_matches(pwm, collection, names=names, top=10)
with atomic_path(snakemake.output.matches) as tmp:
    matches.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
best = matches.iloc[0]
label = f"{best['rncmpt_id']} {best.get('protein', '')}".strip()
plot_kmer_logo_with_match(
    pwm, collection[best["rncmpt_id"]], label, best["score"], snakemake.output.logo
)
log.info("best RNAcompete match %s (similarity %.3f)", label, best["score"])
