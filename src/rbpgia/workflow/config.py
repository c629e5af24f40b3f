"""Load and validate the workflow configuration against its JSON schema.

The schema (``rbpgia/schema/config.schema.yaml``, shipped in the package) is the single
source of defaults: :func:`validate_config` fills them in (recursively, including each entry
of a mapping such as ``datasets``) and reports the first problem with the dotted path of the
offending key.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import jsonschema
import yaml

from rbpgia.data.per_rbp_files import file_name_regex
from rbpgia.errors import ConfigError
from rbpgia.schema import schema_path, validator

SCHEMA_PATH = schema_path()


def load_schema(path: str | os.PathLike = SCHEMA_PATH) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


def _resolve(schema: dict | bool, root: dict) -> dict:
    if isinstance(schema, bool):  # `true`/`false` schemas carry no defaults
        return {}
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ConfigError(f"only local $ref are supported in the schema, got {ref!r}")
        node = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _fill_defaults(instance: Any, schema: dict, root: dict) -> Any:
    schema = _resolve(schema, root)
    if not isinstance(instance, dict) or schema.get("type") not in (None, "object"):
        return instance
    for branch in schema.get("allOf", []):
        branch = _resolve(branch, root)
        condition = branch.get("if")
        if condition is None:
            _fill_defaults(instance, branch, root)
        elif jsonschema.Draft202012Validator(condition).is_valid(instance):
            _fill_defaults(instance, branch.get("then", {}), root)
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        sub_resolved = _resolve(sub, root)
        if key not in instance and "default" in sub_resolved:
            instance[key] = copy.deepcopy(sub_resolved["default"])
        if key in instance:
            _fill_defaults(instance[key], sub_resolved, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in properties:
                _fill_defaults(value, extra, root)
    return instance


def _dotted(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _deepest(error):
    """Descend into oneOf/anyOf alternatives only when one names a deeper key."""
    best = error
    for sub in error.context or []:
        candidate = _deepest(sub)
        if len(candidate.absolute_path) > len(best.absolute_path):
            best = candidate
    return best


# Top-level sections a data set entry may change for itself (e.g. a short demo schedule, the
# published results that belong to its experiments, external models of its RBPs).
DATASET_SECTIONS = ("training", "gia", "benchmark", "models")


def _raise_first(errors: list, prefix: str = "") -> None:
    """Raise :class:`ConfigError` for the most specific of ``errors``, if any."""
    if not errors:
        return
    # The deepest error names the most specific key.
    error = _deepest(max(errors, key=lambda e: len(e.absolute_path)))
    path = _dotted(error.absolute_path)  # "<top level>" when empty
    where = prefix + path if error.absolute_path else prefix.rstrip(".") or path
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        head = "" if where == "<top level>" else where + "."
        names = ", ".join(head + k for k in unknown)
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        raise ConfigError(f"unknown config key {names} (allowed here: {allowed})")
    if error.validator in ("oneOf", "anyOf") and "expected" in error.schema:
        # "is not valid under any of the given schemas" says nothing of what would be.
        raise ConfigError(
            f"config key {where}: {error.instance!r} is not {error.schema['expected']}"
        )
    raise ConfigError(f"config key {where}: {error.message}")


def apply_dataset_settings(config: dict, schema: dict) -> dict:
    """The selected data set's own ``training``/``gia``/``benchmark``/``models`` keys over
    the top level's.

    Every data set's settings are checked against the section's schema first, so a bad
    key is named where it is written (``datasets.NAME.training.epochs``). The data set's
    value of a key replaces the top-level one; the keys it leaves out keep theirs.
    """
    datasets = config.get("datasets")
    if not isinstance(datasets, dict):
        return config
    for name, entry in datasets.items():
        if not isinstance(entry, dict):
            continue
        for section in DATASET_SECTIONS:
            if section not in entry:
                continue
            subschema = {**schema["properties"][section], "$defs": schema.get("$defs", {})}
            typed_text_values(entry[section], subschema)
            errors = list(validator(subschema, strict_integers=True).iter_errors(entry[section]))
            _raise_first(errors, prefix=f"datasets.{name}.{section}.")
    entry = datasets.get(config.get("dataset", schema["properties"]["dataset"]["default"]))
    if isinstance(entry, dict):
        for section in DATASET_SECTIONS:
            if section in entry:
                top = config.get(section) or {}
                if not isinstance(top, dict):
                    continue  # the full validation names the bad top-level section
                config[section] = {**top, **entry[section]}
    return config


def _typed(text: str, expected: str | list) -> int | float | bool | None:
    """``text`` as the number or truth value the schema expects, or None where it is none."""
    types = [expected] if isinstance(expected, str) else list(expected)
    word = text.strip()
    if "integer" in types and word.lstrip("+-").isdigit():
        return int(word)
    if "number" in types:
        try:
            return float(word)
        except ValueError:
            pass
    if "boolean" in types and word.lower() in ("true", "false"):
        return word.lower() == "true"
    return None


def _type_errors(error):
    """``error`` and the errors of its oneOf/anyOf alternatives, depth first."""
    yield error
    for sub in error.context or []:
        yield from _type_errors(sub)


def typed_text_values(config: dict, schema: dict) -> dict:
    """``config`` with numbers and truth values given as text turned into them, in place.

    Snakemake reads a nested ``--config`` value with YAML's base loader, which keeps every
    scalar text: ``--config 'training={epochs: 20}'`` gives ``{"epochs": "20"}``. Only
    values the schema wants as a number or truth value, and that read as one, change;
    anything else is left for the validation to name.
    """
    # One pass: the validator reports every value's type error, nested ones included.
    fixes = []
    for error in validator(schema, strict_integers=True).iter_errors(config):
        for found in _type_errors(error):
            if found.validator == "type" and isinstance(found.instance, str):
                value = _typed(found.instance, found.validator_value)
                if value is not None and found.absolute_path:
                    fixes.append((list(found.absolute_path), value))
    for path, value in fixes:
        parent = config
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    return config


def validate_config(config: dict, schema: dict | None = None) -> dict:
    """Return a validated copy of ``config`` with the schema's defaults filled in.

    The selected data set's own ``training``, ``gia`` and ``benchmark`` keys are merged over the
    top-level sections first (:func:`apply_dataset_settings`). Raises
    :class:`ConfigError` naming the key (as a dotted path such as
    ``datasets.synthetic.n_probes``) for an unknown key, a wrong type or a bad value.
    """
    schema = load_schema() if schema is None else schema
    if not isinstance(config, dict):
        raise ConfigError("the configuration must be a mapping of keys to values")
    given = typed_text_values(copy.deepcopy(config), schema)
    merged = apply_dataset_settings(given, schema)
    filled = _fill_defaults(merged, schema, schema)
    _raise_first(list(validator(schema, strict_integers=True).iter_errors(filled)))
    check_dataset_choice(filled)
    filled["gia"]["structure_models"] = {
        rbp: structure_model_entry(value)
        for rbp, value in filled["gia"]["structure_models"].items()
    }
    return filled


def structure_model_entry(value: str | dict) -> dict:
    """A ``gia.structure_models`` value as ``{input, training}``: a bare input type
    (``pu``) is short for ``{input: pu}``, which keeps the run's training settings."""
    entry = {"input": value} if isinstance(value, str) else dict(value)
    return {"input": entry["input"], "training": dict(entry.get("training") or {})}


