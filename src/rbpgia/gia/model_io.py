"""Models from files or code as GIA predictors: Keras, ONNX and Python callables.

GIA needs only a prediction function; this module makes one from what people have:

* a Keras file, ``model.keras`` (loaded in safe mode, as everywhere in the project);
* an ONNX file, ``model.onnx``, run with ONNX Runtime (PyTorch exports, no PyTorch needed);
* a Python callable, ``path/to/file.py:function`` or ``package.module:function``, taking
  a float32 array and returning predictions. Loading it runs that file or module (the
  user's choice); nothing else is ever imported or run.

The model's input convention (channels last or first, input length, letter order,
structure channels) is read from its input shape where it states one and otherwise taken
from the options given (:mod:`rbpgia.gia.conventions`); its outputs are reduced to one
score per probe by choosing an output or task and reducing per-position profiles.

>>> model = open_model("rbpnet.onnx", output="HNRNPC_profile", reduce="sum")
>>> predictor = model.predictor(threads=4)      # a Predictor: one-hot in, (N,) out
>>> onehot = one_hot(sequences, model.length)   # the model's frame

Every failure is an :class:`~rbpgia.errors.InputError` naming the model, in one line.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rbpgia.encode.onehot import MAX_LENGTH
from rbpgia.encode.structure import SPAN, WINDOW
from rbpgia.errors import InputError, RbpgiaError
from rbpgia.gia.conventions import (
    InputLayout,
    Reduce,
    layout_from_shape,
    parse_output,
    parse_reduce,
    to_model_input,
    to_scores,
)
from rbpgia.gia.predictor import Predictor, finite_scores
from rbpgia.sequence import ALPHABET

KINDS = ("keras", "onnx", "python")
# package.module:function, each part a Python identifier.
_MODULE_SPEC = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")
# Probes per ONNX Runtime call: large enough to amortise each call, small in memory.
ONNX_BATCH = 1024

# A model's raw outputs for a batch: its arrays, in order.
Forward = Callable[[np.ndarray], list[np.ndarray]]


def model_kind(spec: str) -> str:
    """``keras``, ``onnx`` or ``python``: what ``spec`` names, from its form alone."""
    path, _, function = str(spec).rpartition(":")
    if function and path.endswith(".py"):
        return "python"
    if _MODULE_SPEC.fullmatch(str(spec)):
        return "python"
    suffix = Path(str(spec)).suffix.lower()
    if suffix == ".keras":
        return "keras"
    if suffix == ".onnx":
        return "onnx"
    if suffix == ".py":
        raise InputError("name the function to call: path/to/file.py:function", spec)
    raise InputError(
        f"unknown model kind {suffix or '(no extension)'}: expected a .keras or .onnx file, "
        "path/to/file.py:function or package.module:function",
        spec,
    )


@dataclass
class ExternalModel:
    """A loaded model with its input layout and the output that GIA scores.

    ``forward`` maps the model's own input to its raw outputs, named ``names``;
    ``predict`` maps GIA's one-hot (with structure) ``(N, L, C)`` to ``(N,)`` scores.
    """

    spec: str
    kind: str
    layout: InputLayout
    forward: Forward
    names: list[str]
    output: str | int | None = None
    reduce: Reduce | None = None
    # Probes per compiled forward call of a Keras model (None: ONNX's or the callable's own).
    batch_size: int | None = None
    # A seed ensemble's members' outputs, one each, from one pass (rbpgia.models.ensemble).
    member_forward: Forward | None = None
    member_names: list[str] | None = None

    @property
    def length(self) -> int:
        return self.layout.length

    @property
    def input_type(self) -> str:
        return self.layout.input_type

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores ``(N,)`` float32 of GIA's probes ``(N, L, C)``, channels last, ACGU."""
        n = len(x)
        try:
            model_input = to_model_input(x, self.layout)
            if self.kind == "python" and np.shares_memory(model_input, x):
                # A user's function may write into its input: GIA's nulls, read by every row.
                model_input = model_input.copy()
            outputs = self.forward(model_input)
        except RbpgiaError as error:
            raise InputError(_one_line(error), self.spec) from None
        except Exception as error:  # the model's own code may raise anything
            raise InputError(
                f"the model raised {type(error).__name__}: {_one_line(error)}", self.spec
            ) from None
        try:
            scores = to_scores(outputs, self.names, n, output=self.output, reduce=self.reduce)
            return finite_scores(scores, "the model")
        except InputError as error:
            raise InputError(_one_line(error), self.spec) from None

    def predictor(self, threads: int = 1, *, window: int = WINDOW, span: int = SPAN) -> Predictor:
        """The :class:`Predictor` GIA runs on (structure refolded for ``pu``/``struct``,
        with ViennaRNA's ``window`` and ``span``: those of the profiles the model was
        trained on, :func:`rbpgia.encode.store.folding`)."""
        return Predictor(self.predict, self.input_type, threads=threads, window=window, span=span)

    def predictors(
        self,
        threads: int = 1,
        *,
        members: bool = True,
        wrap: Callable[[Callable], Callable] | None = None,
        window: int = WINDOW,
        span: int = SPAN,
    ) -> tuple[Predictor, list[Predictor]]:
        """The predictor GIA runs on and, for a seed ensemble, one per member.

        An ensemble's members are scored together, once per input
        (:class:`rbpgia.gia.members.MemberScores`); its predictor is their mean. Any other
        model, or any model with ``members=False``, has none: ``(its predictor, [])``.
        ``wrap``, if given, wraps the function that scores inputs (``predict`` or
        :meth:`score_members`), e.g. to count what is scored. ``window`` and ``span``
        as for :meth:`predictor`.
        """
        wrap = wrap or (lambda score: score)
        folding = {"threads": threads, "window": window, "span": span}
        if self.member_forward is None or not members:
            return Predictor(wrap(self.predict), self.input_type, **folding), []
        from rbpgia.gia.members import MemberScores

        scores = MemberScores(
            wrap(self.score_members), len(self.member_names), self.input_type, **folding
        )
        return scores.predictors()

    def score_members(self, x: np.ndarray) -> np.ndarray:
        """Each member's scores ``(N, M)`` of GIA's probes ``(N, L, C)`` (ensembles only)."""
        if self.member_forward is None:
            raise InputError("not a seed ensemble: it has no members to score", self.spec)
        n = len(x)
        try:
            outputs = self.member_forward(to_model_input(x, self.layout))
            columns = [
                to_scores([output], [name], n, reduce=self.reduce)
                for output, name in zip(outputs, self.member_names, strict=True)
            ]
        except RbpgiaError as error:
            raise InputError(_one_line(error), self.spec) from None
        return np.column_stack(columns)

    def describe(self) -> str:
        """E.g. ``seq model (onnx, 101 nt, channels first, output sites, sum)``."""
        parts = [self.kind, f"{self.length} nt"]
        if self.layout.channels_first:
            parts.append("channels first")
        if self.layout.alphabet != ALPHABET:
            parts.append(self.layout.alphabet)
        if self.output is not None:
            parts.append(f"output {self.output}")
        if self.reduce is not None:
            parts.append(str(self.reduce))
        if self.member_names:
            parts.append(f"ensemble of {len(self.member_names)}")
        return f"{self.input_type} model ({', '.join(parts)})"

    def check(self) -> None:
        """One call on two empty probes, so a wrong output or shape fails before GIA starts.

        An ensemble is checked through its members, the pass GIA runs it by.
        """
        empty = np.zeros((2, self.length, self.layout.channels), dtype=np.float32)
        (self.predict if self.member_forward is None else self.score_members)(empty)


