"""The ``rbpgia`` command line: encode probes, run GIA on a saved model, draw figures.

Three subcommands work outside the workflow on any model whose input is one probe in
one-hot ``(L, 4)`` (or with structure channels, ``(L, 6)``/``(L, 9)``): a Keras or ONNX
file or a Python callable (:mod:`rbpgia.gia.model_io`):

``rbpgia encode SEQUENCES --out probes.h5``
    One-hot and ViennaRNA structure profiles in the layout of :mod:`rbpgia.encode.store`.
``rbpgia gia EXPERIMENT --model model.keras|model.onnx|file.py:fn --background SEQUENCES``
    A k-mer search or one of the experiments of :data:`rbpgia.gia.EXPERIMENTS` on nulls
    drawn from the background; writes the table (TSV) and optionally its figure.
``rbpgia report TABLE... --out-dir DIR``
    The figure of each GIA table (the experiment is read from the table's columns).

Sequence files (plain or gzip, recognised by content) hold one probe per line (a
sequence, or ``<score> <sequence>`` as in RNAcompete's per-RBP files), FASTA records, or a
tab- or space-separated table whose header names a ``sequence`` (or ``seq``) column and
optionally a ``score`` column. T is read as U; any other letter than A, C, G, U is an
error naming the file and line.

Every command calls the library functions the workflow calls
(``workflow/scripts/gia_*.py``), writes every output atomically, reports user errors as
one line ``rbpgia: error: ...`` with exit status 2, and shows progress bars on a terminal.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rbpgia import __version__
from rbpgia.encode.onehot import INPUT_CHANNELS, MAX_LENGTH
from rbpgia.errors import InputError, RbpgiaError
from rbpgia.gia.registry import EXPERIMENTS
from rbpgia.io import check_output_path
from rbpgia.schema import bounds, properties

GIA_EXPERIMENTS = tuple(EXPERIMENTS)
FIGURE_FORMATS = ("png", "pdf", "svg")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_SEQUENCE_HEADERS = ("sequence", "seq")
_SCORE_HEADER = "score"
_SUFFIXES = re.compile(r"(\.(txt|tsv|csv|fa|fasta|fna|seq|seqs))?(\.gz)?$", re.IGNORECASE)


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class SequenceSet:
    """Probes read from a sequence file or an encoded HDF5 file.

    ``lines`` holds the file line of each probe (None for HDF5 files), for messages;
    ``scores`` the measured score of each probe, or None when the file has none.
    """

    path: str
    sequences: list[str]
    lines: list[int] | None
    scores: np.ndarray | None

    def check_lengths(self, max_length: int, limit: str) -> None:
        """InputError naming the file (and line) of the first probe over ``max_length`` nt."""
        for i, sequence in enumerate(self.sequences):
            if len(sequence) > max_length:
                line = None if self.lines is None else self.lines[i]
                what = "sequence" if line is not None else f"probe {i}"
                raise InputError(
                    f"{what} is {len(sequence)} nt, longer than {limit} ({max_length})",
                    self.path,
                    line,
                )


def is_hdf5(path: str | os.PathLike) -> bool:
    """True when ``path`` starts with the HDF5 signature, whatever its name."""
    with open(path, "rb") as handle:
        return handle.read(len(_HDF5_MAGIC)) == _HDF5_MAGIC


def read_sequence_file(path: str | os.PathLike) -> SequenceSet:
    """Probes of a plain or gzip text file: one per line, FASTA, or a table with a header.

    Blank lines (and ``#`` comment lines outside FASTA) are skipped. Without a header a
    line holds a sequence or ``<score> <sequence>``, the same on every line.

    Raises
    ------
    InputError
        Naming the file and line of a bad letter, a bad score or a line with the wrong
        number of fields, or the file when it holds no sequence.
    """
    from rbpgia.data.probes import clean_sequence
    from rbpgia.data.textio import open_text

    with open_text(path) as handle:
        numbered = [(i, line.strip()) for i, line in enumerate(handle, start=1)]
    content = [(i, line) for i, line in numbered if line and not line.startswith("#")]
    if not content:
        raise InputError("no sequences in the file", path)
    if content[0][1].startswith(">"):
        sequences, lines = _fasta(path, numbered, clean_sequence)
        scores = None
    else:
        sequences, lines, scores = _lines(path, content, clean_sequence)
    if not sequences:
        raise InputError("no sequences in the file", path)
    return SequenceSet(os.fspath(path), sequences, lines, scores)


def _fasta(path, numbered, clean_sequence) -> tuple[list[str], list[int]]:
    records: list[tuple[int, list[str]]] = []
    for number, line in numbered:
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            records.append((number, []))
        elif not records:
            raise InputError("sequence line before the first '>' header", path, number)
        else:
            records[-1][1].append(clean_sequence(line, path, number))
    for number, parts in records:
        if not parts:
            raise InputError("FASTA record has no sequence", path, number)
    return ["".join(parts) for _, parts in records], [number for number, _ in records]


def _lines(path, content, clean_sequence) -> tuple[list[str], list[int], np.ndarray | None]:
    """Sequences (and scores) of a one-probe-per-line file, with or without a header."""
    first = content[0][1]
    separator = "\t" if "\t" in first else None
    fields = [f.strip().lower() for f in first.split(separator)]
    if len(fields) == 1 and "," in first:
        raise InputError(
            "comma-separated lines are not read: use tab-separated columns (a header with "
            "'sequence' and optionally 'score') or '<score> <sequence>' lines",
            path,
            content[0][0],
        )
    header = next((name for name in _SEQUENCE_HEADERS if name in fields), None)
    if (header is not None and fields.count(header) > 1) or fields.count(_SCORE_HEADER) > 1:
        repeated = header if fields.count(header) > 1 else _SCORE_HEADER
        raise InputError(f"the header names column {repeated!r} twice", path, content[0][0])
    if header is not None:
        column = fields.index(header)
        score_column = fields.index(_SCORE_HEADER) if _SCORE_HEADER in fields else None
        rows, n_fields = content[1:], len(fields)
    else:
        n_fields = len(first.split(separator))
        if n_fields not in (1, 2):
            raise InputError(
                f"expected a sequence or '<score> <sequence>' per line, found {n_fields} "
                "fields (a table needs a header with a 'sequence' column)",
                path,
                content[0][0],
            )
        column, score_column, rows = n_fields - 1, (0 if n_fields == 2 else None), content
    sequences, lines, scores = [], [], []
    for number, line in rows:
        parts = line.split(separator)
        if len(parts) != n_fields:
            raise InputError(f"expected {n_fields} fields, found {len(parts)}", path, number)
        sequences.append(clean_sequence(parts[column], path, number))
        lines.append(number)
        if score_column is not None:
            scores.append(_score(parts[score_column], path, number))
    return sequences, lines, None if score_column is None else np.array(scores, np.float32)


def _score(text: str, path, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"score {text.strip()!r} is not a number", path, line) from None
    if math.isinf(value):
        raise InputError(f"score {text.strip()!r} is not finite", path, line)
    return value


def read_background(path: str | os.PathLike, target: str | None, need_scores: bool):
    """Probes of a sequence file or an encoded HDF5 file (scores only if ``need_scores``)."""
    if not Path(path).is_file():
        raise InputError("background file not found", path)
    if not is_hdf5(path):
        probes = read_sequence_file(path)
        if need_scores:
            if probes.scores is None:
                raise InputError(
                    "these nulls rank probes by score, but the file has none "
                    "(use '<score> <sequence>' lines or a 'score' column)",
                    path,
                )
            _check_ranked(probes.scores, path)
        return probes
    from rbpgia.encode import store

    sequences = store.read_sequences(path).tolist()
    scores = None
    if need_scores:
        experiments = store.list_experiments(path)
        if target is None and len(experiments) != 1:
            raise InputError(
                "these nulls rank probes by score: choose the experiment with --target "
                f"(available: {', '.join(experiments) or 'none'})",
                path,
            )
        scores = store.read_targets(path, target or experiments[0])
        _check_ranked(scores, path)
    return SequenceSet(os.fspath(path), sequences, None, scores)


# Score-ranked nulls split the background into quartiles: at least one probe each.
MIN_RANKED = 4


def _check_ranked(scores, path) -> None:
    """Enough finite scores to rank the background by, else InputError naming ``path``."""
    finite = int(np.isfinite(np.asarray(scores, dtype=np.float64)).sum())
    if finite < MIN_RANKED:
        raise InputError(
            f"these nulls rank probes by score, and {finite} of {len(scores)} probes have a "
            f"finite score; they need at least {MIN_RANKED} (one per quartile)",
            path,
        )


def check_target(target: str, paths) -> None:
    """``--target`` names an experiment of one of the HDF5 files among ``paths``.

    It picks the scores of an HDF5 background and the measured probes of an HDF5
    ``--train``; a name none of them holds is a typo, not a choice.
    """
    from rbpgia.encode import store

    files = [p for p in paths if p is not None and Path(p).is_file() and is_hdf5(p)]
    if not files:
        raise InputError(
            f"--target {target}: it picks an experiment of an HDF5 --background or --train, "
            "and neither is one"
        )
    held = {path: store.list_experiments(path) for path in files}
    if not any(target in experiments for experiments in held.values()):
        listed = "; ".join(f"{path}: {', '.join(e) or 'none'}" for path, e in held.items())
        raise InputError(f"--target {target}: no such experiment ({listed})")


def read_training(path: str | os.PathLike, target: str | None, length: int):
    """The training probes of ``--train`` in the model's ``length``-nt frame.

    Probes longer than the frame keep their middle ``length`` nt, as the background's do.
    A sequence file gives its probes (no structure profiles, so hairpin support stays
    empty); an HDF5 file its Set A probes (all of them when it has no Set A), only those
    measured for ``target`` when it has that experiment, with their structure profiles
    when the file stores them in the model's frame.
    """
    from rbpgia.encode.onehot import centre_trim, one_hot
    from rbpgia.gia.support import training_set

    # A missing file is named by cmd_gia before any work.
    if not is_hdf5(path):
        probes = read_sequence_file(path)
        return training_set(one_hot(centre_trim(probes.sequences, length), length))
    from rbpgia.encode import store

    sets = store.read_sets(path)
    chosen = sets == "A" if (sets == "A").any() else np.ones(len(sets), dtype=bool)
    if target is not None and target in store.list_experiments(path):
        chosen &= np.isfinite(store.read_targets(path, target))
    rows = np.flatnonzero(chosen)
    if not rows.size:
        raise InputError("no training probes (Set A, measured for --target) in the file", path)
    sequences = centre_trim(store.read_sequences(path)[rows], length)
    structure = None
    if store.read_attrs(path).get("max_length") == length:
        structure = store.read_structure(path, rows)
    return training_set(one_hot(sequences, length), structure)


def fold_settings(model, paths) -> dict[str, int]:
    """ViennaRNA's W and L for refolding a structure model: those of the first encoded
    HDF5 file among ``paths`` (--train, then --background: what it was trained on), else
    the encoder's defaults."""
    from rbpgia.encode import store

    files = [p for p in paths if p is not None and Path(p).is_file() and is_hdf5(p)]
    folding = store.folding(files[0]) if files else store.folding_defaults()
    if model.input_type != "seq":
        where = f"as {files[0]} was folded" if files else "the encoder's defaults"
        _note(
            f"structure refolded with ViennaRNA W = {folding['window']}, "
            f"L = {folding['span']} ({where})"
        )
    return folding


def clean_motif(motif: str) -> str:
    """``--motif`` as RNA: upper case, T read as U, nothing but ACGU."""
    from rbpgia.data.probes import clean_sequence

    try:
        return clean_sequence(motif.upper())
    except InputError as err:
        raise InputError(f"--motif: {err}") from None


def open_model_of(args: argparse.Namespace):
    """The model of ``--model`` with the conventions of the options given
    (:func:`rbpgia.gia.model_io.open_model`): a Keras or ONNX file or a Python callable."""
    from rbpgia.gia.model_io import open_model

    return open_model(
        args.model,
        output=args.output,
        reduce=args.reduce,
        channels_first=None if args.channels is None else args.channels == "first",
        length=args.length,
        alphabet=args.alphabet,
        input_type=args.input_type,
        batch_size=args.batch_size,
    )


def in_frame(background: SequenceSet, length: int) -> list[str]:
    """The background probes in the model's ``length``-nt frame: longer ones trimmed to
    their middle, shorter ones left to be centred and padded by the one-hot encoding.

    Raises
    ------
    InputError
        Naming the file when even its longest probe is shorter than the frame: the nulls
        would hold padding where the model has only ever read letters.
    """
    from rbpgia.encode.onehot import centre_trim

    longest = max(len(sequence) for sequence in background.sequences)
    if longest < length:
        raise InputError(
            f"the background cannot fill the model's {length}-nt input: its longest probe "
            f"is {longest} nt (give probes of at least {length} nt)",
            background.path,
        )
    return centre_trim(background.sequences, length)


# ----------------------------------------------------------------------------- outputs


def write_table(table, path: str | os.PathLike) -> None:
    """A GIA table as TSV, written atomically (the format of the workflow's tables)."""
    from rbpgia.io import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def figure_title(experiment: str, table) -> str:
    parts = []
    if "motif" in table.columns and len(table):
        parts.append(str(table["motif"].iloc[0]))
    if "null" in table.columns and len(table):
        parts.append(f"{table['null'].iloc[0]} nulls")
    return experiment.replace("_", " ") + (f" ({', '.join(parts)})" if parts else "")


def headline_text(experiment: str, table) -> str:
    """The table's headline (:func:`rbpgia.gia.registry.headline`) in a few words.

    It names the rows it was read from that are extrapolated, if any.
    """
    from rbpgia.gia.members import headline_spread
    from rbpgia.gia.registry import headline

    try:
        line = headline(experiment, table)
    except (KeyError, IndexError, ValueError, TypeError):
        return "no headline"
    ci = f" [{line.ci_low:.4g}, {line.ci_high:.4g}]" if math.isfinite(line.ci_low) else ""
    value = f"{line.value:.4g}" if math.isfinite(line.value) else "none"  # the detail says why
    text = f"{line.what} {value}{ci}" + (f" ({line.detail})" if line.detail else "")
    low, high = headline_spread(table)
    if math.isfinite(low):
        text += f"; members {low:.4g} to {high:.4g}"
    # Rows too few training probes hold: the number is then the model's extrapolation.
    return text + (f"; extrapolated: {line.extrapolated}" if line.extrapolated else "")


def _progress(**options):
    """A tqdm bar on stderr, shown only when stderr is a terminal."""
    from tqdm.auto import tqdm

    return tqdm(file=sys.stderr, disable=None, dynamic_ncols=True, **options)


class _ScoreCounter:
    """Advances a progress bar (set later) by the sequences a wrapped function scores."""

    def __init__(self):
        self.bar = None

    def counting(self, score: Callable[[np.ndarray], np.ndarray]) -> Callable:
        def counted(x: np.ndarray) -> np.ndarray:
            out = score(x)
            if self.bar is not None:
                self.bar.update(len(x))
            return out

        return counted


def _note(message: str) -> None:
    print(f"rbpgia: {message}", file=sys.stderr, flush=True)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


# ----------------------------------------------------------------------------- commands


def cmd_encode(args: argparse.Namespace) -> None:
    import pandas as pd

    from rbpgia.data.probes import Probes, check_name
    from rbpgia.encode.onehot import one_hot
    from rbpgia.encode.store import encode_probes, write_probes_h5
    from rbpgia.encode.structure import STRUCTURE_CHANNELS
    from rbpgia.io import atomic_path

    start = time.monotonic()
    check_output_path(args.out)
    probes_in = read_sequence_file(args.sequences)
    probes_in.check_lengths(args.max_length, "--max-length")
    n = len(probes_in.sequences)
    if probes_in.scores is not None:
        name = check_name(args.name or _name_from(args.sequences), "--name")
        targets = pd.DataFrame({name: probes_in.scores})
    else:
        targets = pd.DataFrame(index=range(n))
    probes = Probes(
        sequences=np.array(probes_in.sequences),
        sets=np.full(n, args.set),
        targets=targets,
        source=os.fspath(args.sequences),
    )
    if args.structure:
        with _progress(total=n, desc="folding", unit="probe") as bar:
            onehot, structure = encode_probes(
                probes,
                args.max_length,
                threads=args.threads,
                progress=lambda done, total: bar.update(done - bar.n),
            )
    else:
        onehot = one_hot(probes.sequences, args.max_length)
        structure = np.zeros((*onehot.shape[:2], len(STRUCTURE_CHANNELS)), dtype=np.float32)
    with atomic_path(args.out) as tmp:
        write_probes_h5(tmp, probes, onehot, structure)
        if not args.structure:
            import h5py

            with h5py.File(tmp, "a") as h5:
                del h5["structure"]
                h5.attrs["structure_channels"] = ""
    stored = f"scores as /targets/{targets.columns[0]}" if len(targets.columns) else "no scores"
    print(
        f"encode: {n} probes ({args.max_length}-nt frame, "
        f"{'with' if args.structure else 'without'} structure, {stored}) -> {args.out} "
        f"in {time.monotonic() - start:.1f} s"
    )


def _name_from(path: str | os.PathLike) -> str:
    """Experiment ID for a file's scores: its name without suffixes, made file-name safe."""
    stem = _SUFFIXES.sub("", Path(path).name)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip("_.-")
    return stem[:100] or "scores"


def gia_options(args: argparse.Namespace) -> dict:
    """The run path's settings (:func:`rbpgia.gia.run.settings`) from the options given."""
    from rbpgia.gia import registry
    from rbpgia.gia.run import settings

    # The one experiment asked for, so its design is checked before any prediction.
    experiments = [args.experiment] if registry.get(args.experiment).needs_motif else None
    return settings(
        {
            "experiments": experiments,
            "nulls": args.null,
            "n_null": args.n_null,
            "seed": args.seed,
            "k": args.k,
            "n_boot": args.n_boot,
            "threads": args.threads,
            "adaptive": not args.exhaustive,
            "screen_nulls": args.screen_nulls,
            "search_top": args.search_top,
            "miss_probability": args.miss_probability,
            "design": {args.experiment: dict(args.design)} if args.design else {},
            "min_support": args.min_support,
        }
    )


def cmd_gia(args: argparse.Namespace) -> None:
    from rbpgia.gia import registry
    from rbpgia.gia import run as gia_run

    experiment = registry.get(args.experiment)
    if not experiment.needs_motif and args.motif is not None:
        raise InputError(f"{experiment.name} searches every k-mer; it takes no --motif")
    if args.train is not None and not Path(args.train).is_file():
        raise InputError("training file not found", args.train)
    if not experiment.needs_motif and args.train is not None:
        _note(
            f"{experiment.name} counts no support: --train is read only for the folding "
            "settings of a structure model"
        )
    options = gia_options(args)
    motif = None if args.motif is None else clean_motif(args.motif)
    out = args.out or f"{experiment.name}.tsv"
    # Before any prediction: a bad output path must not cost the run.
    check_output_path(out)
    if args.figure:
        check_figure_path(args.figure)
    start = time.monotonic()
    background = read_background(
        args.background, args.target, options["nulls"] in gia_run.SCORED_NULLS
    )
    if args.target is not None:  # after the background: a missing file is named first
        check_target(args.target, [args.background, args.train])
    model = open_model_of(args)
    length = model.length
    sequences = in_frame(background, length)
    training = None
    if experiment.needs_motif:
        if args.train is None:
            _note("no --train given: the support columns (training probes per condition) are empty")
        else:
            training = read_training(args.train, args.target, length)
            structure = (
                "" if training.has_structure else " (no structure profiles: no hairpin support)"
            )
            _note(f"support counted over {len(training)} training probes{structure}")

    from rbpgia.encode.onehot import one_hot

    # A seed ensemble: one pass scores every member, each reported beside the mean.
    counter = _ScoreCounter()
    predictor, members = model.predictors(
        options["threads"],
        members=experiment.needs_motif,
        wrap=counter.counting,
        **fold_settings(model, [args.train, args.background]),
    )
    if members:
        _note(
            f"a seed ensemble of {len(members)}: each member's importance is reported too "
            f"(member0_importance .. member{len(members) - 1}_importance)"
        )
    search = not experiment.needs_motif or motif is None
    if search and experiment.needs_motif:
        _note(
            f"no --motif given: searching all {4 ** options['k']} {options['k']}-mers to pick one"
        )
    # The adaptive search's size is not known in advance: its bar counts without a total.
    total = options["n_null"] * (1 + (4 ** options["k"] if search else 0))
    with _progress(
        total=None if search and gia_run.is_adaptive(options) else total,
        desc="k-mer search" if search else "null predictions",
        unit="seq",
    ) as bar:
        counter.bar = bar
        run = gia_run.prepare(
            predictor,
            one_hot(sequences, length),
            options,
            background.scores,
            batch_size=model.batch_size,
            members=members,
        )
        if search:
            table = gia_run.search(run, options, log=bar.set_postfix_str)
    if experiment.needs_motif:
        if motif is None:
            motif, _ = gia_run.choose_motif(table)
            best = float(table["importance"].iloc[0])
            _note(f"motif {motif}: the top {options['k']}-mer (importance {best:.4g})")
            runner_up = gia_run.runner_up_motif(table, motif)
            if runner_up is not None and experiment.places_motif:
                _note(
                    f"the next {options['k']}-mer {runner_up} ties {motif} (CIs overlap): "
                    f"run again with --motif {runner_up} to see whether the answer holds "
                    "(the workflow does, gia.runner_up)"
                )
        with _progress(desc=experiment.name.replace("_", " "), unit="seq") as bar:
            counter.bar = bar
            table = gia_run.run_experiment(run, experiment.name, motif, options, training)
    write_table(table, out)
    if args.figure:
        from rbpgia.plots.gia import plot_experiment

        plot_experiment(experiment.name, table, args.figure, figure_title(experiment.name, table))
    figure = f" and {args.figure}" if args.figure else ""
    print(
        f"{experiment.name}: {headline_text(experiment.name, table)}; {len(table)} rows -> {out}"
        f"{figure} [{len(run.nulls)} {options['nulls']} nulls, {model.describe()}, "
        f"{time.monotonic() - start:.1f} s]"
    )


def cmd_report(args: argparse.Namespace) -> None:
    from rbpgia.gia import registry
    from rbpgia.plots.gia import plot_experiment

    if Path(args.out_dir).exists() and not Path(args.out_dir).is_dir():
        raise InputError("--out-dir is not a directory", args.out_dir)
    tables = [(path, _read_gia_table(path)) for path in args.tables]
    names = _figure_names([Path(path) for path, _ in tables])
    for (path, table), name in zip(tables, names, strict=True):
        experiment = args.experiment or registry.experiment_of(table, path)
        figure = Path(args.out_dir) / f"{name}.{args.format}"
        try:
            plot_experiment(experiment, table, figure, figure_title(experiment, table))
        except KeyError as err:
            key = str(err.args[0]) if err.args else ""
            what = key if " " in key else f"it has no column {key!r}"  # a message, or a name
            raise InputError(f"not a {experiment} table: {what}", path) from None
        print(f"{path} ({experiment}): {headline_text(experiment, table)} -> {figure}")


def _read_gia_table(path):
    import pandas as pd

    if not Path(path).is_file():
        raise InputError("table not found", path)
    try:
        table = pd.read_csv(path, sep="\t")
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read a tab-separated table: {_one_line(err)}", path) from None
    missing = {"importance", "ci_low", "ci_high"} - set(table.columns)
    if missing or not len(table):
        raise InputError(
            "not a GIA table (needs rows and the columns importance, ci_low, ci_high)", path
        )
    for column in ("importance", "ci_low", "ci_high"):
        if not pd.api.types.is_numeric_dtype(table[column]):
            raise InputError(f"column {column} holds values that are not numbers", path)
    return table


FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def check_figure_path(path) -> None:
    """A figure path with a suffix matplotlib writes, where a file may be written."""
    check_output_path(path)
    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise InputError(f"a figure must end in {', '.join(FIGURE_SUFFIXES)}", path)


def _figure_names(paths: list[Path]) -> list[str]:
    """Figure names: the tables' stems, or parent_stem where stems collide."""
    stems = [re.sub(r"\.(tsv|txt)$", "", p.name) for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    names = [f"{p.parent.name}_{s}" for p, s in zip(paths, stems, strict=True)]
    if len(set(names)) != len(names):
        raise InputError("two tables share a name and a directory name; give them distinct names")
    return names


# ----------------------------------------------------------------------------- parser


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show every default; options whose default is None state theirs in the help text."""

    def _get_help_string(self, action):
        if action.default is None or action.required:
            return action.help
        return super()._get_help_string(action)


def _bounded(low: int, high: int | None = None):
    """argparse type: an integer of at least ``low`` (and at most ``high``)."""

    def integer(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            allowed = f"at least {low}" if high is None else f"within {low}..{high}"
            raise argparse.ArgumentTypeError(f"{value} is not {allowed}")
        return value

    return integer


def _probability(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not strictly between 0 and 1")
    return value


def _design_option(text: str) -> tuple[str, object]:
    """argparse type: ``KEY=VALUE``, the value read as YAML (3, true, paper, [2, 5])."""
    import yaml

    key, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[a-z_]+", key):
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a YAML scalar") from None
    if isinstance(parsed, dict):
        raise argparse.ArgumentTypeError(f"{value!r} is a mapping; give a scalar or a list")
    return key, parsed


def _setting(parser, flag: str, key: str, metavar: str, help: str) -> None:
    """An option for the schema's ``gia.KEY``: its default, bounds and choices from there.

    The workflow validates the same key against the same schema, so the command line and
    the workflow cannot disagree on a default or a bound.
    """
    spec = properties("gia")[key]
    options = {"default": spec["default"], "help": help, "metavar": metavar}
    if "enum" in spec:
        options["choices"] = spec["enum"]
        options["help"] += f": {', '.join(spec['enum'])}"
    elif spec.get("type") == "integer":
        options["type"] = _bounded(spec.get("minimum", -(2**63)), spec.get("maximum"))
    else:
        options["type"] = _probability
    parser.add_argument(flag, **options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rbpgia",
        description="Global importance analysis (GIA) of deep models of RNA-binding proteins.",
        epilog="Run 'rbpgia COMMAND --help' for the options of a command.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sequences_help = (
        "plain or gzip text: one sequence or '<score> <sequence>' per line, FASTA, or a "
        "table whose header names a 'sequence' (and optionally 'score') column; T is read as U"
    )

    encode = commands.add_parser(
        "encode",
        help="one-hot encode sequences and fold their structure into an HDF5 file",
        description="One-hot encode probes, each centred in a --max-length frame, and compute "
        "their ViennaRNA structure profiles [paired, hairpin, interior, multi, exterior]; "
        "write both in the encoded-probe layout of the workflow (rbpgia.encode.store). "
        "Scores, when the file has them, are stored as /targets/NAME.",
        formatter_class=_HelpFormatter,
    )
    encode.add_argument("sequences", metavar="SEQUENCES", help=sequences_help)
    encode.add_argument("--out", metavar="PATH", default="probes.h5", help="output HDF5 file")
    encode.add_argument(
        "--structure",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fold every probe (about 0.6 ms each); --no-structure writes the one-hot only "
        "(no /structure dataset: enough for sequence models and for 'rbpgia gia')",
    )
    encode.add_argument(
        "--threads", metavar="N", type=_bounded(1), default=1, help="processes folding probes"
    )
    encode.add_argument(
        "--max-length",
        metavar="NT",
        type=_bounded(*bounds("encode", "max_length")),
        default=MAX_LENGTH,
        help="frame length (nt) the probes are centred in",
    )
    encode.add_argument(
        "--name",
        default=None,
        help="experiment ID the scores are stored under (default: the file name without "
        "suffixes, e.g. RNCMPT00001_setB)",
    )
    encode.add_argument(
        "--set", choices=("A", "B"), default="B", help="probe pool label of every probe"
    )
    encode.set_defaults(run=cmd_encode)

    gia = commands.add_parser(
        "gia",
        help="run a GIA experiment on a Keras, ONNX or Python model",
        description="Global importance analysis of a model: a Keras file (.keras, loaded in "
        "safe mode), an ONNX file (.onnx, run with ONNX Runtime) or a Python callable "
        "(file.py:function or package.module:function, taking a float32 array and "
        "returning predictions). Its input is one probe in one-hot (L, 4), or (L, 6)/(L, 9) "
        "with structure channels, which are refolded after every intervention; channels "
        "last or first, length and letter order are read from the model's input shape "
        "where it states them, else taken from --channels, --length and --alphabet. Nulls "
        "are drawn from the background probes, centred in the model's L-nt frame (longer "
        "probes keep their middle L nt). Without --motif, experiments other than "
        "kmer_search first run the k-mer search (as the workflow does) and use its top "
        "k-mer, saying so on stderr. Writes the table as TSV and prints one summary line.",
        epilog="A Python callable runs the code of the file or module you name, with your "
        "permissions: name only code you trust. Nothing else is imported or run.",
        formatter_class=_HelpFormatter,
    )
    gia.add_argument(
        "experiment",
        metavar="EXPERIMENT",
        choices=GIA_EXPERIMENTS,
        help=f"one of: {', '.join(GIA_EXPERIMENTS)}",
    )
    gia.add_argument(
        "--model",
        metavar="SPEC",
        required=True,
        help="the model (required): model.keras, model.onnx, path/to/file.py:function or "
        "package.module:function (runs that code: name only code you trust)",
    )
    gia.add_argument(
        "--output",
        metavar="NAME|INDEX",
        default=None,
        help="the output scored, by name or index, for a model with several (ONNX or Keras "
        "output names, a callable's dict keys); for one (N, T) output, the task column "
        "(default: the only output)",
    )
    gia.add_argument(
        "--reduce",
        metavar="FUNC[:START:END]",
        default=None,
        help="reduce a per-position output (N, P) to one score: sum, max or mean, "
        "optionally over positions START:END (0-based, END excluded), e.g. mean:40:61 "
        "(default: outputs must give one score per probe)",
    )
    gia.add_argument(
        "--channels",
        choices=("last", "first"),
        default=None,
        help="the model's input layout, (N, L, C) or (N, C, L), where its input shape does "
        "not tell (default: from the shape, else last)",
    )
    gia.add_argument(
        "--length",
        metavar="NT",
        type=_bounded(1),
        default=None,
        help=f"the model's input length where its input shape does not fix it (default: "
        f"from the shape, else {MAX_LENGTH})",
    )
    gia.add_argument(
        "--alphabet",
        metavar="ORDER",
        default="ACGU",
        help="order of the model's four one-hot channels, e.g. ACGT (the same as ACGU) or AGCT",
    )
    gia.add_argument(
        "--input-type",
        choices=tuple(INPUT_CHANNELS),
        default=None,
        help="what the model reads where its input shape does not tell: one-hot (seq), "
        "+ paired/unpaired (pu) or + structural contexts (struct) (default: from the shape, "
        "else seq)",
    )
    gia.add_argument(
        "--background",
        metavar="PATH",
        required=True,
        help="probes the nulls are drawn from (required): a sequence file ("
        + sequences_help
        + ") or an HDF5 file of 'rbpgia encode' or the workflow (all its probes)",
    )
    gia.add_argument(
        "--motif",
        default=None,
        help="motif of the experiment, e.g. UGCAUG; not for kmer_search (default: the top "
        "k-mer of a k-mer search run first)",
    )
    _setting(gia, "--null", "nulls", "KIND", "kind of nulls, drawn from the background")
    _setting(gia, "--n-null", "n_null", "N", "number of nulls")
    _setting(gia, "--seed", "seed", "N", "seeds the nulls and the bootstrap")
    _setting(gia, "--k", "k", "K", "k-mer length of the search (4^k k-mers)")
    gia.add_argument(
        "--out", metavar="PATH", default=None, help="output table, TSV (default: EXPERIMENT.tsv)"
    )
    gia.add_argument(
        "--figure",
        metavar="PATH",
        default=None,
        help="also draw the table's figure, .png/.pdf/.svg (default: no figure)",
    )
    _setting(gia, "--n-boot", "n_boot", "N", "bootstrap resamples of the 95%% CI")
    _setting(gia, "--threads", "threads", "N", "processes refolding structure inputs")
    gia.add_argument(
        "--batch-size",
        metavar="N",
        type=_bounded(1),
        default=None,
        help="probes per forward pass of a Keras model (default: by device, 1024 on the CPU "
        "and 16384 where Keras sees a GPU; a larger model may need fewer on a GPU)",
    )
    gia.add_argument(
        "--exhaustive",
        action="store_true",
        help="search every k-mer on all nulls; otherwise the search is adaptive when there "
        "are more nulls than --screen-nulls",
    )
    _setting(
        gia,
        "--screen-nulls",
        "screen_nulls",
        "N",
        "nulls of the adaptive search's first round, which scores every k-mer",
    )
    _setting(
        gia,
        "--search-top",
        "search_top",
        "N",
        "ranks the adaptive search guarantees: k-mers that may still reach them get more "
        "nulls, until they have all",
    )
    _setting(
        gia,
        "--miss-probability",
        "miss_probability",
        "P",
        "bound on the chance that the adaptive search drops a k-mer of the true top",
    )
    gia.add_argument(
        "--design",
        metavar="KEY=VALUE",
        type=_design_option,
        action="append",
        default=[],
        help="an option of the experiment's design, repeatable, e.g. placement=paper for "
        "motif_count (the paper's sites at 4, 12, 20 nt); values are read as YAML scalars "
        "or lists, e.g. spacings=[2,5] (docs/gia.md lists each experiment's options)",
    )
    gia.add_argument(
        "--train",
        metavar="PATH",
        default=None,
        help="the probes the model was trained on, to count each condition's support (how "
        "many hold its configuration; docs/gia.md): a sequence file or an HDF5 file (its Set "
        "A probes, measured for --target; hairpin support needs its structure profiles) "
        "(default: support columns left empty)",
    )
    _setting(
        gia,
        "--min-support",
        "min_support",
        "N",
        "training probes a condition needs not to be marked extrapolated",
    )
    gia.add_argument(
        "--target",
        metavar="NAME",
        default=None,
        help="experiment of an HDF5 --background whose scores rank the quartile_* and "
        "gc_matched nulls (default: the file's only experiment), and of an HDF5 --train whose "
        "measured probes count as training probes",
    )
    gia.set_defaults(run=cmd_gia)

    report = commands.add_parser(
        "report",
        help="draw the figures of GIA tables",
        description="Draw the figure of each GIA table (from 'rbpgia gia' or the workflow); "
        "the experiment is told by the table's columns. Figures are named after the tables.",
        formatter_class=_HelpFormatter,
    )
    report.add_argument("tables", metavar="TABLE", nargs="+", help="GIA tables (TSV)")
    report.add_argument(
        "--out-dir", metavar="DIR", default="figures", help="directory for the figures"
    )
    report.add_argument(
        "--format", choices=FIGURE_FORMATS, default="png", help="figure file format"
    )
    report.add_argument(
        "--experiment",
        metavar="EXPERIMENT",
        choices=GIA_EXPERIMENTS,
        default=None,
        help="draw every table as this experiment (default: told by each table's columns)",
    )
    report.set_defaults(run=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 for a usage or input error)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rbpgia.device import use_default_backend

    use_default_backend()  # before any command imports Keras: JAX in the GPU environment
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version and usage errors
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
    try:
        args.run(args)
    except (RbpgiaError, OSError, ValueError) as err:
        print(f"rbpgia: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rbpgia: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
