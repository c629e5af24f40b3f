"""Time and memory of reading and encoding an RNAcompete 2013 table at full size.

Reads the table (``read_rnacompete_table``), one-hot encodes every probe, folds a random
sample of ``--sample`` probes with ``--threads`` processes and extrapolates the folding to
the whole pool (its cost is per probe), then writes ``probes.h5`` with the sample's
profiles tiled to full size, so the write and its memory are those of the encode step.
Prints wall time, CPU seconds (this process and its folding processes) and this process's
peak RSS after each step. Run it under ``/usr/bin/time -v`` for the whole-process peak.

Usage::

    python benchmarks/make_rnacompete.py table /tmp/full/norm_data.txt.gz
    /usr/bin/time -v python benchmarks/bench_table.py /tmp/full/norm_data.txt.gz /tmp/full/probes.h5
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from rbpgia.data import read_rnacompete_table
from rbpgia.encode.onehot import one_hot
from rbpgia.encode.store import write_probes_h5
from rbpgia.encode.structure import structure_profiles


def _cpu() -> float:
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Step:
    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu
        print(
            f"{self.name}: {self.wall:.1f} s wall, {self.cpu:.1f} CPU s, peak {_peak_mb():.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table")
    parser.add_argument("h5")
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with _Step("read"):
        probes = read_rnacompete_table(args.table)
    print(
        f"  {len(probes)} probes ({(probes.sets == 'A').sum()} Set A) x "
        f"{len(probes.experiments)} experiments; targets "
        f"{probes.targets.memory_usage().sum() / 1e6:.0f} MB; first ID {probes.probe_names()[0]}"
    )
    with _Step("one-hot"):
        onehot = one_hot(probes.sequences, 41)
    rows = np.random.default_rng(0).choice(len(probes), min(args.sample, len(probes)), False)
    with _Step(f"structure of {len(rows)} probes, {args.threads} processes") as step:
        folded = structure_profiles(probes.sequences[rows], 41, threads=args.threads)
    scale = len(probes) / len(rows)
    print(
        f"  x{scale:.1f} for the pool: {step.wall * scale / 60:.1f} min wall, "
        f"{step.cpu * scale / 60:.1f} CPU min"
    )
    structure = np.resize(folded, (len(probes), *folded.shape[1:])).astype(np.float32)
    with _Step("write_probes_h5"):
        write_probes_h5(args.h5, probes, onehot, structure)


if __name__ == "__main__":
    main()