def open_model(
    spec: str | os.PathLike,
    *,
    output: str | int | None = None,
    reduce: str | Reduce | None = None,
    channels_first: bool | None = None,
    length: int | None = None,
    alphabet: str = ALPHABET,
    input_type: str | None = None,
    check: bool = True,
    batch_size: int | None = None,
) -> ExternalModel:
    """Load the model ``spec`` names (:func:`model_kind`) with its conventions.

    Parameters
    ----------
    spec : str or path
        ``model.keras``, ``model.onnx``, ``file.py:function`` or ``package.module:function``.
    output : str or int, optional
        The output (or, for one ``(N, T)`` output, the task column) to score; required
        when the model has several.
    reduce : str, optional
        ``sum``, ``max`` or ``mean`` (optionally ``NAME:START:END``) for per-position
        outputs ``(N, P)``.
    channels_first, length, alphabet, input_type
        The input convention where the model does not state it; an option contradicting
        the model's input shape is an error. A Python callable states nothing unless it
        has an ``input_shape`` attribute: channels last, 41 nt and ``seq`` by default.
    check : bool
        Call the model once on two empty probes to check its outputs.
    batch_size : int, optional
        Probes per compiled forward call of a Keras model; by default by device
        (:func:`rbpgia.device.gia_batch_size`: larger where the backend sees a GPU).
    """
    spec = os.fspath(spec)
    kind = model_kind(spec)
    channels = None
    if input_type is not None:
        from rbpgia.encode.onehot import channels_for

        try:
            channels = channels_for(input_type)
        except RbpgiaError as error:
            raise InputError(str(error), spec) from None
    try:
        reduce = parse_reduce(reduce) if isinstance(reduce, str) else reduce
    except InputError as error:
        raise InputError(str(error), spec) from None
    conventions = dict(
        channels_first=channels_first, length=length, alphabet=alphabet, channels=channels
    )
    try:
        members = None
        if kind == "keras":
            layout, forward, names, batch_size, members = _keras(spec, conventions, batch_size)
        else:
            layout, forward, names = {"onnx": _onnx, "python": _python}[kind](spec, conventions)
    except InputError as error:
        if error.path is not None:
            raise
        raise InputError(_one_line(error), spec) from None
    model = ExternalModel(
        spec,
        kind,
        layout,
        forward,
        names,
        parse_output(output),
        reduce,
        batch_size if kind == "keras" else None,
        *(members or (None, None)),
    )
    if check:
        model.check()
    return model


