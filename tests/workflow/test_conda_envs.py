"""Under --use-conda, the rules that book a GPU run in the GPU environment, the rest in the
CPU one (the workflow is parsed through Snakemake's API; no conda needed)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GIA_GPU_RULES = {
    "gia_kmer_search",
    "gia_experiments",
    "gia_structure",
    "gia_ism",
    "predict_external",
}

PARSE = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import (
    ConfigSettings, OutputSettings, ResourceSettings, StorageSettings, WorkflowSettings,
)
with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
    workflow = api.workflow(
        resource_settings=ResourceSettings(),
        config_settings=ConfigSettings(configfiles=[Path(p) for p in sys.argv[2:]]),
        storage_settings=StorageSettings(),
        workflow_settings=WorkflowSettings(),
        snakefile=Path(sys.argv[1]),
        workdir=Path("."),
    )
    print(json.dumps({rule.name: rule.conda_env for rule in workflow._workflow.rules}))
"""


def conda_envs(tmp_path, **sections) -> dict[str, str]:
    """Each rule's conda environment with ``sections`` merged over the shipped config."""
    override = tmp_path / "override.yaml"
    override.write_text(yaml.safe_dump(sections))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PARSE,
            str(REPO / "Snakefile"),
            str(REPO / "config" / "config.yaml"),
            str(override),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("sections", "on_gpu"),
    [
        ({}, set()),
        ({"training": {"gpu": True}}, {"train_keras"}),
        ({"training": {"gpu": True, "group_size": 4}}, {"train_keras_group"}),
        ({"gia": {"gpu": True}}, GIA_GPU_RULES),
    ],
)
def test_rules_that_book_a_gpu_get_the_gpu_environment(tmp_path, sections, on_gpu):
    envs = conda_envs(tmp_path, **sections)
    gpu = {rule for rule, env in envs.items() if env == "../envs/rbpgia-gpu.yaml"}
    assert gpu == on_gpu
    # Every other rule keeps the CPU environment (localrules without one aside).
    assert {env for rule, env in envs.items() if rule not in gpu and env} == {"../envs/rbpgia.yaml"}
    assert (REPO / "workflow" / "envs" / "rbpgia-gpu.yaml").is_file()
