"""Does GC-rich sequence at one end change binding? The motif with and without it."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.embed import as_onehot, pattern_codes, resolve_starts
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT, contrast_name

NAME = "gc_bias"
GC_MOTIF = "GCGCGC"
GC_OFFSET = 2
CONDITIONS = ("motif", "gc_5p", "gc_3p", "motif+gc_5p", "motif+gc_3p")
# Per end, the change that GC brings beside the motif; then 3' against 5'.
CONTRASTS = (
    ("motif+gc_5p", "motif"),
    ("motif+gc_3p", "motif"),
    ("motif+gc_3p", "motif+gc_5p"),
)
EFFECT_5P = contrast_name(*CONTRASTS[0])
EFFECT_3P = contrast_name(*CONTRASTS[1])
THREE_MINUS_FIVE = contrast_name(*CONTRASTS[2])


def gc_bias(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    gc_motif: str = GC_MOTIF,
    gc_offset: int = GC_OFFSET,
    position="centre",
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Does GC-rich sequence at either end change the prediction? (Koo et al. 2021).

    Five conditions, each against the nulls alone: ``motif`` at ``position``;
    ``gc_5p``: ``gc_motif`` near the 5' end; ``gc_3p``: it near the 3' end; and
    ``motif+gc_5p``, ``motif+gc_3p``. The two ends' k-mers lie the same distance from
    the motif in each null (:func:`gc_starts`): at the end nearer the motif ``gc_offset``
    nt in from the probe's end, at the other end as far from the motif, so one nt further
    in where the centred motif leaves an odd number of letters. (At ``gc_offset`` from
    both ends they would be 1 nt further from the motif on the 3' side in those probes,
    and a model whose GC rule fades with distance from the site, the same on both sides,
    would show a 5' preference.) The motif sits at the same columns in every condition
    that has it, so the contrasts change one thing, the GC k-mer: ``motif+gc_5p - motif``
    and ``motif+gc_3p - motif`` (what GC at that end adds beside the motif, as the
    paper's Figure 4 reads it) and ``motif+gc_3p - motif+gc_5p`` (3' against 5', the
    same distance from the motif).

    Raises
    ------
    InputError
        When the GC pattern would overlap the motif in some null.

    Returns
    -------
    pd.DataFrame
        ``condition`` (:data:`CONDITIONS`, then the three contrasts), ``kind`` and the
        statistics.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    motif_at = resolve_starts(nulls, len(motif), position)
    starts = {"motif": motif_at, **gc_starts(nulls, motif_at, len(motif), gc_motif, gc_offset)}
    patterns = {"motif": motif, "gc_5p": gc_motif, "gc_3p": gc_motif}
    interventions = {
        name: design.at_starts(
            [patterns[part] for part in name.split("+")],
            [starts[part] for part in name.split("+")],
        )
        for name in CONDITIONS
    }
    effects = design.measure(predict, nulls, interventions, baseline=baseline)
    rows = [(name, "condition", effects[name]) for name in CONDITIONS]
    rows += [design.contrast(effects, first, second) for first, second in CONTRASTS]
    return design.table(NAME, motif, rows, predict, rng, n_boot=n_boot, confidence=confidence)


def gc_starts(
    nulls: np.ndarray, motif_at: np.ndarray, width: int, gc_motif: str, gc_offset: int
) -> dict[str, np.ndarray]:
    """Per null, the start columns ``{"gc_5p": (N,), "gc_3p": (N,)}`` of the GC k-mer.

    Both lie ``d`` nt from the motif (``width`` nt at ``motif_at``), ``d`` being the room
    the end nearer the motif leaves with ``gc_offset`` nt kept from that end.

    Raises
    ------
    InputError
        When the GC k-mer would overlap the motif in some null.
    """
    g = len(gc_motif)
    five = resolve_starts(nulls, g, f"5p+{int(gc_offset)}")
    three = resolve_starts(nulls, g, f"3p+{int(gc_offset)}")
    distance = np.minimum(motif_at - (five + g), three - (motif_at + width))
    if (distance < 0).any():
        raise InputError(
            f"{gc_motif!r} {int(gc_offset)} nt from an end overlaps the motif in "
            f"{int((distance < 0).sum())} nulls; use a shorter gc_motif or smaller gc_offset"
        )
    return {"gc_5p": motif_at - distance - g, "gc_3p": motif_at + width + distance}


def gc_windows_at_ends(
    training: support.Training, gc_motif: str, gc_offset: int, relaxed: int
) -> dict[str, np.ndarray]:
    """Per end, (N, windows) bool: GC-rich windows where the design writes ``gc_motif``.

    A window is GC-rich when it holds at least as many G and C as ``gc_motif`` less
    ``relaxed``; it is at the 5' end when it starts at most ``gc_offset + 1`` nt after the
    probe's first letter, at the 3' end when it ends at most ``gc_offset + 1`` nt before
    the last (the design writes it ``gc_offset`` nt in at the end nearer the centred
    motif, and one more at the other where the free length is odd: :func:`gc_starts`).
    """
    g = len(gc_motif)
    rich = support.rich_windows(training, "GC", g, sum(c in "GC" for c in gc_motif) - relaxed)
    columns = np.arange(rich.shape[1])[None, :]
    first = training.starts[:, None]
    last_start = (training.starts + training.lengths)[:, None] - g
    reach = gc_offset + 1
    return {
        "5p": rich & (columns - first <= reach),
        "3p": rich & (last_start - columns <= reach),
    }


def load_design(options: Mapping) -> dict:
    """The design options checked before any prediction (the GC k-mer's letters, the
    motif's position spec)."""
    pattern_codes(options.get("gc_motif", GC_MOTIF))
    if options.get("gc_offset", GC_OFFSET) < 0:
        raise InputError(f"gc_offset must be 0 or more, got {options['gc_offset']}")
    return design.load_position(options)


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of each condition: training probes with its parts (docs/gia.md).

    ``motif``: probes holding the motif; ``gc_5p``/``gc_3p``: a GC-rich window at that end
    (:func:`gc_windows_at_ends`); ``motif+gc_5p``: a copy of the motif with such a window
    entirely on its 5' side (``motif+gc_3p``: its 3' side). The one-mismatch count lets
    the motif differ in one letter and the window hold one G or C fewer.
    """
    motif = str(table["motif"].iloc[0])
    m = len(motif)
    gc_motif = design_options.get("gc_motif", GC_MOTIF)
    gc_offset = int(design_options.get("gc_offset", GC_OFFSET))
    found = support.mismatches(training, motif)
    columns = np.arange(found.shape[1])[None, :]
    counts: dict[str, list[int]] = {name: [] for name in CONDITIONS}
    for mm in (0, 1):
        copies = found <= mm
        gc = gc_windows_at_ends(training, gc_motif, gc_offset, relaxed=mm)
        g_columns = np.arange(gc["5p"].shape[1])[None, :]
        # A window 5' of a copy ends at or before the copy's last possible start; 3' of
        # one starts at or after the earliest copy's end.
        last_copy = np.where(copies, columns, -1).max(axis=1)
        first_copy = np.where(copies, columns, found.shape[1]).min(axis=1)
        five = (gc["5p"] & (g_columns + len(gc_motif) <= last_copy[:, None])).any(axis=1)
        three = (gc["3p"] & (g_columns >= first_copy[:, None] + m)).any(axis=1)
        for name, mask in (
            ("motif", support.holding(copies)),
            ("gc_5p", support.holding(gc["5p"])),
            ("gc_3p", support.holding(gc["3p"])),
            ("motif+gc_5p", five),
            ("motif+gc_3p", three),
        ):
            counts[name].append(support.count(mask))
    return support.rows_support(table, {name: tuple(c) for name, c in counts.items()})


def headline(result: pd.DataFrame) -> design.Headline:
    """The mean of the two ends' GC effects beside the motif; detail: each end's. Its CI
    averages theirs: no narrower than the mean's own (its spread is at most the mean of
    theirs, whatever their correlation), so CIs apart are apart."""
    five, three = design.row_named(result, EFFECT_5P), design.row_named(result, EFFECT_3P)
    value, low, high = (
        float((five[c] + three[c]) / 2) for c in ("importance", "ci_low", "ci_high")
    )
    detail = f"5' {design.with_ci(five, signed=True)}, 3' {design.with_ci(three, signed=True)}"
    what = "GC k-mer effect beside the motif (mean of ends)"
    line = design.Headline(what, value, detail, ci_low=low, ci_high=high)
    return line.reading(pd.DataFrame([five, three]))
