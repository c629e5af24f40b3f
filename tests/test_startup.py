"""Job start-up: imports under a paused, then frozen, garbage collector."""

import ast
import gc
import sys
from pathlib import Path

import pytest

from rbpgia.workflow.startup import fast_imports

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_startup  # noqa: E402

SCRIPTS = sorted((Path(__file__).parents[1] / "workflow" / "scripts").glob("*.py"))
# The only imports a script may make before its block: what starts logging, the block, and
# what chooses the Keras backend before the block imports Keras (rbpgia.device: the standard
# library and rbpgia.errors only).
BEFORE_BLOCK = {"rbpgia.workflow.logs", "rbpgia.workflow.startup", "rbpgia.device"}


@pytest.fixture
def restore_gc():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


@pytest.mark.usefixtures("restore_gc")
@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_inside_and_restored_after(enabled):
    (gc.enable if enabled else gc.disable)()
    with fast_imports():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("restore_gc")
def test_objects_alive_at_the_end_are_frozen():
    gc.unfreeze()
    with fast_imports():
        kept = [[i] for i in range(5_000)]  # 5,001 tracked containers
    assert gc.get_freeze_count() >= len(kept) + 1
    frozen = gc.get_freeze_count()
    created_after = [[i] for i in range(100)]
    # Later objects stay with the collector.
    assert gc.get_freeze_count() == frozen
    assert len(created_after) == 100


@pytest.mark.usefixtures("restore_gc")
def test_collector_restored_when_the_block_raises():
    gc.enable()
    with pytest.raises(ImportError), fast_imports():
        import rbpgia_no_such_module  # noqa: F401
    assert gc.isenabled()


def _module_names(node):
    if isinstance(node, ast.ImportFrom):
        return {node.module}
    return {alias.name for alias in node.names}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_import_inside_the_block(script):
    tree = ast.parse(script.read_text())
    blocks = [node for node in tree.body if bench_startup.is_fast_imports_block(node)]
    assert len(blocks) == 1, f"{script.name}: one `with fast_imports():` block expected"
    outside = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            outside |= _module_names(node)
    assert outside <= BEFORE_BLOCK, f"{script.name} imports {outside - BEFORE_BLOCK} outside it"
    assert all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in blocks[0].body)


def test_startup_benchmark_runs_each_scripts_imports_both_ways():
    block = bench_startup.import_block(SCRIPTS[0].parent / "gia_experiments.py")
    assert "from rbpgia.gia import run as gia_run" in block
    assert "from rbpgia.workflow.jobs import capped_motif_note, gia_prepare" in block
    variants = bench_startup.programs(block)
    assert set(variants) == {"plain", "fast_imports"}
    assert "fast_imports" not in variants["plain"]
    for code in variants.values():
        compile(code, "<job imports>", "exec")
    tree = ast.parse(variants["fast_imports"])
    assert isinstance(tree.body[-1], ast.With)
    assert ast.unparse(tree.body[-1].body[0]) == block.splitlines()[0]