SYNTHETIC_ONLY_KEYS = ("n_probes", "seed", "set_b_fraction", "rbps")
FILE_ONLY_KEYS = ("path", "url")


def check_dataset_choice(config: dict) -> None:
    """Cross-key checks that JSON schema expresses poorly, each naming the key."""
    for name, entry in config["datasets"].items():
        synthetic = entry["format"] == "synthetic"
        misplaced = FILE_ONLY_KEYS if synthetic else SYNTHETIC_ONLY_KEYS
        for key in misplaced:
            if key in entry:
                raise ConfigError(
                    f"config key datasets.{name}.{key} does not apply to format {entry['format']!r}"
                )
        if "file_pattern" in entry:
            if entry["format"] != "per_rbp_files":
                raise ConfigError(
                    f"config key datasets.{name}.file_pattern applies to format 'per_rbp_files' "
                    f"only, not {entry['format']!r}"
                )
            try:
                file_name_regex(entry["file_pattern"])
            except ConfigError as err:
                raise ConfigError(f"config key datasets.{name}.file_pattern: {err}") from None
    name = config["dataset"]
    if name not in config["datasets"]:
        known = ", ".join(sorted(config["datasets"]))
        raise ConfigError(f"config key dataset: {name!r} is not an entry of datasets ({known})")
    rbps = config.get("rbps")
    if isinstance(rbps, list) and len(set(rbps)) != len(rbps):
        raise ConfigError("config key rbps: the list names an experiment more than once")
    entry = config["datasets"][name]
    if entry["format"] == "synthetic":
        check_synthetic_names(config, name, sorted(entry.get("rbps") or {}))


def check_synthetic_names(config: dict, dataset: str, planted: list[str]) -> None:
    """RBPs named by other keys exist in a synthetic data set: known before any job runs
    (a file data set's experiments are known once it is read, and checked then)."""
    keys = {"rbps": config.get("rbps")}
    for key in ("motifs", "structure_models"):
        keys[f"gia.{key}"] = list((config.get("gia") or {}).get(key) or {})
    for key, names in keys.items():
        if not isinstance(names, list):
            continue
        unknown = [rbp for rbp in names if rbp not in planted]
        if unknown:
            raise ConfigError(
                f"config key {key}: {', '.join(unknown)} not in the synthetic data set "
                f"{dataset!r} (its RBPs: {', '.join(planted)})"
            )


def load_config(path: str | os.PathLike, overrides: dict | None = None) -> dict:
    """Read a YAML config file, apply ``overrides`` (top-level keys), and validate it."""
    try:
        with open(path) as handle:
            config = yaml.safe_load(handle) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(config, dict):
        raise ConfigError(
            f"{path}: the configuration must be a mapping of keys to values, "
            f"not a {type(config).__name__}"
        )
    config.update(overrides or {})
    return validate_config(config)
