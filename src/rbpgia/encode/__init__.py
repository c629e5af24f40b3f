"""Encoding stage: one-hot sequences and ViennaRNA structure profiles of a probe pool.

Run once per data set; every RBP of the data set reads its model inputs and targets from
the resulting ``probes.h5`` (see :mod:`rbpgia.encode.store`).
"""

from rbpgia.encode.onehot import (
    INPUT_CHANNELS,
    MAX_LENGTH,
    channels_for,
    check_sequences,
    decode,
    one_hot,
    pad_offsets,
)
from rbpgia.encode.store import (
    UnknownExperimentError,
    encode_probes,
    list_experiments,
    read_attrs,
    read_inputs,
    read_lengths,
    read_names,
    read_sequences,
    read_sets,
    read_targets,
    write_probes_h5,
)
from rbpgia.encode.structure import (
    STRUCTURE_CHANNELS,
    model_inputs,
    pu_profiles,
    structure_profiles,
    viennarna_version,
)

__all__ = [
    "INPUT_CHANNELS",
    "MAX_LENGTH",
    "STRUCTURE_CHANNELS",
    "UnknownExperimentError",
    "channels_for",
    "check_sequences",
    "decode",
    "encode_probes",
    "list_experiments",
    "model_inputs",
    "one_hot",
    "pad_offsets",
    "pu_profiles",
    "read_attrs",
    "read_inputs",
    "read_lengths",
    "read_names",
    "read_sequences",
    "read_sets",
    "read_targets",
    "structure_profiles",
    "viennarna_version",
    "write_probes_h5",
]
