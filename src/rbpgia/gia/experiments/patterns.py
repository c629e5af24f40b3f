"""How much each of a list of patterns matters, and how that follows measured affinity.

The paper's RBFOX1 panel (Koo et al. 2021, Figure 2) embeds seven 7-mers whose
dissociation constants were measured (Auweter et al. 2006) at the centre of the nulls
and regresses GIA importance on ln(K_D). This experiment does that for any list of
patterns of any length that fits the nulls, with or without measured values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rbpgia.errors import InputError
from rbpgia.gia import support
from rbpgia.gia.embed import pattern_codes
from rbpgia.gia.experiments import design
from rbpgia.gia.predictor import as_predictor
from rbpgia.gia.stats import CONFIDENCE, N_BOOT

NAME = "patterns"
# Fewest patterns with a measured value that a regression is reported for.
MIN_FIT = 3
# Column names a pattern table may use for its patterns.
PATTERN_COLUMNS = ("pattern", "kmer", "sequence")


def patterns(
    predict: design.Predict,
    nulls: np.ndarray,
    motif: str,
    *,
    rng: np.random.Generator | int | None = None,
    patterns: Sequence[str] | None = None,
    affinity: Mapping[str, float] | str | os.PathLike | None = None,
    affinity_column: str | None = None,
    position="centre",
    baseline: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Importance of each of ``patterns`` written at ``position`` (the nulls' centre).

    Parameters
    ----------
    motif : str
        The run's motif, kept in the table's ``motif`` column for the record; the
        patterns are the conditions.
    patterns : sequence of str, optional
        RNA patterns (T read as U) of any length that fits every null at ``position``;
        without them, the patterns of ``affinity``.
    affinity : mapping or path, optional
        Measured value per pattern, positive (e.g. K_D or a K_D ratio), or a TSV/CSV of
        them (:func:`read_affinity`, ``affinity_column`` naming the value column).

    Returns
    -------
    pd.DataFrame
        One ``condition`` row per pattern (named by it): ``pattern``, ``length``, the
        statistics, then ``affinity`` and ``log_affinity`` (its natural log; NaN where not
        measured) and, with at least :data:`MIN_FIT` measured patterns, the least-squares
        line of importance on ln(affinity) repeated on every row: ``slope`` (importance per
        unit of ln affinity), ``intercept``, ``pearson_r``, ``fit_p`` (two-sided, of r),
        ``fit_n``, and ``log_affinity_slope`` (ln affinity per unit of importance, the
        direction the paper regressed). NaN without enough measured patterns.
    """
    predict = as_predictor(predict)
    values = load_affinity(affinity, affinity_column)
    names = checked_patterns(patterns if patterns is not None else list(values or {}))
    interventions = {name: [(name, position)] for name in names}
    effects = design.measure(predict, nulls, interventions, baseline=baseline)
    rows = [(name, "condition", effects[name]) for name in names]
    result = design.table(
        NAME,
        motif,
        rows,
        predict,
        rng,
        labels={"pattern": names, "length": [len(name) for name in names]},
        n_boot=n_boot,
        confidence=confidence,
    )
    measured = np.array([(values or {}).get(name, np.nan) for name in names], dtype=np.float64)
    result["affinity"] = measured
    result["log_affinity"] = np.log(measured)
    return result.assign(**affinity_fit(result["log_affinity"], result["importance"]))


def count_support(training: support.Training, table: pd.DataFrame, design_options) -> pd.DataFrame:
    """Support of a pattern: training probes holding it (anywhere)."""
    counts = {name: support.counted(training, name) for name in table["pattern"].unique()}
    return support.rows_support(table, counts)  # conditions are named by their pattern


def checked_patterns(patterns: Sequence[str]) -> list[str]:
    """Upper-case RNA patterns (T read as U), each once; InputError otherwise."""
    if isinstance(patterns, str):
        patterns = [patterns]
    names = [str(p).strip().upper().replace("T", "U") for p in patterns]
    if not names:
        raise InputError(
            "no patterns given; set gia.design.patterns.patterns (a list) or "
            "gia.design.patterns.affinity (a table of pattern and measured value); on "
            "the command line --design patterns=[UGCAUGU,AGCAUGU] or --design affinity=TABLE"
        )
    for name in names:
        pattern_codes(name)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"{', '.join(repeated)} listed more than once")
    return names


