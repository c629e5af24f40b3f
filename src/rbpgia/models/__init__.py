"""Model builders by name, so the configuration can pick an architecture with a string."""

from __future__ import annotations

from rbpgia.errors import ConfigError
from rbpgia.models.deepbind_cnn import build_deepbind_cnn
from rbpgia.models.residualbind import build_residualbind

MODELS = {
    "residualbind": build_residualbind,
    "deepbind_cnn": build_deepbind_cnn,
}


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
    return MODELS[name](input_shape=tuple(input_shape), seed=seed, **kwargs)


__all__ = ["MODELS", "build_deepbind_cnn", "build_model", "build_residualbind"]
