"""ONNX and Python twins of the fixed-weight Keras models of exact_models.py.

The ONNX graphs are built operator by operator with the ``onnx`` package (Conv, Relu,
Reshape, MatMul, ReduceMax, ReduceSum), holding the weights of
:func:`exact_models.position_model`, so ONNX Runtime must give the Keras model's numbers.
Options give the same rule other conventions: channels first, another input length,
several outputs (the score, the per-position site profile, whether any site is there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from rbpgia.sequence import ALPHABET

OPSET = 17


def position_weights(motif: str, length: int, centre: float, sd: float) -> np.ndarray:
    """Per-start weights of exact_models.position_model: a Gaussian of the start column."""
    starts = np.arange(length - len(motif) + 1)
    return np.exp(-((starts - centre) ** 2) / (2 * sd**2)).astype(np.float32)


def position_onnx(
    path: Path,
    motif: str = "UGCAUG",
    centre: float = 17.0,
    sd: float = 3.0,
    *,
    length: int = 41,
    channels_first: bool = False,
    alphabet: str = ALPHABET,
    extra_outputs: bool = False,
) -> Path:
    """exact_models.position_model as an ONNX file; ``extra_outputs`` adds two outputs.

    Outputs: ``score`` (N, 1); with ``extra_outputs`` also ``sites`` (N, P), 1 where the
    motif starts, and ``any_site`` (N, 1), its maximum. ``alphabet`` orders the input's
    channels (the kernel follows it, so the rule stays the same).
    """
    m = len(motif)
    positions = length - m + 1
    kernel = np.zeros((1, 4, m), dtype=np.float32)  # (out, in, width): Conv's layout
    for t, letter in enumerate(motif):
        kernel[0, alphabet.replace("T", "U").index(letter), t] = 1.0
    weights = position_weights(motif, length, centre, sd).reshape(-1, 1)
    shape = ["N", 4, length] if channels_first else ["N", length, 4]
    nodes = []
    if not channels_first:
        nodes.append(helper.make_node("Transpose", ["x"], ["x_ncl"], perm=[0, 2, 1]))
    nodes += [
        helper.make_node("Conv", ["x_ncl" if not channels_first else "x", "W", "B"], ["conv"]),
        helper.make_node("Relu", ["conv"], ["hits"]),
        helper.make_node("Reshape", ["hits", "flat_shape"], ["sites"]),
        helper.make_node("MatMul", ["sites", "weights"], ["score"]),
    ]
    outputs = [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])]
    if extra_outputs:
        nodes.append(helper.make_node("ReduceMax", ["sites"], ["any_site"], axes=[1]))
        outputs += [
            helper.make_tensor_value_info("sites", TensorProto.FLOAT, ["N", positions]),
            helper.make_tensor_value_info("any_site", TensorProto.FLOAT, ["N", 1]),
        ]
    initializers = [
        numpy_helper.from_array(kernel, "W"),
        numpy_helper.from_array(np.array([1.0 - m], dtype=np.float32), "B"),
        numpy_helper.from_array(np.array([-1, positions], dtype=np.int64), "flat_shape"),
        numpy_helper.from_array(weights, "weights"),
    ]
    graph = helper.make_graph(
        nodes,
        "position",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        outputs,
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # read by every ONNX Runtime of the last years
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


# A Python model file: the position rule in NumPy, for `file.py:function` specs.
PYTHON_MODEL = '''
import numpy as np

MOTIF = "UGCAUG"
CHANNEL = {letter: i for i, letter in enumerate("ACGU")}


def _sites(x):
    """(N, P): 1 where MOTIF starts; x is (N, L, 4), A, C, G, U."""
    m = len(MOTIF)
    width = x.shape[1] - m + 1
    hits = np.zeros((len(x), width), dtype=np.float32)
    for t, letter in enumerate(MOTIF):
        hits += x[:, t : t + width, CHANNEL[letter]]
    return (hits == m).astype(np.float32)


def position(x):
    starts = np.arange(x.shape[1] - len(MOTIF) + 1)
    weights = np.exp(-((starts - 17.0) ** 2) / (2 * 3.0**2)).astype(np.float32)
    return _sites(x) @ weights


def two_tasks(x):
    """A dict of two outputs: the position score and the number of sites."""
    return {"position": position(x), "count": _sites(x).sum(axis=1)}


def broken(x):
    raise RuntimeError("weights not loaded")


def wrong_shape(x):
    return np.zeros(len(x) + 3, dtype=np.float32)


def no_outputs(x):
    return {}


def plain_list(x):
    return [1.0] * len(x)


def nan_scores(x):
    scores = position(x)
    scores[0] = np.nan
    return scores


def writes_its_input(x):
    """The position rule, after blanking its input's first columns in place."""
    x[:, :3, :] = 0
    return position(x)
'''