def affinity_fit(log_affinity, importance) -> dict[str, float]:
    """Least-squares line of importance on ln affinity over the measured patterns."""
    x = np.asarray(log_affinity, dtype=np.float64)
    y = np.asarray(importance, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    fit = dict.fromkeys(("slope", "intercept", "pearson_r", "fit_p", "log_affinity_slope"), np.nan)
    fit["fit_n"] = int(keep.sum())
    if keep.sum() < MIN_FIT or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        return fit
    from scipy import stats  # here: its import takes about 1 s, and Snakemake loads this module

    line = stats.linregress(x[keep], y[keep])
    inverse = stats.linregress(y[keep], x[keep])
    fit.update(
        slope=float(line.slope),
        intercept=float(line.intercept),
        pearson_r=float(line.rvalue),
        fit_p=float(line.pvalue),
        log_affinity_slope=float(inverse.slope),
    )
    return fit


def load_affinity(
    affinity: Mapping[str, float] | str | os.PathLike | None, column: str | None = None
) -> dict[str, float] | None:
    """``affinity`` as ``{pattern: value}``: read when it names a file, checked when given."""
    if affinity is None:
        return None
    if isinstance(affinity, (str, os.PathLike)):
        return read_affinity(affinity, column)
    if not isinstance(affinity, Mapping):
        raise InputError(
            "affinity must be a table's path or a mapping of pattern to value, "
            f"not {type(affinity).__name__}"
        )
    values = {}
    for pattern, value in affinity.items():
        (name,) = checked_patterns([pattern])
        values[name] = _positive(value, f"affinity of {name}")
    return values


def read_affinity(path: str | os.PathLike, column: str | None = None) -> dict[str, float]:
    """A TSV/CSV of patterns and one measured value each, as ``{pattern: value}``.

    The patterns are in a column ``pattern`` (or ``kmer``, ``sequence``); the value in
    ``column``, or the table's only other column. Values must be positive (they are
    log-transformed).

    Raises
    ------
    InputError
        Naming the file, and the line of a bad pattern or value.
    """
    try:
        table = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as error:
        raise InputError(f"cannot read the affinity table: {error}", path) from None
    found = [c for c in PATTERN_COLUMNS if c in table.columns]
    if not found:
        raise InputError(
            f"affinity table needs a column named {' or '.join(PATTERN_COLUMNS)}; it has "
            f"{', '.join(table.columns)}",
            path,
        )
    others = [c for c in table.columns if c != found[0]]
    if column is None and len(others) != 1:
        raise InputError(
            f"affinity table has value columns {', '.join(others) or 'none'}: name one with "
            "affinity_column",
            path,
        )
    column = column or others[0]
    if column not in table.columns:
        raise InputError(f"affinity table has no column {column!r}", path)
    values = {}
    for line, (pattern, value) in enumerate(zip(table[found[0]], table[column], strict=True), 2):
        try:
            (name,) = checked_patterns([pattern])
            if name in values:
                raise InputError(f"pattern {name} given twice")
            values[name] = _positive(value, f"column {column}")
        except InputError as error:
            raise InputError(str(error), path, line) from None
    return values


def _positive(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: {value!r} is not a number") from None
    if not np.isfinite(number) or number <= 0:
        raise InputError(f"{what}: {number} is not positive (values are log-transformed)")
    return number


def load_design(options: Mapping) -> dict:
    """Design options with a named affinity table read (at the edge, once) and the
    patterns and position spec checked, so a missing list or a bad file stops a run before
    any prediction."""
    options = design.load_position(options)
    if options.get("affinity") is not None:
        column = options.pop("affinity_column", None)
        options["affinity"] = load_affinity(options["affinity"], column)
    if options.get("patterns") is None and not options.get("affinity"):
        checked_patterns([])
    if options.get("patterns") is not None:
        options["patterns"] = checked_patterns(options["patterns"])
    return options


def headline(result: pd.DataFrame) -> design.Headline:
    """With measured values: Pearson r of importance and ln affinity; else the best pattern."""
    if "pearson_r" in result and np.isfinite(result["pearson_r"].iloc[0]):
        first = result.iloc[0]
        detail = (
            f"n = {int(first['fit_n'])}, slope {first['slope']:.3g} per ln unit, "
            f"p = {first['fit_p']:.2g}"
        )
        line = design.Headline("importance vs ln affinity, r", float(first["pearson_r"]), detail)
        return line.reading(result)  # the fit reads every pattern
    best = result.loc[result["importance"].idxmax()]
    return design.Headline.of_row("best pattern importance", best, str(best["pattern"]))
