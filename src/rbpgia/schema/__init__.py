"""The configuration schema, shipped inside the package: the single source of defaults.

The workflow validates ``config/config.yaml`` against it; the library and the command
line read their defaults and bounds from it (:func:`defaults`, :func:`bounds`), so a
default is written in one place whether GIA runs from Snakemake, ``rbpgia gia`` or Python.
"""

from __future__ import annotations

import copy
import math
import numbers
import re
from functools import cache
from importlib import resources

import yaml

SCHEMA_NAME = "config.schema.yaml"


def schema_path():
    """Path of the shipped schema file (inside the installed package)."""
    return resources.files(__name__) / SCHEMA_NAME


@cache
def _schema() -> dict:
    return yaml.safe_load(schema_path().read_text())


def load_schema() -> dict:
    """The whole schema as a dict (a fresh copy: callers may change it)."""
    return copy.deepcopy(_schema())


def definition(name: str) -> dict:
    """The schema of ``$defs/NAME`` (e.g. ``"synthetic_rbp"``), a fresh copy."""
    return copy.deepcopy(_schema()["$defs"][name])


def properties(section: str) -> dict:
    """The schema of each key of a top-level ``section`` (e.g. ``"gia"``)."""
    return copy.deepcopy(_schema()["properties"][section]["properties"])


def defaults(section: str) -> dict:
    """Default value of every key of ``section`` that has one."""
    return {key: spec["default"] for key, spec in properties(section).items() if "default" in spec}


def bounds(section: str, key: str) -> tuple[float | None, float | None]:
    """(minimum, maximum) of a numeric key of ``section``; None where unbounded."""
    spec = properties(section)[key]
    return spec.get("minimum"), spec.get("maximum")


def _pattern(validator, pattern, instance, schema):
    """JSON Schema ``pattern`` with ECMA-262's ``$``: the end of the string.

    jsonschema uses Python's ``re.search``, whose ``$`` also matches before a final newline,
    so ``"R1\\n"`` would pass ``^[A-Za-z0-9]+$`` (and become a path with a newline in it).
    """
    from jsonschema import ValidationError

    if not validator.is_type(instance, "string"):
        return
    match = re.search(pattern, instance)
    if match is None or (pattern.endswith("$") and match.end() != len(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _is_int(checker, instance) -> bool:
    """An int, not a bool, and not a float even where whole: the workflow's config reaches
    ``range()`` and array shapes as it is (``encode.max_length: 41.0`` crashed its job)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_number(checker, instance) -> bool:
    """A finite real number: NaN passes every ``minimum`` and ``maximum`` comparison."""
    if isinstance(instance, bool) or not isinstance(instance, numbers.Real):
        return False
    # Integers are finite however large (math.isfinite would overflow on 10**400).
    return isinstance(instance, numbers.Integral) or math.isfinite(instance)


@cache
def _validator_class(strict_integers: bool):
    # Imported here: jsonschema takes 70 ms to import, which `rbpgia --help` need not pay.
    import jsonschema

    base = jsonschema.Draft202012Validator
    checks = {"number": _is_number}
    if strict_integers:
        checks["integer"] = _is_int
    types = base.TYPE_CHECKER.redefine_many(checks)
    return jsonschema.validators.extend(base, {"pattern": _pattern}, type_checker=types)


def validator(schema: dict, *, strict_integers: bool = False):
    """A Draft 2020-12 validator of ``schema`` whose ``pattern`` has ECMA-262's ``$``, and
    whose numbers are finite (NaN would pass every bound).

    The workflow's config and every library check against this schema use it. With
    ``strict_integers`` an integer must be an int (the config, read as is); without, a
    whole float such as 3.0 is one too, for checks that normalise what they accept.
    """
    return _validator_class(strict_integers)(schema)
