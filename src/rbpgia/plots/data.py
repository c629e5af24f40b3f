"""Overview figure of a probe pool: lengths, GC, structure along the probe, intensities."""

from __future__ import annotations

import os

import numpy as np

from rbpgia.plots.style import PALETTE, apply_style, plt, save_figure


def plot_overview(table, pool: dict, source: str | os.PathLike, path: str | os.PathLike) -> None:
    """Four panels summarising a pool (see :func:`rbpgia.data.summary.summarise_h5`)."""
    apply_style()
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    ax = axes[0, 0]
    lengths, counts = np.unique(pool["length"], return_counts=True)
    ax.bar(lengths, counts, color=PALETTE[0])
    ax.set(xlabel="probe length (nt)", ylabel="probes", title="Probe lengths")
    ax = axes[0, 1]
    ax.hist(pool["gc"], bins=np.linspace(0, 1, 21), color=PALETTE[1])
    ax.set(xlabel="GC fraction of the probe", ylabel="probes", title="GC content")
    ax = axes[1, 0]
    ax.plot(np.arange(1, len(pool["unpaired"]) + 1), pool["unpaired"], color=PALETTE[2])
    ax.set(
        xlabel="position in the centred probe (nt)",
        ylabel="mean unpaired probability",
        ylim=(0, 1),
        title="Accessibility (ViennaRNA, W = L = 41)",
    )
    ax = axes[1, 1]
    names = list(pool["targets"])
    data = [pool["targets"][name] for name in names]
    if data:
        ax.boxplot(data, vert=False, showfliers=True, flierprops={"markersize": 1.5})
        ax.set_yticks(np.arange(1, len(names) + 1), names)
        ax.set_xscale("symlog")
    ax.set(xlabel="measured intensity (symlog scale)", title="Intensities per experiment")
    fig.suptitle(f"Probe pool: {os.path.basename(os.path.dirname(os.path.dirname(source)))}")
    fig.tight_layout()
    save_figure(fig, path)
