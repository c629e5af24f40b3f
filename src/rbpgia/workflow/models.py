"""External models in the workflow: config ``models:`` entries, checked and made loadable.

``models:`` (top level, or a data set's own ``datasets.NAME.models``) maps an RBP to a
model file or callable that GIA explains instead of a model trained here::

    models:
      HNRNPC:
        path: models/hnrnpc.onnx      # .keras, .onnx, file.py:function, module:function
        output: score                 # optional, as rbpgia gia --output
        reduce: sum                   # optional, as --reduce
        channels: first               # optional, as --channels first|last
        length: 101                   # optional, as --length
        alphabet: ACGT                # optional, as --alphabet
        input_type: seq               # optional, as --input-type

Every entry is checked when the workflow starts (:func:`check_models`), before any job:
the RBP must belong to the data set and the path must name an existing file of a known
kind whose framing is right (a ``.keras`` zip archive, an ONNX protobuf). The GIA jobs
open it through :func:`rbpgia.gia.model_io.open_model` with :func:`open_options`, as
``rbpgia gia`` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from rbpgia.errors import ConfigError, InputError

# The model ID (results/<dataset>/gia/<ID>/<rbp>/, the benchmark's model column) of every
# external model: it names where the model came from, not its architecture.
EXTERNAL = "external"
# The keys of an entry beside `path`: open_model's conventions, as the CLI's options.
CONVENTION_KEYS = ("output", "reduce", "channels", "length", "alphabet", "input_type")


def model_file(spec: str) -> str | None:
    """The file a model ``spec`` reads: the ``.keras``/``.onnx`` file, the ``.py`` of
    ``file.py:function``, or None for ``package.module:function`` (an installed module)."""
    from rbpgia.gia.model_io import model_kind

    kind = model_kind(spec)
    if kind != "python":
        return spec
    target, _, _ = spec.rpartition(":")
    return target if target.endswith(".py") else None


def check_models(
    models: dict, rbps: Iterable[str] | None, key: str = "models", root: str | os.PathLike = "."
) -> dict[str, dict]:
    """The ``models:`` entries, each checked; errors name the config key.

    Parameters
    ----------
    models : dict
        RBP -> entry (``path`` and the optional :data:`CONVENTION_KEYS`), as validated by
        the schema.
    rbps : iterable of str, optional
        The data set's experiments; None when not known yet (checked later).
    key : str
        The config key the entries came from, for the messages.
    root : path
        What relative paths are relative to (the workflow's working directory).

    Raises
    ------
    ConfigError
        ``config key models.RBP.path: ...`` for an unknown RBP, a missing file or a spec
        that names no known kind of model.
    """
    from rbpgia.gia.model_io import model_file_problem

    if rbps is not None:
        check_model_rbps(models, rbps, key)
    for rbp, entry in models.items():
        where = f"config key {key}.{rbp}.path"
        try:
            path = model_file(entry["path"])
        except InputError as error:
            raise ConfigError(f"{where}: {error}") from None
        if path is not None and not (Path(root) / path).is_file():
            raise ConfigError(f"{where}: {path} does not exist (relative to {Path(root)})")
        if path is not None:
            # Cheap before any job: the file's framing, not the model (that needs Keras).
            problem = model_file_problem(Path(root) / path)
            if problem is not None:
                raise ConfigError(f"{where}: {path}: {problem}")
    return models


def check_model_rbps(models: dict, rbps: Iterable[str], key: str = "models") -> None:
    """Every RBP given a model is an experiment of the data set."""
    known = list(rbps)
    unknown = sorted(set(models) - set(known))
    if unknown:
        shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise ConfigError(
            f"config key {key}: {', '.join(unknown)} not in the data set (it has {shown})"
        )


def open_options(entry: dict) -> dict:
    """Keyword arguments of :func:`rbpgia.gia.model_io.open_model` for an entry."""
    channels = entry.get("channels")
    options = {
        "output": entry.get("output"),
        "reduce": entry.get("reduce"),
        "channels_first": None if channels is None else channels == "first",
        "length": entry.get("length"),
        "input_type": entry.get("input_type"),
    }
    if entry.get("alphabet") is not None:
        options["alphabet"] = entry["alphabet"]
    return options
