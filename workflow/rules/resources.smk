import math
from functools import cache

# Memory (MB) and run time (minutes) that each job declares; a cluster profile turns them into
# sbatch --mem and --time (profiles/slurm). The numbers come from peaks measured on the TINY
# test configuration (800 probes), the demo (30,000-40,000 probes) and a pool of the full
# RNAcompete 2013 size (241,357 probes x 244 experiments), with headroom: docs/scaling.md has
# the table.
# Jobs that read the whole pool grow with its size. Both values double with each retry
# (`attempt`), so a job killed for memory or time asks for twice as much when retried.

FULL_POOL = 241_357  # probes of the RNAcompete 2013 pool, the largest this workflow targets


@cache
def _encoded_pool_size(path, mtime):
    table = pd.read_csv(path, sep="\t", nrows=1)
    return int(table[["n_set_a", "n_set_b", "n_missing"]].sum(axis=1).iloc[0])


def pool_size():
    """Probes in the data set's pool: from the config for synthetic data, from the encoded
    pool once it exists, else the RNAcompete 2013 pool's size (an upper bound)."""
    if FORMAT == "synthetic":
        return DATASET_CONFIG["n_probes"]
    table = Path(OUT) / "encoded" / "experiments.tsv"
    if table.exists():
        return _encoded_pool_size(str(table), table.stat().st_mtime)
    return FULL_POOL


def sized(mem_mb, runtime, mem_mb_per_100k=0, runtime_per_100k=0, parallel=False):
    """``mem_mb`` and ``runtime`` resources: a fixed part plus a part per 100,000 probes of the
    pool (divided by the job's threads where the work is ``parallel``), times the attempt."""

    def memory(wildcards, attempt):
        return attempt * math.ceil(mem_mb + mem_mb_per_100k * pool_size() / 1e5)

    def minutes(wildcards, threads, attempt):
        per_pool = runtime_per_100k * pool_size() / 1e5 / (threads if parallel else 1)
        return attempt * math.ceil(runtime + per_pool)

    return {"mem_mb": memory, "runtime": minutes}


def gpu(section):
    """``gpu=1`` where the config section asks for a GPU (profiles/slurm asks by itself)."""
    return 1 if config[section]["gpu"] else 0