def load_predictor(spec: str | os.PathLike, *, threads: int = 1, **conventions) -> Predictor:
    """The :class:`Predictor` of the model ``spec`` names (:func:`open_model`'s options)."""
    return open_model(spec, **conventions).predictor(threads=threads)


# ----------------------------------------------------------------------------- loaders


def _require_file(spec: str) -> Path:
    path = Path(spec)
    if not path.is_file():
        raise InputError("model file not found", spec)
    return path


def _keras(spec: str, conventions: dict, batch_size: int | None):
    path = _require_file(spec)
    problem = keras_file_problem(path)
    if problem is not None:
        raise InputError(problem, spec)
    from rbpgia.device import backend_devices, gia_batch_size, import_keras_quietly

    import_keras_quietly()
    from rbpgia.models.ensemble import members_model
    from rbpgia.train import load_model, make_outputs_fn, output_names

    try:
        model = load_model(path)
    except RbpgiaError:
        raise
    except Exception as error:  # Keras raises many kinds of error for an unreadable file
        raise InputError(f"cannot load a Keras model: {_one_line(error)}", spec) from None
    shape = model.input_shape
    if not isinstance(shape, tuple) or not all(isinstance(d, int | None) for d in shape):
        raise InputError(f"expected one input of shape (N, L, C), the model has {shape}", spec)
    layout = layout_from_shape(shape, **conventions)
    batch_size = gia_batch_size(batch_size, backend_devices())
    # The layout's shape: the model's own, with what it leaves open (length) as given.
    forward = make_outputs_fn(model, batch_size, input_shape=layout.shape)
    members = members_model(model)
    if members is not None:
        forward_members = make_outputs_fn(members, batch_size, input_shape=layout.shape)
        members = forward_members, output_names(members)
    return layout, forward, output_names(model), batch_size, members


def model_file_problem(path: str | os.PathLike) -> str | None:
    """Why a ``.keras`` or ``.onnx`` file cannot be a model, from its framing, or None
    (other files, such as a ``.py``, are not judged here)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".keras":
        return keras_file_problem(path)
    if suffix == ".onnx":
        return onnx_file_problem(path)
    return None


def keras_file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be a ``.keras`` model (a zip archive), or None."""
    if not zipfile.is_zipfile(path):
        return "not a Keras model (not a zip archive)"
    return None


# ModelProto's graph field: every ONNX model has one.
_ONNX_GRAPH_FIELD = 7


