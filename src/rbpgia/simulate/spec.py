"""A synthetic RBP's planted rule, checked against the one definition in the config schema.

The configuration schema's ``$defs/synthetic_rbp`` (``rbpgia/schema/config.schema.yaml``)
defines the keys of a rule, their types, bounds and defaults. The workflow validates its
config with it, and :func:`check_spec` validates a rule given to the library with the same
definition and fills the same defaults, so a rule means the same from Snakemake or Python.
The code here adds only what the schema cannot say (see :func:`check_spec`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

import numpy as np
from jsonschema.exceptions import best_match

from rbpgia import schema
from rbpgia.errors import ConfigError

DEFINITION = "synthetic_rbp"


@cache
def _definition() -> dict:
    return schema.definition(DEFINITION)


@cache
def _validator():
    return schema.validator(_definition())


# Every key of a rule, in the order of the schema (and of the rule in the ground truth).
SPEC_KEYS = tuple(_definition()["properties"])
SITE_EFFECTS = tuple(_definition()["properties"]["site_effect"]["enum"])


def _fail(name: str, key: str, message: str):
    raise ConfigError(f"RBP {name!r}: {key}: {message}")


def _plain(value):
    """Mappings as dicts and NumPy scalars as Python ones, which JSON Schema types know."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _object_branch(node: dict) -> dict | None:
    """The mapping form of a ``null``-or-mapping key (``spacing``, ``position``, ``flanks``)."""
    for branch in node.get("oneOf", []):
        if branch.get("type") == "object":
            return branch
    return None


def _report(name: str, error) -> None:
    """Raise the ConfigError for one jsonschema error, naming the RBP and the key."""
    path = [str(part) for part in error.absolute_path]
    if error.validator in ("required", "additionalProperties"):
        allowed = list(error.schema.get("properties", {}))
        if error.validator == "required":
            keys = [key for key in error.validator_value if key not in error.instance]
            message = "required key(s) missing"
        else:
            keys = [str(key) for key in error.instance if key not in allowed]
            message = f"unknown key(s); allowed: {allowed}"
        _fail(name, ", ".join(".".join([*path, key]) for key in keys), message)
    if error.validator == "oneOf" and _object_branch(error.schema) is not None:
        keys = list(_object_branch(error.schema)["properties"])
        _fail(
            name,
            ".".join(path),
            f"must be null or a mapping with keys {keys} (got {error.instance!r})",
        )
    _fail(name, ".".join(path), error.message)


def _normalised(name: str, key: str, value, node: dict):
    """``value`` (valid under ``node``) with numbers as float, integers as int and every
    key of a mapping present (its default where left out)."""
    branch = _object_branch(node)
    if branch is not None:
        if value is None:
            return None
        return {
            sub: _normalised(name, f"{key}.{sub}", value.get(sub, spec.get("default")), spec)
            for sub, spec in branch["properties"].items()
        }
    if node.get("type") == "integer":
        return int(value)
    if node.get("type") == "number":
        # JSON has no NaN or infinity, so JSON Schema cannot reject them; YAML and Python
        # can write them (.nan, float("inf")), and a bound such as `minimum: 0` lets NaN by.
        if not math.isfinite(value):
            _fail(name, key, f"must be a finite number (got {value!r})")
        return float(value)
    return str(value) if isinstance(value, str) else value


def check_spec(name: str, spec: Mapping) -> dict:
    """Validate one synthetic RBP specification and return a normalised copy.

    ``spec`` is checked against the schema's ``synthetic_rbp`` definition: ``motif`` is
    required, every other key left out takes the schema's default, and unknown keys are
    rejected so that a typo cannot silently fall back to a default. The copy has every key
    of :data:`SPEC_KEYS` in that order (and every key of ``spacing``, ``position`` and
    ``flanks`` when set), numbers as float and integers as int.

    Beyond the schema, numbers must be finite. That the ``planted_fraction`` of all RBPs
    sum to at most 1 is checked by :func:`rbpgia.simulate.generate`, which sees them all.

    Raises
    ------
    ConfigError
        Naming the RBP and the offending key, e.g. ``RBP 'SYN_X': motif: ...``.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(f"RBP {name!r}: the specification must be a mapping (got {spec!r})")
    definition = _definition()
    given = _plain(spec)
    filled = {
        **{
            key: node["default"]
            for key, node in definition["properties"].items()
            if "default" in node
        },
        **given,
    }
    # best_match: the most specific of the errors (a deeper key first).
    error = best_match(_validator().iter_errors(filled))
    if error is not None:
        _report(name, error)
    return {
        key: _normalised(name, key, filled[key], node)
        for key, node in definition["properties"].items()
    }
