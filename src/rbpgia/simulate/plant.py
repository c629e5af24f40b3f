"""Planting motif instances: each RBP's own share of the probes gets 1-4 copies of its motif.

Random 38-nt probes seldom contain a given 6-mer, so, like RNAcompete's designed pool, the
synthetic pool is enriched for motif instances.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from rbpgia.simulate.codes import motif_codes

# Number of motif instances written into a planted probe (capped by what fits).
PLANTED_SITE_COUNTS = MappingProxyType({1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05})


def planted_rows(n_probes: int, specs: Mapping[str, dict], rng) -> dict[str, np.ndarray]:
    """Give each RBP its own ``round(planted_fraction * N)`` random probes, disjoint.

    Disjoint sets keep one RBP's planted instances from being overwritten by another's.
    """
    order = rng.permutation(n_probes)
    rows, used = {}, 0
    for name, spec in specs.items():
        n_planted = int(round(spec["planted_fraction"] * n_probes))
        rows[name] = np.sort(order[used : used + n_planted])
        used += n_planted
    return rows


def plant_sites(codes, lengths, motif, rows, rng) -> np.ndarray:
    """Write non-overlapping motif instances into the probes ``rows``.

    The number of instances per probe follows :data:`PLANTED_SITE_COUNTS` (capped by
    what fits) and every non-overlapping placement is equally likely: choose ``c``
    distinct slots ``t`` among ``L - c*k + c`` and start site ``i`` at ``t_i + i*(k - 1)``.
    """
    if len(rows) == 0:
        return codes
    k = len(motif)
    codes_of_motif = motif_codes(motif)
    choices = np.array(sorted(PLANTED_SITE_COUNTS), dtype=np.int64)
    probs = np.array([PLANTED_SITE_COUNTS[c] for c in choices])
    counts = rng.choice(choices, size=len(rows), p=probs / probs.sum())
    counts = np.minimum(counts, lengths[rows] // k)
    out = codes.copy()
    for count in np.unique(counts[counts > 0]):
        chosen = rows[counts == count]
        n_slots = lengths[chosen] - count * k + count
        keys = rng.random((len(chosen), int(n_slots.max())))
        keys[np.arange(keys.shape[1])[None, :] >= n_slots[:, None]] = np.inf
        slots = np.sort(np.argsort(keys, axis=1)[:, :count], axis=1)
        starts = slots + np.arange(count) * (k - 1)
        columns = starts[:, :, None] + np.arange(k)
        out[chosen[:, None, None], columns] = codes_of_motif
    return out
