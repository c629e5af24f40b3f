"""Does a motif matter more unpaired? The motif in a hairpin loop or stem, net of position."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rbpgia.encode.onehot import decode as decode_onehot
from rbpgia.encode.structure import SPAN, WINDOW
from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.embed import as_onehot, pattern_codes, real_regions, with_structure
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT
from rbpgia.sequence import ALPHABET, reverse_complement

NAME = "hairpin"
CONDITIONS = ("loop", "loop_control", "stem", "stem_control")
# Layout key of the motif's first column in each condition.
MOTIF_AT = {
    "loop": "loop_motif",
    "loop_control": "loop_motif",
    "stem": "stem_motif",
    "stem_control": "stem_motif",
}
LOOP_EFFECT = "loop - loop_control"
STEM_EFFECT = "stem - stem_control"
# The difference of the two structure effects (each net of position).
LOOP_MINUS_STEM = "loop - stem"
LOOP_MARGIN = 2
LOOP_FILLER = "A"


def hairpin_layout(
    nulls: np.ndarray, motif_width: int, stem: int, loop_margin: int = LOOP_MARGIN
) -> dict[str, np.ndarray]:
    """Columns of a stem-loop centred in each null's real region.

    The hairpin reads ``5' arm (stem nt) | loop (motif_width + 2 loop_margin nt) |
    3' arm (stem nt)``; column ``arm5 + j`` of the 5' arm pairs with ``end - 1 - j``.

    Returns
    -------
    dict of np.ndarray of int64, each shape (N,)
        ``arm5`` (first column of the hairpin), ``end`` (one past its last column),
        ``loop_motif`` (a motif start ``loop_margin`` nt into the loop), ``stem_motif``
        (a motif start centred in the 5' arm) and ``stem_partner`` (start of the 3'-arm
        stretch that pairs with a motif at ``stem_motif``).

    Raises
    ------
    InputError
        When the stem is shorter than the motif or the hairpin longer than a null.
    """
    starts, lengths = real_regions(nulls)
    total = 2 * stem + motif_width + 2 * loop_margin
    if stem < motif_width or loop_margin < 0:
        raise InputError(
            f"stem ({stem} nt) must be at least the motif length ({motif_width}) and "
            f"loop_margin ({loop_margin}) at least 0"
        )
    if total > lengths.min():
        raise InputError(
            f"a hairpin of {total} nt (2 x {stem}-nt stem + {total - 2 * stem}-nt loop) does "
            f"not fit in probes of {int(lengths.min())} nt; use a shorter stem or loop_margin"
        )
    arm5 = starts + (lengths - total) // 2
    end = arm5 + total
    stem_motif = arm5 + (stem - motif_width) // 2
    return {
        "arm5": arm5,
        "end": end,
        "loop_motif": arm5 + stem + loop_margin,
        "stem_motif": stem_motif,
        "stem_partner": end - (stem_motif - arm5) - motif_width,
    }


def design_hairpins(nulls: np.ndarray, layout: dict, stem: int, loop_margin: int) -> np.ndarray:
    """Copy of ``nulls`` turned into the stem-loops of ``layout`` (:func:`hairpin_layout`).

    The 5' arm keeps the null's letters; column ``end - 1 - j`` of the 3' arm gets the
    Watson-Crick complement of column ``arm5 + j`` (channels are A, C, G, U = 0..3, so
    the complement of code c is 3 - c). The ``loop_margin`` nt at both ends of the loop
    are set to A, which cannot pair with A, so the stem cannot zip on into the loop;
    the middle of the loop keeps the null's letters. Only Watson-Crick pairs are
    designed (G-U pairs would weaken the stem), though the fold check accepts whatever
    pair the MFE structure forms between designed partners.
    """
    out = as_onehot(nulls).copy()
    rows = np.arange(len(out))[:, None]
    codes = out[rows, layout["arm5"][:, None] + np.arange(stem)].argmax(axis=-1)
    out[rows, layout["end"][:, None] - 1 - np.arange(stem)] = np.eye(4, dtype=np.float32)[3 - codes]
    margin = np.arange(loop_margin)
    loop_end = layout["end"] - stem
    for first in (layout["arm5"] + stem, loop_end - loop_margin):
        out[rows, first[:, None] + margin] = np.eye(4, dtype=np.float32)[
            ALPHABET.index(LOOP_FILLER)
        ]
    return out


def unpair_hairpins(designed: np.ndarray, layout: dict, stem: int) -> np.ndarray:
    """Copy of designed stem-loops whose 3' arm is read backwards, so the stem cannot form.

    Every column keeps a letter of the design and the 3' arm keeps its letters, only in
    reverse order: the complement of the 5' arm then runs parallel to it instead of
    antiparallel, so the two arms no longer pair. Same letters, same composition, same
    loop; no designed stem.
    """
    out = designed.copy()
    rows = np.arange(len(out))[:, None]
    arm3 = layout["end"][:, None] - stem + np.arange(stem)
    out[rows, arm3] = designed[rows, arm3[:, ::-1]]
    return out


def mfe_partners(onehot: np.ndarray) -> np.ndarray:
    """Partner column of every column under each probe's MFE structure, -1 if unpaired.

    Each probe's real nucleotides are folded as a whole by ``RNA.fold`` (ViennaRNA
    default energy parameters, 37 C); padding columns are -1.

    Returns
    -------
    np.ndarray of int64, shape (N, L)
    """
    import RNA  # ViennaRNA: loaded only when folds are checked

    starts, lengths = real_regions(onehot)
    partners = np.full(onehot.shape[:2], -1, dtype=np.int64)
    for i, sequence in enumerate(decode_onehot(onehot)):
        structure, _ = RNA.fold(sequence)
        table = np.asarray(RNA.ptable(structure)[1:], dtype=np.int64)  # 1-based, 0 = none
        s = starts[i]
        partners[i, s : s + lengths[i]] = np.where(table > 0, table - 1 + s, -1)
    return partners


def hairpin(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    stem: int | None = None,
    loop_margin: int = LOOP_MARGIN,
    check_folds: bool = True,
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Importance of ``motif`` in a hairpin loop and in a stem, each against its control.

    From every null a stem-loop is designed (:func:`hairpin_layout`,
    :func:`design_hairpins`), centred in the probe: a stem of ``stem`` bp whose 3' arm
    is the complement of the 5' arm, around a loop of ``len(motif) + 2 * loop_margin``
    nt with A at both margins; the rest of the probe is the null's. The default stem is
    ``len(motif) + 4`` bp, shortened to what fits the shortest null while keeping an
    even surplus over the motif (never below the motif length). Loop and stem put the
    motif at different columns, and a designed hairpin differs from its null in many
    letters, so each context gets a control that differs from it in structure only:
    the same letters written at the same columns of the *unpaired* design
    (:func:`unpair_hairpins`: the same letters, the 3' arm read backwards so that the
    stem cannot form).

    ``loop``
        the motif ``loop_margin`` nt into the loop, vs the designed stem-loops;
    ``loop_control``
        the same, in and vs the unpaired designs;
    ``stem``
        the motif centred in the 5' arm and its reverse complement at the partner
        columns of the 3' arm (so it stays paired), vs the designed stem-loops;
    ``stem_control``
        the same letters at the same columns, in and vs the unpaired designs. The
        reverse complement's letters can matter to a model on their own (for UGCAUG,
        CAUGCA next to UG forms a second UGCAUG in one probe in eight), so the control
        writes them too; without the rest of the stem the two stretches, complementary
        and at mirror columns, still pair more often than not (for UGCAUG the motif lies
        wholly unpaired in about 1% of the controls: ``motif_unpaired_fraction``).

    The contrasts, paired per null, change structure only: ``loop - loop_control`` and
    ``stem - stem_control`` (the structure effect of each context, net of position,
    letters and composition), and ``loop - stem``, the difference of those two. A model
    that reads structure (``pu``/``struct``, refolded after every change) and prefers
    unpaired sites gives ``loop - stem`` > 0; a model blind to structure gives 0
    whatever its position preference. (Controls in the plain nulls instead leave the
    background's composition and predicted level different, and a trained sequence
    model's nonlinear response to its background then shows as a structure effect:
    -0.23 [-0.28, -0.19] for a synthetic RBP with no structure rule, against -0.002
    [-0.03, 0.03] with these controls; docs/gia.md.)

    How much structure the contrasts change is measured, not assumed. The controls are
    not unstructured: their motif pairs with whatever the probe offers (and in
    ``stem_control`` with its mirror partner), so ``loop - stem`` contrasts less than
    "wholly unpaired against wholly paired", by an amount that depends on the motif
    (and a motif that is its own reverse complement has two copies in the stem).
    ``unpaired_reference`` is each row's importance for a reference model that scores
    every exact copy of the motif by its mean probability of lying unpaired (ViennaRNA's,
    from the profiles a ``pu`` model reads, with the predictor's window and span): 1 per
    wholly unpaired copy. A model whose only rule is "an unpaired site is worth ``w``"
    gives ``w`` x that column on every row (tested), so ``loop - stem`` divided by its
    ``unpaired_reference`` compares RBPs and motifs on one scale.

    Whether the designs fold as intended is checked on the motif-bearing sequences with
    ViennaRNA's MFE structure (:func:`mfe_partners`): ``fold_fraction`` is the fraction
    in which every designed stem pair forms and, for ``loop``, every motif nucleotide is
    unpaired (NaN for the controls, which have no design); ``motif_unpaired_fraction``
    is the fraction with all motif nucleotides unpaired. The checks fold 4 x n probes
    with MFE (about 0.3 ms each) and 6 x n for the profiles (the four conditions and the
    two designs without the motif; about 0.6 ms each);
    ``check_folds=False`` skips them and leaves the three columns NaN.

    ``baseline`` (the plain nulls' predictions) is accepted like every experiment's and
    not needed: every row is measured against a design.

    Returns
    -------
    pd.DataFrame
        ``condition`` (:data:`CONDITIONS`, then the three contrasts), ``kind``, the
        statistics, ``fold_fraction``, ``motif_unpaired_fraction`` and
        ``unpaired_reference``; 7 rows.
    """
    predict = as_predictor(predict)
    nulls = as_onehot(nulls)
    pattern_codes(motif)
    m = len(motif)
    if stem is None:
        # Up to 4 bp more than the motif, with an even surplus: the motif then sits in the
        # middle of the 5' arm, and its partner at the mirror place of the 3' arm in the
        # design and the unpaired design alike.
        shortest = int(real_regions(nulls)[1].min())
        longest = min(m + 4, (shortest - m - 2 * loop_margin) // 2)
        stem = max(m, longest - (longest - m) % 2)
    layout = hairpin_layout(nulls, m, stem, loop_margin)
    designed = design_hairpins(nulls, layout, stem, loop_margin)
    in_loop = design.at_starts([motif], [layout["loop_motif"]])
    partner = reverse_complement(motif)
    unpaired = unpair_hairpins(designed, layout, stem)
    in_stem = design.at_starts([motif, partner], [layout["stem_motif"], layout["stem_partner"]])
    placed = {
        "loop": in_loop,
        "loop_control": in_loop,
        "stem": in_stem,
        "stem_control": in_stem,
    }
    controls = [name for name in CONDITIONS if name.endswith("_control")]
    # Each background's baseline is shared by the two contexts written into it.
    effects = {
        **design.measure(predict, designed, {"loop": in_loop, "stem": in_stem}),
        **design.measure(predict, unpaired, {"loop_control": in_loop, "stem_control": in_stem}),
    }
    loop_effect = design.contrast(effects, "loop", "loop_control")
    stem_effect = design.contrast(effects, "stem", "stem_control")
    rows = [
        (name, "control" if name in controls else "condition", effects[name]) for name in CONDITIONS
    ]
    rows += [
        loop_effect,
        stem_effect,
        (LOOP_MINUS_STEM, "contrast", loop_effect[2] - stem_effect[2]),
    ]
    result = design.table(NAME, motif, rows, predict, rng, n_boot=n_boot, confidence=confidence)
    fold_fraction = [np.nan] * len(rows)
    unpaired_fraction = [np.nan] * len(rows)
    unpaired_reference = [np.nan] * len(rows)
    if check_folds:
        sequences = {
            name: placed[name](unpaired if name in controls else designed) for name in CONDITIONS
        }
        folds = _hairpin_folds(sequences, layout, stem, m)
        fold_fraction[: len(CONDITIONS)] = [folds[name][0] for name in CONDITIONS]
        unpaired_fraction[: len(CONDITIONS)] = [folds[name][1] for name in CONDITIONS]
        backgrounds = {
            "designed": unpaired_site_score(designed, motif, predict),
            "unpaired": unpaired_site_score(unpaired, motif, predict),
        }
        reference = {
            name: unpaired_site_score(onehot, motif, predict)
            - backgrounds["unpaired" if name in controls else "designed"]
            for name, onehot in sequences.items()
        }
        loop_change = reference["loop"] - reference["loop_control"]
        stem_change = reference["stem"] - reference["stem_control"]
        per_row = [*(reference[name] for name in CONDITIONS), loop_change, stem_change]
        per_row.append(loop_change - stem_change)
        unpaired_reference = [float(np.mean(values)) for values in per_row]
    return result.assign(
        fold_fraction=fold_fraction,
        motif_unpaired_fraction=unpaired_fraction,
        unpaired_reference=unpaired_reference,
    )


def load_design(options: Mapping) -> dict:
    """The design options checked before any prediction (whether a stem holds the motif and
    the hairpin fits the nulls is known only once the motif is)."""
    stem = options.get("stem")
    if stem is not None and stem < 1:
        raise InputError(f"stem must be at least 1 bp (and the motif's length), got {stem}")
    if options.get("loop_margin", LOOP_MARGIN) < 0:
        raise InputError(f"loop_margin cannot be negative, got {options['loop_margin']}")
    return dict(options)


def unpaired_site_score(onehot: np.ndarray, motif: str, predict) -> np.ndarray:
    """(N,) the sum, over every exact copy of ``motif``, of its mean unpaired probability.

    The reference rule of :func:`hairpin`'s ``unpaired_reference``: 1 per wholly unpaired
    copy. Probabilities come from the ``pu`` profiles a structure model reads (ViennaRNA,
    with the window and span of ``predict`` where it is a
    :class:`~rbpgia.gia.predictor.Predictor`).
    """
    m = len(motif)
    options = {"window": getattr(predict, "window", WINDOW), "span": getattr(predict, "span", SPAN)}
    x = with_structure(onehot, "pu", getattr(predict, "threads", 1), **options).x
    windows = x.shape[1] - m + 1
    copies = np.ones((len(x), windows), dtype=bool)
    unpaired = np.zeros((len(x), windows))
    for t, code in enumerate(pattern_codes(motif)):
        copies &= x[:, t : t + windows, code] == 1
        unpaired += x[:, t : t + windows, -1]
    return (copies * unpaired / m).sum(axis=1)


def _hairpin_folds(sequences, layout, stem, width) -> dict[str, tuple[float, float]]:
    """(intended-fold fraction, motif-unpaired fraction) of each condition's sequences."""
    rows = np.arange(len(layout["arm5"]))[:, None]
    stem_columns = layout["arm5"][:, None] + np.arange(stem)
    stem_partners = layout["end"][:, None] - 1 - np.arange(stem)
    out = {}
    for name, onehot in sequences.items():
        columns = layout[MOTIF_AT[name]][:, None] + np.arange(width)
        partners = mfe_partners(onehot)
        unpaired = (partners[rows, columns] == -1).all(axis=1)
        formed = (partners[rows, stem_columns] == stem_partners).all(axis=1)
        intended = {"loop": formed & unpaired, "stem": formed}.get(name)
        out[name] = (np.nan if intended is None else float(intended.mean()), float(unpaired.mean()))
    return out


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of each context: training probes with a copy of the motif in it.

    ``loop``: a copy whose letters' mean probability of lying unpaired in a hairpin loop
    (the profiles' ``hairpin`` channel: unpaired and closed by a stem) is at least
    :data:`rbpgia.gia.support.CONTEXT_PROBABILITY`; ``stem``: a copy whose mean paired
    probability is. Empty without structure profiles; controls get none.
    """
    if not training.has_structure:
        return support.rows_support(table, {})
    motif = str(table["motif"].iloc[0])
    m = len(motif)
    found = support.mismatches(training, motif)
    contexts = {"loop": training.hairpin, "stem": training.paired}
    counts = {
        name: tuple(support.count(support.in_context(found <= mm, probability, m)) for mm in (0, 1))
        for name, probability in contexts.items()
    }
    return support.rows_support(table, counts)


def headline(result: pd.DataFrame) -> design.Headline:
    """``loop - stem``: the loop's structure effect minus the stem's, with its CI; the
    detail gives what a model that only scores unpaired copies gets, where measured."""
    row = design.row_named(result, LOOP_MINUS_STEM)
    loop, stem = design.row_named(result, LOOP_EFFECT), design.row_named(result, STEM_EFFECT)
    detail = f"loop effect {loop['importance']:.3g}, stem effect {stem['importance']:.3g}"
    reference = float(row.get("unpaired_reference", np.nan))
    if np.isfinite(reference):
        detail += f"; {reference:.3g} for a model scoring each copy by its unpaired probability"
    line = design.Headline.of_row("loop minus stem, net of position", row, detail)
    return line.reading(pd.DataFrame([row, loop, stem]))
