"""Model builders by name, so the configuration can pick an architecture with a string.

The Keras builders are imported on first use: importing Keras starts its backend (about
10 s of CPU for TensorFlow on a 2.4 GHz core), which jobs that only need the k-mer ridge
baseline (``rbpgia.models.kmer_ridge``) should not pay.
"""

from __future__ import annotations

import importlib

from rbpgia.errors import ConfigError

# name -> (module, builder function)
MODELS = {
    "residualbind": ("rbpgia.models.residualbind", "build_residualbind"),
    "deepbind_cnn": ("rbpgia.models.deepbind_cnn", "build_deepbind_cnn"),
}
_BUILDERS = {function: module for module, function in MODELS.values()}


def __getattr__(name: str):
    if name in _BUILDERS:
        return getattr(importlib.import_module(_BUILDERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_model(name: str, input_shape: tuple[int, int], seed: int | None = None, **kwargs):
    """Build the uncompiled Keras model registered as ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    input_shape : tuple of int
        ``(length, channels)`` of the encoded probes.
    seed : int, optional
        Seeds the model's initializers and dropout.
    **kwargs
        Passed on to the builder (e.g. ``n_filters`` for ``deepbind_cnn``).

    Raises
    ------
    ConfigError
        If ``name`` is not a registered model.
    """
    if name not in MODELS:
        raise ConfigError(f"model: unknown model {name!r}; known models are {sorted(MODELS)}")
    builder = __getattr__(MODELS[name][1])
    return builder(input_shape=tuple(input_shape), seed=seed, **kwargs)


__all__ = ["MODELS", "build_deepbind_cnn", "build_model", "build_residualbind"]
