"""Export the project's Keras models to ONNX, operator by operator, with the ``onnx`` package.

A trained ResidualBind or DeepBind-style CNN becomes an ONNX file that ONNX Runtime runs
with the Keras model's numbers (to float32 rounding), with no converter installed: each
layer of the functional graph maps to a few ONNX operators holding its weights. Only the
layer kinds of :mod:`rbpgia.models` are known (Conv1D with ``same``/``valid`` padding and
dilation, BatchNormalization, Activation/Dense/Conv1D activations ``relu``/``linear``,
Dropout, Add, AveragePooling1D, ZeroPadding1D, Flatten, GlobalMax/AveragePooling1D,
Concatenate, Dense); any other layer is an error naming it.

>>> keras_to_onnx(load_model("model.keras"), "model.onnx")

Inside the graph, 3-D tensors are kept channels first ``(N, C, L)``, ONNX's convolution
layout; the file's input is the Keras model's, ``(N, L, C)`` channels last, with the
batch dimension left open, and its one output keeps the Keras output's name.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rbpgia.errors import InputError

# ONNX Runtime 1.x runs opset 17 everywhere; ReduceMax/ReduceMean still take `axes` here.
OPSET = 17


class _Graph:
    """Nodes and weights of the ONNX graph being built, with unique tensor names."""

    def __init__(self):
        self.nodes, self.initializers = [], []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def weight(self, array: np.ndarray, stem: str) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, kind: str, inputs: list[str], stem: str, **attributes) -> str:
        from onnx import helper

        out = self.name(stem)
        self.nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out


def _activation(graph: _Graph, x: str, layer) -> str:
    name = getattr(layer.activation, "__name__", str(layer.activation))
    if name == "linear":
        return x
    if name == "relu":
        return graph.op("Relu", [x], f"{layer.name}_relu")
    raise InputError(f"layer {layer.name}: activation {name!r} has no ONNX export here")


def _conv1d(graph: _Graph, x: str, layer) -> str:
    kernel = layer.kernel.numpy()  # (width, in, out)
    width = kernel.shape[0]
    (dilation,) = layer.dilation_rate
    (stride,) = layer.strides
    if layer.padding == "same":
        total = dilation * (width - 1)
        pads = [total // 2, total - total // 2]
    elif layer.padding == "valid":
        pads = [0, 0]
    else:
        raise InputError(f"layer {layer.name}: padding {layer.padding!r} has no ONNX export")
    inputs = [x, graph.weight(kernel.transpose(2, 1, 0).astype(np.float32), f"{layer.name}_W")]
    if layer.use_bias:
        inputs.append(graph.weight(layer.bias.numpy().astype(np.float32), f"{layer.name}_B"))
    y = graph.op("Conv", inputs, layer.name, dilations=[dilation], strides=[stride], pads=pads)
    return _activation(graph, y, layer)


def _batch_norm(graph: _Graph, x: str, layer) -> str:
    channels = layer.moving_mean.shape[0]
    ones, zeros = np.ones(channels, np.float32), np.zeros(channels, np.float32)
    gamma = layer.gamma.numpy() if layer.scale else ones
    beta = layer.beta.numpy() if layer.center else zeros
    weights = [
        graph.weight(np.asarray(value, np.float32), f"{layer.name}_{part}")
        for part, value in (
            ("scale", gamma),
            ("bias", beta),
            ("mean", layer.moving_mean.numpy()),
            ("var", layer.moving_variance.numpy()),
        )
    ]
    return graph.op("BatchNormalization", [x, *weights], layer.name, epsilon=float(layer.epsilon))


def _dense(graph: _Graph, x: str, layer) -> str:
    y = graph.op(
        "MatMul", [x, graph.weight(layer.kernel.numpy().astype(np.float32), f"{layer.name}_W")],
        layer.name,
    )  # fmt: skip
    if layer.use_bias:
        bias = graph.weight(layer.bias.numpy().astype(np.float32), f"{layer.name}_B")
        y = graph.op("Add", [y, bias], f"{layer.name}_bias")
    return _activation(graph, y, layer)


def _layer(graph: _Graph, layer, inputs: list[str], ndim: list[int]) -> str:
    """The ONNX operators of one Keras layer on its inputs (3-D ones channels first)."""
    kind = type(layer).__name__
    x = inputs[0]
    if kind == "Conv1D":
        return _conv1d(graph, x, layer)
    if kind == "BatchNormalization":
        if layer.axis not in (-1, [-1], ndim[0] - 1, [ndim[0] - 1]):
            raise InputError(f"layer {layer.name}: batch normalisation over axis {layer.axis}")
        return _batch_norm(graph, x, layer)
    if kind == "Activation":
        return _activation(graph, x, layer)
    if kind == "Dropout":
        return x  # inference
    if kind == "Add":
        out = inputs[0]
        for other in inputs[1:]:
            out = graph.op("Add", [out, other], layer.name)
        return out
    if kind == "AveragePooling1D":
        if layer.padding != "valid":
            raise InputError(f"layer {layer.name}: padding {layer.padding!r} has no ONNX export")
        return graph.op(
            "AveragePool", [x], layer.name, kernel_shape=list(layer.pool_size),
            strides=list(layer.strides),
        )  # fmt: skip
    if kind == "ZeroPadding1D":
        left, right = layer.padding
        pads = graph.weight(np.array([0, 0, left, 0, 0, right], np.int64), f"{layer.name}_pads")
        return graph.op("Pad", [x, pads], layer.name)
    if kind == "Flatten":
        # Keras flattens (N, L, C) row by row: back to channels last first.
        if ndim[0] == 3:
            x = graph.op("Transpose", [x], f"{layer.name}_nlc", perm=[0, 2, 1])
        return graph.op("Flatten", [x], layer.name, axis=1)
    if kind == "GlobalMaxPooling1D":
        return graph.op("ReduceMax", [x], layer.name, axes=[2], keepdims=0)
    if kind == "GlobalAveragePooling1D":
        return graph.op("ReduceMean", [x], layer.name, axes=[2], keepdims=0)
    if kind == "Concatenate":
        axis = layer.axis if layer.axis >= 0 else ndim[0] + layer.axis
        if ndim[0] != 2 or axis != 1:
            raise InputError(f"layer {layer.name}: concatenation of 3-D tensors has no export")
        return graph.op("Concat", inputs, layer.name, axis=1)
    if kind == "Dense":
        if ndim[0] != 2:
            raise InputError(f"layer {layer.name}: Dense on a {ndim[0]}-D tensor has no export")
        return _dense(graph, x, layer)
    raise InputError(f"layer {layer.name} ({kind}) has no ONNX export here")


def keras_to_onnx(model, path: str | os.PathLike) -> Path:
    """Write ``model`` (one ``(N, L, C)`` input, one output) as an ONNX file at ``path``.

    Raises
    ------
    InputError
        Naming the first layer (or activation, padding) that has no export here.
    """
    import onnx
    from onnx import TensorProto, helper

    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InputError("only models with one input and one output are exported")
    graph = _Graph()
    names, ndims = {}, {}
    source = model.inputs[0]
    _, length, channels = source.shape
    names[id(source)] = graph.op("Transpose", ["probe"], "probe_ncl", perm=[0, 2, 1])
    ndims[id(source)] = 3
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        given = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
        out = _layer(graph, layer, [names[id(t)] for t in given], [ndims[id(t)] for t in given])
        names[id(layer.output)] = out
        ndims[id(layer.output)] = len(layer.output.shape)
    result = model.outputs[0]
    output_name = model.output_names[0] if getattr(model, "output_names", None) else "score"
    final = names[id(result)]
    if ndims[id(result)] == 3:
        final = graph.op("Transpose", [final], "output_nlc", perm=[0, 2, 1])
    graph.nodes.append(helper.make_node("Identity", [final], [output_name]))
    shape = ["N", *[int(d) for d in result.shape[1:]]]
    onnx_graph = helper.make_graph(
        graph.nodes,
        model.name,
        [helper.make_tensor_value_info("probe", TensorProto.FLOAT, ["N", length, channels])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, shape)],
        graph.initializers,
    )
    proto = helper.make_model(
        onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="rbpgia"
    )
    proto.ir_version = 8  # what ONNX Runtime 1.x reads
    onnx.checker.check_model(proto)
    path = Path(path)
    onnx.save(proto, path)
    return path
