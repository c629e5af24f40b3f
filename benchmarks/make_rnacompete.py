"""Write RNAcompete files in the published layouts, with made-up intensities.

Two layouts, for tests and for measuring the readers at full size:

* ``table``: the RNAcompete 2013 ``norm_data.txt.gz`` (Ray et al. 2013) as distributed:
  tab-separated, header ``Probe_ID  Probe_Set  RNA_Seq  RNCMPT00001 ...``; ``Probe_ID``
  ``RBD_v3_000001`` onwards, ``Probe_Set`` ``A``/``B``, ``RNA_Seq`` 30-41 nt over ACGU
  (mostly 30, 35 and 38 nt, as in the real pool), missing values written `` NaN`` with a
  leading space. The full file has 241,357 probes (120,326 in Set A) x 244 experiments.
* ``rnacontext``: RNAcompete 2009 (Ray et al. 2009) as distributed with RNAcontext: per
  RBP ``<RBP>_data_full_A.txt`` and ``<RBP>_data_full_B.txt``, no header, one probe per
  line ``<score><TAB><sequence>``, probes of at most 39 nt.

Each experiment gets one planted 5-mer: its intensity rises with the k-mer's occurrences
in the probe, plus noise, so a model trained on the files learns something. The same
arguments always write the same bytes (gzip without timestamp).

Usage::

    python benchmarks/make_rnacompete.py table norm_data.txt.gz --probes 241357 --experiments 244
    python benchmarks/make_rnacompete.py rnacontext data/ --rbps HuR,PTB,Fusip --probes 4000
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
from pathlib import Path

import numpy as np

FULL_PROBES = 241_357
FULL_SET_A = 120_326
FULL_EXPERIMENTS = 244
# Length mix of the RNAcompete 2013 pool (rbpgia.simulate.pool.PROBE_LENGTHS) with the
# remaining lengths of 30-41 nt made rare but present.
LENGTHS_2013 = {30: 0.146, 35: 0.254, 38: 0.586, 39: 0.012, 41: 0.002}
LENGTHS_2013.update({n: 0.0001 for n in (31, 32, 33, 34, 36, 37, 40)})
# RNAcompete 2009 probes: at most 39 nt.
LENGTHS_2009 = {29: 0.05, 30: 0.1, 35: 0.3, 38: 0.45, 39: 0.1}
RBPS_2009 = ("Fusip", "HuR", "PTB", "RBM4", "SF2", "SLM2", "U1A", "VTS1", "YB1")
# Intensities are drawn on this grid so that formatting 59 million of them stays fast; each
# level is written with 6 decimals (3 more, fixed per level) so cells are as long as in a
# table of 6-decimal intensities.
GRID = np.round(np.arange(-5.0, 25.0, 0.001), 3)
_DIGITS = np.random.default_rng(12345).integers(0, 1000, len(GRID))
GRID_TEXT = np.array([f"{v:.3f}{d:03d}" for v, d in zip(GRID, _DIGITS, strict=True)], dtype=object)
LETTERS = np.array(list("ACGU"))


def probe_sequences(rng: np.random.Generator, n: int, lengths: dict[int, float]) -> list[str]:
    """``n`` random probes over ACGU with lengths drawn from ``lengths`` (length -> weight)."""
    sizes = np.array(list(lengths))
    weights = np.array(list(lengths.values()), dtype=float)
    drawn = rng.choice(sizes, size=n, p=weights / weights.sum())
    codes = LETTERS[rng.integers(0, 4, size=(n, int(sizes.max())))]
    return ["".join(row[:size]) for row, size in zip(codes, drawn, strict=True)]


def planted_intensities(
    rng: np.random.Generator, sequences: list[str], motifs: list[str], nan_fraction: float
) -> np.ndarray:
    """Intensity text per probe and experiment: occurrences of the experiment's motif x 3 plus
    noise, as strings on :data:`GRID`, ``None`` where missing (float32 NaN semantics)."""
    values = rng.normal(0.0, 0.5, size=(len(sequences), len(motifs)))
    for j, motif in enumerate(motifs):
        values[:, j] += 3.0 * np.fromiter((s.count(motif) for s in sequences), float)
    index = np.clip(np.rint((values - GRID[0]) * 1000).astype(np.int64), 0, len(GRID) - 1)
    text = GRID_TEXT[index]
    text[rng.random(text.shape) < nan_fraction] = None
    return text


def motifs_for(rng: np.random.Generator, n: int) -> list[str]:
    return ["".join(rng.choice(LETTERS, size=5)) for _ in range(n)]


def write_table(
    path: str | os.PathLike,
    n_probes: int = FULL_PROBES,
    n_experiments: int = FULL_EXPERIMENTS,
    n_set_a: int | None = None,
    nan_fraction: float = 0.02,
    seed: int = 0,
    block: int = 20_000,
) -> list[str]:
    """Write a ``norm_data.txt.gz``-layout table; returns the planted motif per experiment.

    Set A holds ``n_set_a`` probes (by default the real pool's share), spread through the
    file in random order as in the real one.
    """
    rng = np.random.default_rng(seed)
    if n_set_a is None:
        n_set_a = round(n_probes * FULL_SET_A / FULL_PROBES)
    sets = np.array(["B"] * n_probes, dtype=object)
    sets[rng.permutation(n_probes)[:n_set_a]] = "A"
    motifs = motifs_for(rng, n_experiments)
    header = ["Probe_ID", "Probe_Set", "RNA_Seq"]
    header += [f"RNCMPT{i:05d}" for i in range(1, n_experiments + 1)]
    with _gzip_text(path) as out:
        out.write("\t".join(header) + "\n")
        for start in range(0, n_probes, block):
            stop = min(start + block, n_probes)
            sequences = probe_sequences(rng, stop - start, LENGTHS_2013)
            values = planted_intensities(rng, sequences, motifs, nan_fraction)
            values[values == None] = " NaN"  # noqa: E711 (elementwise on an object array)
            lines = [
                f"RBD_v3_{start + r + 1:06d}\t{sets[start + r]}\t{seq}\t" + "\t".join(row)
                for r, (seq, row) in enumerate(zip(sequences, values, strict=True))
            ]
            out.write("\n".join(lines) + "\n")
    return motifs


def write_rnacontext(
    directory: str | os.PathLike,
    rbps: tuple[str, ...] = RBPS_2009,
    n_probes: int = 4000,
    nan_fraction: float = 0.0,
    dna: tuple[str, ...] = (),
    seed: int = 0,
) -> list[str]:
    """Write ``<RBP>_data_full_A.txt``/``_B.txt`` for each RBP; returns the planted motifs.

    Every RBP's files hold the same pool (half in Set A), each in its own random order, as
    the per-RBP files of one pool do; probes with a missing intensity are left out of that
    RBP's files (``nan_fraction``). RBPs named in ``dna`` are written with T for U.
    """
    rng = np.random.default_rng(seed)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sequences = probe_sequences(rng, n_probes, LENGTHS_2009)
    sets = np.where(np.arange(n_probes) < n_probes // 2, "A", "B")
    motifs = motifs_for(rng, len(rbps))
    values = planted_intensities(rng, sequences, motifs, nan_fraction)
    for j, rbp in enumerate(rbps):
        for label in ("A", "B"):
            rows = rng.permutation(np.flatnonzero((sets == label) & (values[:, j] != None)))  # noqa: E711
            lines = [f"{values[r, j]}\t{sequences[r]}" for r in rows]
            text = "\n".join(lines) + "\n"
            if rbp in dna:
                text = text.replace("U", "T")
            (directory / f"{rbp}_data_full_{label}.txt").write_text(text)
    return motifs


class _gzip_text:
    """A gzip text file with a zero timestamp and no embedded name (the same bytes each run)."""

    def __init__(self, path: str | os.PathLike):
        self._raw = open(path, "wb")  # noqa: SIM115 (closed in __exit__)
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
        self._text = io.TextIOWrapper(self._gz, encoding="utf-8", newline="")

    def __enter__(self) -> io.TextIOWrapper:
        return self._text

    def __exit__(self, *exc) -> None:
        self._text.close()
        self._raw.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="layout", required=True)
    table = sub.add_parser("table", help="RNAcompete 2013 norm_data.txt.gz layout")
    table.add_argument("path")
    table.add_argument("--probes", type=int, default=FULL_PROBES)
    table.add_argument("--experiments", type=int, default=FULL_EXPERIMENTS)
    table.add_argument("--seed", type=int, default=0)
    context = sub.add_parser("rnacontext", help="RNAcompete 2009 per-RBP files (RNAcontext)")
    context.add_argument("directory")
    context.add_argument("--rbps", default=",".join(RBPS_2009))
    context.add_argument("--probes", type=int, default=4000)
    context.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.layout == "table":
        write_table(args.path, args.probes, args.experiments, seed=args.seed)
    else:
        rbps = tuple(args.rbps.split(","))
        write_rnacontext(args.directory, rbps, args.probes, seed=args.seed)


if __name__ == "__main__":
    main()
