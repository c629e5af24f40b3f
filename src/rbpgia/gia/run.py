"""One GIA run path: settings, nulls and baseline, the k-mer search, the experiments.

``rbpgia gia``, the workflow's GIA jobs and Python users all go through these functions,
so a default, a bound or a seed means the same everywhere:

>>> options = settings({"n_null": 500})          # the schema's gia defaults, checked
>>> run = prepare(Predictor(predict, "seq"), background_onehot, options)
>>> kmers = search(run, options)                   # adaptive or exhaustive, as configured
>>> motif = kmers["kmer"].iloc[0]
>>> table = run_experiment(run, "motif_count", motif, options)

A seed ensemble's run (``prepare(..., members=...)``) reports every experiment for each
member too (:mod:`rbpgia.gia.members`); the k-mer search explains the ensemble alone.

Defaults and bounds come from the ``gia`` section of the shipped configuration schema
(:mod:`rbpgia.schema`) and nowhere else. The nulls are drawn from one generator seeded
by ``seed``; the k-mer search and every experiment then start from a copy of its state
after the draw, so each experiment draws the same numbers whichever ran before it, in
one process or in a job of its own.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import jsonschema
import numpy as np
import pandas as pd

from rbpgia import schema
from rbpgia.errors import InputError
from rbpgia.gia import registry
from rbpgia.gia.embed import is_whole_number
from rbpgia.gia.experiments.search import near_tie, top_kmer
from rbpgia.gia.importance import null_predictions
from rbpgia.gia.kmer_search import adaptive_kmer_search, kmer_search, kmers_per_call
from rbpgia.gia.members import with_members
from rbpgia.gia.nulls import SCORED_NULLS, make_nulls
from rbpgia.gia.predictor import Predictor
from rbpgia.gia.support import Training, with_support

SECTION = "gia"


def settings(overrides: Mapping | None = None) -> dict:
    """The schema's ``gia`` defaults updated with ``overrides``, each value checked.

    Raises
    ------
    InputError
        Naming the key (``gia.KEY``) of an unknown key, a value out of the schema's
        bounds, or an unknown experiment.
    """
    keys = schema.properties(SECTION)
    out = schema.defaults(SECTION)
    for key, value in (overrides or {}).items():
        if key not in keys:
            raise InputError(f"{SECTION}.{key}: unknown setting; known: {', '.join(keys)}")
        # The workflow config's validator (whole ints, finite numbers), with the schema's
        # $defs, which keys such as `motifs` refer to.
        check = schema.validator(
            {**keys[key], "$defs": schema.load_schema()["$defs"]}, strict_integers=True
        )
        error = jsonschema.exceptions.best_match(check.iter_errors(value))
        if error is not None:
            raise InputError(f"{SECTION}.{key}: {error.message}") from None
        out[key] = value
    if out["experiments"] is None:
        # Every experiment, less those waiting for input of the user's they were not given.
        out["experiments"] = [
            name
            for name in registry.MOTIF_EXPERIMENTS
            if name in registry.DEFAULT_EXPERIMENTS or name in out["design"]
        ]
    for name in out["experiments"]:
        if name not in registry.MOTIF_EXPERIMENTS:
            raise InputError(
                f"{SECTION}.experiments: unknown experiment {name!r}; known: "
                f"{', '.join(registry.MOTIF_EXPERIMENTS)}"
            )
    out["design"] = {name: design_options(name, given) for name, given in out["design"].items()}
    for name in out["experiments"]:
        if registry.get(name).load_design is not None and name not in out["design"]:
            # An experiment that needs input of the user's names what it lacks; the others
            # load nothing from no options, and get no entry.
            loaded = design_options(name, {})
            if loaded:
                out["design"][name] = loaded
    return out


# Design options that take a list: a single value given alone becomes a list of one.
LIST_OPTIONS = ("spacings", "positions", "anchors", "patterns", "compare")
# Arguments every experiment takes from the run path, never from its design options.
RUN_ARGUMENTS = ("predict", "nulls", "motif", "rng", "baseline", "n_boot", "confidence")


def design_options(name: str, given: Mapping) -> dict:
    """``given`` checked against the keyword options of experiment ``name``'s function.

    Raises
    ------
    InputError
        Naming ``gia.design.NAME`` for an experiment without a motif, an unknown one or
        an option its function does not take.
    """
    where = f"{SECTION}.design.{name}"
    if name not in registry.MOTIF_EXPERIMENTS:
        raise InputError(
            f"{where}: no experiment with design options by that name; known: "
            f"{', '.join(registry.MOTIF_EXPERIMENTS)}"
        )
    parameters = inspect.signature(registry.get(name).run).parameters
    accepted = set(parameters) - set(RUN_ARGUMENTS)
    unknown = sorted(set(given) - accepted)
    if unknown:
        raise InputError(
            f"{where}: unknown option(s) {', '.join(unknown)}; it takes: "
            f"{', '.join(sorted(accepted)) or 'none'}"
        )
    options = dict(given)
    for key in LIST_OPTIONS:
        if key in options and not isinstance(options[key], (list, tuple)):
            options[key] = [options[key]]
    for key, value in options.items():
        problem = _option_type_problem(key, value, parameters[key].default)
        if problem:
            raise InputError(f"{where}.{key}: {value!r} {problem}")
    load = registry.get(name).load_design
    if load is not None:
        try:
            options = load(options)
        except InputError as error:
            raise InputError(f"{where}: {error}") from None
    return options


# List options whose items are whole numbers (the others hold text).
INTEGER_LISTS = ("spacings", "positions")


def _option_type_problem(key: str, value, default) -> str:
    """Why ``value`` cannot be design option ``key`` (whose default is ``default``), or "".

    Checked before any prediction, so that a typo in the config stops the run at once
    rather than after the k-mer search. Options that take a column or a spec (``position``)
    and those without a typed default are left to the experiment.
    """

    if key in INTEGER_LISTS:
        return "" if all(map(is_whole_number, value)) else "must be a list of whole numbers"
    if key in LIST_OPTIONS:
        return "" if all(isinstance(item, str) for item in value) else "must be a list of text"
    if isinstance(default, bool):
        return "" if isinstance(value, bool) else "must be true or false"
    if isinstance(default, int) and key != "position":
        return "" if is_whole_number(value) else "must be a whole number"
    return ""


@dataclass
class Prepared:
    """What every GIA step on one model shares: its predictor, nulls and their baseline."""

    predictor: Predictor
    nulls: np.ndarray
    baseline: np.ndarray
    null_kind: str
    start: np.random.Generator
    # Probes per compiled forward call of the predictor's model, where known: the k-mer
    # search then fills each call (kmer_search.kmers_per_call).
    batch_size: int | None = None
    # A seed ensemble's members, each prepared on the same nulls (rbpgia.gia.members).
    members: list[Prepared] = field(default_factory=list)

    def rng(self) -> np.random.Generator:
        """A generator in the state right after the nulls were drawn (a fresh copy)."""
        return copy.deepcopy(self.start)


def prepare(
    predictor: Predictor,
    background: np.ndarray,
    options: Mapping,
    measured: np.ndarray | None = None,
    batch_size: int | None = None,
    members: Sequence[Predictor] = (),
) -> Prepared:
    """Draw the nulls from one-hot ``background`` probes and predict them once.

    ``measured`` (one score per background probe) is needed by the null kinds that
    rank probes by binding (:data:`SCORED_NULLS`). ``batch_size``: the model's probes per
    forward call (:attr:`rbpgia.gia.model_io.ExternalModel.batch_size`), where known.
    ``members``: a seed ensemble's members (:meth:`ExternalModel.predictors
    <rbpgia.gia.model_io.ExternalModel.predictors>`), whose own importance every
    experiment then reports beside the ensemble's (:mod:`rbpgia.gia.members`).
    """
    if options["nulls"] in SCORED_NULLS and measured is None:
        raise InputError(
            f"{options['nulls']} nulls rank the background probes by their measured "
            "scores, and none were given"
        )
    rng = np.random.default_rng(options["seed"])
    nulls = make_nulls(options["nulls"], background, options["n_null"], rng, measured=measured)
    baseline = null_predictions(predictor, nulls)
    kind = options["nulls"]
    prepared = [
        Prepared(member, nulls, null_predictions(member, nulls), kind, rng, batch_size)
        for member in members
    ]
    return Prepared(predictor, nulls, baseline, kind, rng, batch_size, prepared)


def is_adaptive(options: Mapping) -> bool:
    """The search is adaptive unless turned off or no larger than its first round."""
    return bool(options["adaptive"]) and options["n_null"] > options["screen_nulls"]


def search(
    run: Prepared, options: Mapping, log: Callable[[str], None] | None = None
) -> pd.DataFrame:
    """The k-mer search of ``options`` (adaptive or exhaustive), in rank order."""
    common = dict(k=options["k"], baseline=run.baseline, n_boot=options["n_boot"], rng=run.rng())
    if run.batch_size is not None:
        common["batch_kmers"] = kmers_per_call(run.batch_size, len(run.nulls))
    if is_adaptive(options):
        result = adaptive_kmer_search(
            run.predictor,
            run.nulls,
            n_screen=options["screen_nulls"],
            top=options["search_top"],
            miss_probability=options["miss_probability"],
            log=log,
            **common,
        )
    else:
        result = kmer_search(run.predictor, run.nulls, **common)
    result.insert(0, "experiment", registry.SEARCH)
    result.insert(1, "null", run.null_kind)
    return result


def choose_motif(kmers: pd.DataFrame, motif: str | None = None) -> tuple[str, str]:
    """(motif, where it came from): ``motif`` when given, else the search's top k-mer."""
    if motif:
        return motif, "given"
    return top_kmer(kmers), "top k-mer of the search"


def runner_up_motif(kmers: pd.DataFrame, motif: str) -> str | None:
    """The search's second k-mer where it ties ``motif``, the top k-mer (CIs overlapping:
    :func:`rbpgia.gia.experiments.search.near_tie`), else None. The experiments' answers
    may hinge on which of the two they place; None for any other motif (a user's)."""
    if motif != top_kmer(kmers):
        return None
    runner_up = near_tie(kmers)
    return None if runner_up is None else str(runner_up["kmer"])


def run_experiment(
    run: Prepared,
    name: str,
    motif: str,
    options: Mapping,
    training: Training | None = None,
    **design,
) -> pd.DataFrame:
    """One experiment on ``motif``, with the ``null`` kind and training support in its table.

    Design options come from ``options["design"][name]`` (the config's ``gia.design``),
    updated with ``design``. With the model's ``training`` probes every condition gets its
    support (:mod:`rbpgia.gia.support`) and is marked extrapolated below
    ``options["min_support"]``; without them the support columns are empty. A seed
    ensemble's run (``run.members``) adds each member's importance and headline
    (:func:`rbpgia.gia.members.with_members`).
    """
    entry = registry.get(name)
    if not entry.needs_motif:
        raise InputError(f"{name} takes no motif; use search()")
    design = design_options(name, {**options.get("design", {}).get(name, {}), **design})

    def measured_on(prepared: Prepared) -> pd.DataFrame:
        return entry.run(
            prepared.predictor,
            prepared.nulls,
            motif,
            rng=prepared.rng(),
            baseline=prepared.baseline,
            n_boot=options["n_boot"],
            **design,
        )

    result = measured_on(run)
    if run.members:
        tables = [measured_on(member) for member in run.members]
        headlines = [entry.headline(table).value for table in tables]
        result = with_members(result, tables, headlines, entry.labels)
    result.insert(2, "null", run.null_kind)
    counts = None
    if training is not None and entry.support is not None:
        counts = entry.support(training, result, design)
    return with_support(result, counts, options["min_support"])
