"""ResidualBind: the dilated residual CNN of Koo et al. (2021) for RNAcompete probes.

One wide convolution (96 filters of width 11) scans the probe for motif-like patterns;
a residual block of kernel-3 convolutions with growing dilation (1, 2, 4, 8) lets each
position see about 31 nucleotides of context, which is where spacing and structure
effects live; average pooling, one dense layer and a linear output read out the
binding score. Convolutions and the hidden dense layer have no bias because batch
normalisation follows each of them and supplies the shift.

The layer sequence is the published one (``residualbind.py`` of the paper's code):
for a (41, 4) input the model has 216,321 parameters (1,472 of them the moving means
and variances of batch normalisation).
"""

from __future__ import annotations

import keras
import numpy as np

CONV_FILTERS = 96
FIRST_KERNEL = 11
RESIDUAL_KERNEL = 3
RESIDUAL_DILATIONS = (1, 2, 4, 8)
POOL_SIZE = 10
DENSE_UNITS = 256


def layer_seeds(seed: int | None):
    """Yield one integer seed per initializer / dropout layer, or ``None`` forever.

    Seeding every layer from its own draw makes a build reproducible without touching
    the global random state (``keras.utils.set_random_seed`` is left to the caller).
    """
    if seed is None:
        while True:
            yield None
    rng = np.random.default_rng(seed)
    while True:
        yield int(rng.integers(0, 2**31 - 1))


def _glorot(seeds) -> keras.initializers.Initializer:
    return keras.initializers.GlorotUniform(seed=next(seeds))


def build_residualbind(input_shape: tuple[int, int] = (41, 4), seed: int | None = None):
    """Build the (uncompiled) ResidualBind regression model.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, channels)``: 41 nucleotides and 4 (sequence), 6 (with paired /
        unpaired probabilities) or 9 (with structural contexts) channels.
    seed : int, optional
        Seeds the weight initializers and dropout masks of this model only; the same
        seed builds the same weights. ``None`` draws from Keras' global random state.

    Returns
    -------
    keras.Model
        Maps ``(N, length, channels)`` float32 to ``(N, 1)`` predicted scores.
    """
    seeds = layer_seeds(seed)
    inputs = keras.Input(shape=tuple(input_shape), name="probe")

    x = keras.layers.Conv1D(
        CONV_FILTERS,
        FIRST_KERNEL,
        padding="same",
        use_bias=False,
        kernel_initializer=_glorot(seeds),
        name="motif_conv",
    )(inputs)
    x = keras.layers.BatchNormalization(name="motif_bn")(x)
    x = keras.layers.Activation("relu", name="motif_relu")(x)
    block_input = keras.layers.Dropout(0.1, seed=next(seeds), name="motif_dropout")(x)

    x = block_input
    for i, dilation in enumerate(RESIDUAL_DILATIONS):
        if i > 0:
            x = keras.layers.Activation("relu", name=f"res{i}_relu")(x)
            x = keras.layers.Dropout(0.1, seed=next(seeds), name=f"res{i}_dropout")(x)
        x = keras.layers.Conv1D(
            CONV_FILTERS,
            RESIDUAL_KERNEL,
            padding="same",
            dilation_rate=dilation,
            use_bias=False,
            kernel_initializer=_glorot(seeds),
            name=f"res{i + 1}_conv_d{dilation}",
        )(x)
        x = keras.layers.BatchNormalization(name=f"res{i + 1}_bn")(x)
    x = keras.layers.Add(name="res_add")([block_input, x])
    x = keras.layers.Activation("relu", name="res_relu")(x)

    x = keras.layers.AveragePooling1D(POOL_SIZE, name="avg_pool")(x)
    x = keras.layers.Dropout(0.2, seed=next(seeds), name="pool_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)

    x = keras.layers.Dense(
        DENSE_UNITS, use_bias=False, kernel_initializer=_glorot(seeds), name="dense"
    )(x)
    x = keras.layers.BatchNormalization(name="dense_bn")(x)
    x = keras.layers.Activation("relu", name="dense_relu")(x)
    x = keras.layers.Dropout(0.5, seed=next(seeds), name="dense_dropout")(x)
    outputs = keras.layers.Dense(
        1, activation="linear", kernel_initializer=_glorot(seeds), name="score"
    )(x)
    return keras.Model(inputs, outputs, name="residualbind")
