"""A DeepBind-style shallow CNN: the classic baseline for RNAcompete models.

DeepBind (Alipanahi et al. 2015) scans a probe with a small bank of motif detectors
(one convolution with bias and ReLU), summarises each detector by its best match
(global max) and its overall enrichment (global average), and maps those 2 x
``n_filters`` numbers to a score with a small fully connected layer. The RNAcompete
models of the paper used 16 detectors of width 16 and one hidden layer of 32 ReLU units;
those are the defaults. Like DeepBind, the input is padded with ``kernel_size - 1``
empty positions on each side so a motif hanging over either end of the probe is still
detected (a "full" convolution; the paper padded with 0.25, zeros here).
"""

from __future__ import annotations

import keras

from rbpgia.models.residualbind import layer_seeds


def build_deepbind_cnn(
    input_shape: tuple[int, int] = (41, 4),
    n_filters: int = 16,
    kernel_size: int = 16,
    hidden: int = 32,
    dropout: float = 0.5,
    seed: int | None = None,
):
    """Build the (uncompiled) DeepBind-style regression model.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, channels)`` of the encoded probes.
    n_filters : int
        Number of motif detectors.
    kernel_size : int
        Width of each motif detector, in nucleotides.
    hidden : int
        Units of the hidden ReLU layer.
    dropout : float
        Dropout rate applied to the hidden layer during training.
    seed : int, optional
        Seeds this model's initializers and dropout; ``None`` uses Keras' global state.

    Returns
    -------
    keras.Model
        Maps ``(N, length, channels)`` float32 to ``(N, 1)`` predicted scores.
    """
    seeds = layer_seeds(seed)
    inputs = keras.Input(shape=tuple(input_shape), name="probe")
    x = keras.layers.ZeroPadding1D(kernel_size - 1, name="edge_padding")(inputs)
    x = keras.layers.Conv1D(
        n_filters,
        kernel_size,
        activation="relu",
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name="motif_conv",
    )(x)
    best_match = keras.layers.GlobalMaxPooling1D(name="max_pool")(x)
    enrichment = keras.layers.GlobalAveragePooling1D(name="avg_pool")(x)
    x = keras.layers.Concatenate(name="pooled")([best_match, enrichment])
    x = keras.layers.Dense(
        hidden,
        activation="relu",
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name="hidden",
    )(x)
    x = keras.layers.Dropout(dropout, seed=next(seeds), name="hidden_dropout")(x)
    outputs = keras.layers.Dense(
        1,
        activation="linear",
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name="score",
    )(x)
    return keras.Model(inputs, outputs, name="deepbind_cnn")
