"""A model's input and output conventions, and the conversions to and from GIA's own.

GIA builds its probes one way: one-hot ``(N, L, C)`` float32, channels last, A, C, G, U
in channels 0-3 and structure profiles after them (:mod:`rbpgia.encode`). Models
published elsewhere read other layouts (channels first ``(N, C, L)``, another letter
order) and answer with several outputs or a per-position profile. These pure functions
turn GIA's array into the model's and the model's answer into one score per probe:

>>> layout = InputLayout(length=101, channels=4, channels_first=True, alphabet="ACGT")
>>> x = to_model_input(onehot, layout)                 # (N, 4, 101), channels reordered
>>> scores = to_scores(outputs, names, output="task_2", reduce=parse_reduce("max"))

The input length is not converted here: the nulls are drawn in the model's frame
(background probes centred and padded, or trimmed, to ``length``), so positions keep
their meaning relative to the probe's centre and ends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rbpgia.encode.onehot import INPUT_CHANNELS
from rbpgia.errors import InputError
from rbpgia.sequence import ALPHABET

REDUCTIONS = ("sum", "max", "mean")
_REDUCE = re.compile(r"(?P<name>[a-z]+)(:(?P<start>-?\d+):(?P<end>-?\d+))?")


def input_type_of(channels: int) -> str:
    """``seq``, ``pu`` or ``struct``: the input type a model of ``channels`` channels reads."""
    for kind, count in INPUT_CHANNELS.items():
        if count == channels:
            return kind
    raise InputError(
        f"the model reads {channels} channels per nucleotide; expected 4 (one-hot), "
        "6 (+ paired/unpaired) or 9 (+ structural contexts)"
    )


def clean_alphabet(alphabet: str) -> str:
    """``alphabet`` as an order of A, C, G, U (T read as U), e.g. ``ACGT`` -> ``ACGU``."""
    letters = alphabet.upper().replace("T", "U")
    if sorted(letters) != sorted(ALPHABET):
        raise InputError(
            f"alphabet {alphabet!r} is not an order of the four letters A, C, G, U (or T)"
        )
    return letters


@dataclass(frozen=True)
class InputLayout:
    """How a model reads one probe: ``length`` nt, ``channels`` per nt, their order.

    ``alphabet`` orders the model's first four channels (``ACGT`` is GIA's own order);
    structure channels, when there are any, follow them as in :mod:`rbpgia.encode`.
    """

    length: int
    channels: int = 4
    channels_first: bool = False
    alphabet: str = ALPHABET

    def __post_init__(self):
        if self.length < 1:
            raise InputError(f"input length must be positive, got {self.length}")
        input_type_of(self.channels)
        object.__setattr__(self, "alphabet", clean_alphabet(self.alphabet))

    @property
    def input_type(self) -> str:
        return input_type_of(self.channels)

    @property
    def shape(self) -> tuple[int, int]:
        """One probe's shape as the model reads it."""
        return (self.channels, self.length) if self.channels_first else (self.length, self.channels)

    def describe(self) -> str:
        order = "(N, C, L)" if self.channels_first else "(N, L, C)"
        return f"{self.length} nt, {self.channels} channels {order}, {self.alphabet}"


