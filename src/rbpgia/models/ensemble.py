"""A seed ensemble as one Keras model: the mean of its members' outputs.

Models trained from different initialisations on the same data learn a weak rule to
different degrees; their mean answers a GIA question with less seed-to-seed scatter than
any one of them (though not a rule that none of them learned). Built from standard layers
only, so the ensemble saves to one ``.keras`` file that loads in safe mode and runs wherever
a single model does.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from rbpgia.errors import InputError


def average_models(models: Sequence[keras.Model], name: str = "ensemble") -> keras.Model:
    """One model whose output is the mean of ``models``' outputs on the same input.

    Parameters
    ----------
    models : sequence of keras.Model
        Built models with one input of the same shape and one output each; their weights
        are shared with the ensemble, not copied.
    name : str
        The ensemble's name; members are renamed ``member0``, ``member1``, ... within it.

    Returns
    -------
    keras.Model
        ``models[0]`` itself when there is one.

    Raises
    ------
    InputError
        With no models, or members whose input shapes differ.
    """
    models = list(models)
    if not models:
        raise InputError("average_models needs at least one model")
    if len(models) == 1:
        return models[0]
    shapes = {tuple(model.input_shape[1:]) for model in models}
    if len(shapes) != 1:
        raise InputError(f"average_models: members have different input shapes {sorted(shapes)}")
    inputs = keras.Input(shape=shapes.pop(), name="probes")
    # Each member as a named sub-model, so that equal layer names inside members cannot clash.
    members = [
        keras.Model(model.input, model.output, name=f"member{i}") for i, model in enumerate(models)
    ]
    outputs = keras.layers.Average(name="mean")([member(inputs) for member in members])
    return keras.Model(inputs, outputs, name=name)


def ensemble_members(model: keras.Model) -> list[keras.Model]:
    """The members of an ensemble :func:`average_models` built (also after saving and
    loading it), in order; ``[]`` for any other model."""
    layers = {layer.name: layer for layer in model.layers}
    mean = layers.get("mean")
    if not isinstance(mean, keras.layers.Average):
        return []
    members = []
    while isinstance(layers.get(f"member{len(members)}"), keras.Model):
        members.append(layers[f"member{len(members)}"])
    return members if len(members) >= 2 else []


def members_model(model: keras.Model) -> keras.Model | None:
    """One model whose outputs are ``model``'s members' outputs, one each (weights shared),
    so that one forward pass scores every member; None when ``model`` is no ensemble."""
    members = ensemble_members(model)
    if not members:
        return None
    inputs = keras.Input(shape=tuple(model.input_shape[1:]), name="probes")
    return keras.Model(inputs, [member(inputs) for member in members], name="members")