def onnx_file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be an ONNX model, from its protobuf framing alone, or None.

    Walks the top-level fields of the ModelProto (seeking past their contents, so a
    large model costs a few reads): a text file, a truncated download or another format
    breaks the framing long before ONNX Runtime would be asked to load it.
    """

    def varint(handle) -> int | None:
        value = 0
        for shift in range(0, 64, 7):
            byte = handle.read(1)
            if not byte:
                return None
            value |= (byte[0] & 0x7F) << shift
            if byte[0] < 0x80:
                return value
        return None

    size = os.path.getsize(path)
    if size == 0:
        return "the file is empty"
    fields = set()
    with open(path, "rb") as handle:
        while handle.tell() < size:
            at = handle.tell()
            key = varint(handle)
            if key is None or key >> 3 == 0:
                return f"not an ONNX model (no protobuf field at byte {at})"
            field, wire = key >> 3, key & 7
            if wire == 0:
                ok = varint(handle) is not None
            elif wire in (1, 5):
                ok = handle.seek(8 if wire == 1 else 4, os.SEEK_CUR) <= size
            elif wire == 2:
                length = varint(handle)
                ok = length is not None and handle.seek(length, os.SEEK_CUR) <= size
            else:
                ok = False
            if not ok:
                return f"not an ONNX model, or cut short (field {field} at byte {at} of {size})"
            fields.add(field)
    if _ONNX_GRAPH_FIELD not in fields:
        return "not an ONNX model (it has no graph)"
    return None


def _onnx(spec: str, conventions: dict):
    path = _require_file(spec)
    problem = onnx_file_problem(path)
    if problem is not None:
        raise InputError(problem, spec)
    try:
        import onnxruntime
    except ImportError:
        raise InputError("ONNX models need ONNX Runtime: pip install onnxruntime", spec) from None
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: its warnings are not the user's
    try:
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # ONNX Runtime raises its own kinds for unreadable files
        raise InputError(f"cannot load an ONNX model: {_one_line(error)}", spec) from None
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise InputError(
            f"expected a model with one input, this one has {len(inputs)}: "
            f"{', '.join(i.name for i in inputs)}",
            spec,
        )
    if inputs[0].type != "tensor(float)":
        raise InputError(f"expected a float32 input, the model's is {inputs[0].type}", spec)
    shape = list(inputs[0].shape)
    layout = layout_from_shape(shape, **conventions)
    name = inputs[0].name
    batch = shape[0] if isinstance(shape[0], int) and shape[0] > 0 else None

    def forward(x: np.ndarray) -> list[np.ndarray]:
        size = batch or ONNX_BATCH
        parts = []
        for start in range(0, max(len(x), 1), size):
            chunk = x[start : start + size]
            n = len(chunk)
            if batch and n < batch:  # a fixed batch size: pad the last batch with zeros
                chunk = np.concatenate(
                    [chunk, np.zeros((batch - n, *chunk.shape[1:]), chunk.dtype)]
                )
            parts.append([np.asarray(o)[:n] for o in session.run(None, {name: chunk})])
        return [np.concatenate(column) for column in zip(*parts, strict=True)]

    return layout, forward, [o.name for o in session.get_outputs()]


def _python(spec: str, conventions: dict):
    target, _, function = spec.rpartition(":")
    if target.endswith(".py"):
        path = _require_file(target)
        name = f"rbpgia_user_model_{abs(hash(str(path.resolve())))}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        # Registered, as an import would: dataclasses and pickling look modules up there.
        sys.modules[name] = module
        # Imports beside the file (its helpers) resolve as when it is run as a script.
        sys.path.insert(0, str(path.resolve().parent))
        try:
            module_spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[name]
            raise InputError(
                f"importing it raised {type(error).__name__}: {_one_line(error)}", target
            ) from None
        finally:
            sys.path.remove(str(path.resolve().parent))
    else:
        # The working folder last, as `python -m` finds it (the installed `rbpgia` script
        # does not): a module there is found, an installed one of its name comes first.
        here = os.getcwd()
        added = not {"", here} & set(sys.path)
        if added:
            sys.path.append(here)
        try:
            module = importlib.import_module(target)
        except Exception as error:
            raise InputError(
                f"cannot import module {target}: {type(error).__name__}: {_one_line(error)}",
                spec,
            ) from None
        finally:
            if added:
                sys.path.remove(here)
    predict = getattr(module, function, None)
    if predict is None:
        raise InputError(f"no function {function!r} in {target}", spec)
    if not callable(predict):
        raise InputError(f"{function!r} in {target} is not callable", spec)
    # A callable may state its input as a model does: (N, L, C) or (N, C, L).
    stated = getattr(predict, "input_shape", None)
    if stated is None:
        given = dict(conventions)
        if given["length"] is None:
            given["length"] = MAX_LENGTH
        shape = _stated_shape(given)
        layout = layout_from_shape(shape, **given)
    else:
        layout = layout_from_shape(tuple(stated), **conventions)
    # Output names: the callable's output_names, a returned dict's keys, or 0, 1, ...
    try:
        first = predict(np.zeros((1, *layout.shape), dtype=np.float32))
    except Exception as error:
        raise InputError(
            f"the model raised {type(error).__name__}: {_one_line(error)}", spec
        ) from None
    if isinstance(first, dict | list | tuple) and not len(first):
        raise InputError(f"the model returned an empty {type(first).__name__}: no outputs", spec)
    if isinstance(first, dict):
        names = [str(key) for key in first]
    else:
        count = len(first) if isinstance(first, list | tuple) else 1
        names = [str(n) for n in getattr(predict, "output_names", ())]
        names = names if len(names) == count else [str(i) for i in range(count)]

    def forward(x: np.ndarray) -> list[np.ndarray]:
        result = predict(x)
        if isinstance(result, dict):
            missing = [name for name in names if name not in result]
            if missing:
                raise InputError(f"the model's dict lacks the output(s) {', '.join(missing)}")
            return [np.asarray(result[name], dtype=np.float32) for name in names]
        if isinstance(result, list | tuple):
            if len(result) != len(names):
                raise InputError(
                    f"the model returned a {type(result).__name__} of {len(result)} items for "
                    f"{len(x)} probes, {len(names)} for one: a list or tuple is read as one "
                    "output per item; return the scores as one array"
                )
            return [np.asarray(value, dtype=np.float32) for value in result]
        return [np.asarray(result, dtype=np.float32)]

    return layout, forward, names


def _stated_shape(conventions: dict) -> tuple:
    """The input shape a callable implies through the options alone."""
    channels = conventions["channels"] or 4
    if conventions["channels_first"]:
        return (None, channels, conventions["length"])
    return (None, conventions["length"], channels)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