def to_model_input(x: np.ndarray, layout: InputLayout) -> np.ndarray:
    """GIA's ``(N, L, C)`` channels-last ACGU array in the model's layout, float32."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[1:] != (layout.length, layout.channels):
        raise InputError(
            f"expected probes of shape (N, {layout.length}, {layout.channels}) for the "
            f"model, got {x.shape}"
        )
    if layout.alphabet != ALPHABET:
        order = [ALPHABET.index(letter) for letter in layout.alphabet]
        x = x[..., order + list(range(4, layout.channels))]
    if layout.channels_first:
        x = x.transpose(0, 2, 1)
    # Contiguous: ONNX Runtime and compiled models copy strided arrays anyway.
    return np.ascontiguousarray(x)


def layout_from_shape(
    shape: Sequence,
    *,
    channels_first: bool | None = None,
    length: int | None = None,
    alphabet: str = ALPHABET,
    channels: int | None = None,
) -> InputLayout:
    """The layout a model's input shape ``(N, A, B)`` says, completed by the options given.

    Dimensions the model leaves open (None, or a name such as ``"length"``) are taken
    from ``length``/``channels``/``channels_first``; an option that contradicts the
    model's shape is an error naming both.
    """
    dims = [d if isinstance(d, int) and not isinstance(d, bool) and d > 0 else None for d in shape]
    if len(dims) != 3:
        raise InputError(
            f"expected one input of shape (N, L, C) or (N, C, L), the model has {tuple(shape)}"
        )
    a, b = dims[1], dims[2]
    known = set(INPUT_CHANNELS.values())
    if channels_first is None:
        if b in known and a not in known:
            channels_first = False
        elif a in known and b not in known:
            channels_first = True
        elif a is None and b is None:
            channels_first = False  # nothing said: GIA's own layout
        else:
            raise InputError(
                f"cannot tell channels from length in the model's input {tuple(shape)}; "
                "say which with channels first or last"
            )
    model_channels, model_length = (a, b) if channels_first else (b, a)
    order = "first" if channels_first else "last"
    if model_channels is None:
        model_channels = channels or 4
    elif channels is not None and channels != model_channels:
        raise InputError(
            f"{channels} channels given, but the model's input {tuple(shape)} (channels "
            f"{order}) has {model_channels}"
        )
    if model_length is None:
        if length is None:
            raise InputError(
                f"the model's input {tuple(shape)} does not fix its length; give the input length"
            )
        model_length = length
    elif length is not None and length != model_length:
        raise InputError(
            f"input length {length} given, but the model's input {tuple(shape)} (channels "
            f"{order}) is {model_length} nt"
        )
    if model_channels not in known:
        raise InputError(
            f"the model's input {tuple(shape)} (channels {order}) has {model_channels} "
            "channels; expected 4 (one-hot), 6 (+ paired/unpaired) or 9 (+ structural contexts)"
        )
    return InputLayout(model_length, model_channels, channels_first, alphabet)


# ----------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Reduce:
    """How a per-position output ``(N, P)`` becomes one score: ``name`` over ``[start:end)``.

    ``start``/``end`` index the output's positions as Python slices do (negative from the
    end); None means the whole profile.
    """

    name: str
    start: int | None = None
    end: int | None = None

    def __call__(self, profile: np.ndarray) -> np.ndarray:
        window = profile[:, self.start : self.end]
        if window.shape[1] == 0:
            raise InputError(
                f"reduce {self}: the window [{self.start}:{self.end}] of an output of "
                f"{profile.shape[1]} positions is empty"
            )
        return getattr(np, self.name)(window, axis=1)

    def __str__(self) -> str:
        window = "" if self.start is None else f":{self.start}:{self.end}"
        return self.name + window


def parse_reduce(text: str | None) -> Reduce | None:
    """``sum``, ``max``, ``mean``, or one of them over a window, ``mean:40:61`` (None: none)."""
    if text is None:
        return None
    match = _REDUCE.fullmatch(text.strip())
    if not match or match["name"] not in REDUCTIONS:
        raise InputError(
            f"reduce {text!r}: expected one of {', '.join(REDUCTIONS)}, optionally over a "
            "window of positions NAME:START:END (e.g. mean:40:61)"
        )
    if match["start"] is None:
        return Reduce(match["name"])
    return Reduce(match["name"], int(match["start"]), int(match["end"]))


def parse_output(text: str | int | None) -> str | int | None:
    """An output named by the user: an index when it is a whole number, else a name."""
    if text is None or isinstance(text, int):
        return text
    text = text.strip()
    return int(text) if re.fullmatch(r"\d+", text) else text


def select_output(
    outputs: Sequence[np.ndarray], names: Sequence[str], output: str | int | None
) -> tuple[np.ndarray, int | None]:
    """The model output GIA scores, and the task column to take from it (or None).

    With several outputs, ``output`` names one (by name or index; a number that is an
    output's name is that name) and is required. With
    one output, a name must be its name; an index picks a column of a 2-D ``(N, T)``
    output (one column per task), and 0 the output itself otherwise.
    """
    listed = ", ".join(f"{i} ({name})" for i, name in enumerate(names))
    if isinstance(output, int) and str(output) in names:
        output = str(output)  # a name first: exporters name outputs "0", "1", ...
    if len(outputs) > 1:
        if output is None:
            raise InputError(
                f"the model has {len(outputs)} outputs; choose one by name or index "
                f"(--output): {listed}"
            )
        if isinstance(output, int):
            if output >= len(outputs):
                raise InputError(f"output {output} does not exist; the model's outputs: {listed}")
            return np.asarray(outputs[output]), None
        if output not in names:
            raise InputError(f"output {output!r} does not exist; the model's outputs: {listed}")
        return np.asarray(outputs[list(names).index(output)]), None
    only = np.asarray(outputs[0])
    if output is None:
        return only, None
    if isinstance(output, str):
        if output != names[0]:
            raise InputError(f"output {output!r} does not exist; the model's outputs: {listed}")
        return only, None
    tasks = only.shape[1] if only.ndim == 2 else 1
    if output >= tasks:
        raise InputError(
            f"output {output} does not exist; the model has one output, {names[0]}, of "
            f"shape {_shape(only)} ({tasks} task{'s' if tasks > 1 else ''})"
        )
    return only, (output if only.ndim == 2 and tasks > 1 else None)


def to_scores(
    outputs: Sequence[np.ndarray],
    names: Sequence[str],
    n: int,
    *,
    output: str | int | None = None,
    reduce: Reduce | None = None,
) -> np.ndarray:
    """One score per probe, ``(n,)`` float32, from a model's ``outputs`` for ``n`` probes.

    The chosen output (:func:`select_output`) must be ``(n,)`` or ``(n, 1)``, or ``(n, T)``
    with a task column chosen, or a per-position profile ``(n, P)`` reduced by ``reduce``.
    """
    chosen, column = select_output(outputs, names, output)
    if chosen.ndim == 0 or chosen.shape[0] != n:
        raise InputError(
            f"the model returned an output of shape {chosen.shape} for {n} probes; "
            "expected one row per probe"
        )
    if column is not None:
        if reduce is not None:
            raise InputError(
                f"output {output} picks a task column of a 2-D output; there is no profile "
                f"left for reduce {reduce}"
            )
        return chosen[:, column].astype(np.float32)
    per_probe = chosen.reshape(n, -1)
    if reduce is not None:
        # A profile may come with a trailing axis of one track, (N, P, 1).
        # (N, P), or one channel of it, last (N, P, 1) or first (N, 1, P: a channels-first
        # convolution's head).
        if chosen.ndim != 2 and not (chosen.ndim == 3 and 1 in chosen.shape[1:]):
            raise InputError(
                f"reduce {reduce} takes a per-position output (N, P); the model's is "
                f"{_shape(chosen)}"
            )
        return reduce(per_probe).astype(np.float32)
    if per_probe.shape[1] != 1:
        raise InputError(
            f"the model returned {per_probe.shape[1]} values per probe (output of shape "
            f"{_shape(chosen)}); choose a task with --output, or reduce a "
            f"per-position profile with --reduce {', '.join(REDUCTIONS)}"
        )
    return per_probe[:, 0].astype(np.float32)


def _shape(array: np.ndarray) -> str:
    """An output's shape as the user reads it, ``(N, 36)``."""
    return "(" + ", ".join(["N", *map(str, array.shape[1:])]) + ")"
