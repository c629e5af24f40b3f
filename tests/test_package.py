"""The library stands alone: no module of ``rbpgia`` outside ``rbpgia.workflow`` imports it.

``rbpgia.workflow`` is the Snakemake workflow's support code (config loading, job helpers,
logging, start-up, report labels). The rest of the package is the library and the command
line, which must work without it. The imports are read with :mod:`ast` (absolute, relative,
``from rbpgia import workflow`` and ``importlib.import_module`` with a constant name), so a
comment or a docstring that names the subpackage is no violation and a relative import is
no escape.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "rbpgia"
WORKFLOW = "rbpgia.workflow"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_workflow(name: str) -> bool:
    return name == WORKFLOW or name.startswith(WORKFLOW + ".")


def imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every module (or module attribute) the code imports."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module
            found.append((node.lineno, source))
            found += [(node.lineno, f"{source}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and (name := _dynamic_import(node)):
            found.append((node.lineno, name))
    return found


def _dynamic_import(call: ast.Call) -> str | None:
    """The constant name of ``__import__(...)`` or ``(importlib.)import_module(...)``."""
    func = call.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if called not in {"__import__", "import_module"} or not call.args:
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def workflow_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    tree = ast.parse(source)
    return [
        f"line {line}: {name}"
        for line, name in imported_names(tree, module, is_package)
        if _is_workflow(name)
    ]


LIBRARY = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if path.relative_to(PACKAGE).parts[0] != "workflow" and "__pycache__" not in path.parts
)


def test_the_library_is_found():
    names = {module_name(path) for path in LIBRARY}
    assert {"rbpgia", "rbpgia.cli", "rbpgia.gia.kmer_search", "rbpgia.train"} <= names
    assert not any(_is_workflow(name) for name in names)
    assert (PACKAGE / "workflow" / "__init__.py").is_file()


@pytest.mark.parametrize("path", LIBRARY, ids=module_name)
def test_library_module_does_not_import_the_workflow(path):
    found = workflow_imports(path.read_text(), module_name(path), path.name == "__init__.py")
    assert not found, f"{path.relative_to(PACKAGE.parent)} imports {WORKFLOW}: {found}"


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("import rbpgia.workflow.jobs", "rbpgia.cli", False),
        ("from rbpgia.workflow.config import load_config", "rbpgia.cli", False),
        ("from rbpgia import workflow", "rbpgia.cli", False),
        ("from .workflow import logs", "rbpgia.cli", False),
        ("from . import workflow", "rbpgia", True),
        ("from ..workflow.labels import report_labels", "rbpgia.plots.paper", False),
        ("def f():\n    from rbpgia.workflow import startup", "rbpgia.train", False),
        ("import importlib\nimportlib.import_module('rbpgia.workflow.jobs')", "rbpgia.io", False),
    ],
)
def test_every_kind_of_import_is_caught(source, module, is_package):
    assert workflow_imports(source, module, is_package)


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ('"""Unlike rbpgia.workflow, this module ..."""', "rbpgia.cli", False),
        ("from rbpgia import workflows_table", "rbpgia.cli", False),
        ("from . import schema", "rbpgia", True),
        ("from .gia import experiments", "rbpgia", True),
    ],
)
def test_other_imports_and_mentions_pass(source, module, is_package):
    assert not workflow_imports(source, module, is_package)
