"""requirements.txt, environment.yml and the rules' conda env name the same pinned packages;
the GPU environment (requirements-gpu.txt, environment-gpu.yml) is them plus JAX's CUDA build."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_from_requirements(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[normalise(name)] = version
    return pins


def pins_from_conda(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    pip = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    pins = {}
    for entry in pip:
        if entry.startswith("-e"):
            continue
        name, version = entry.split("==")
        pins[normalise(name)] = version
    return pins


def test_every_requirement_is_pinned():
    pins = pins_from_requirements(REPO / "requirements.txt")
    assert len(pins) >= 15
    assert all(re.fullmatch(r"[0-9][0-9a-z.]*", v) for v in pins.values())


def test_conda_files_match_requirements():
    expected = pins_from_requirements(REPO / "requirements.txt")
    assert pins_from_conda(REPO / "environment.yml") == expected
    assert pins_from_conda(REPO / "workflow" / "envs" / "rbpgia.yaml") == expected


def test_conda_files_install_the_package_and_python():
    for path in (REPO / "environment.yml", REPO / "workflow" / "envs" / "rbpgia.yaml"):
        env = yaml.safe_load(path.read_text())
        assert any(str(dep).startswith("python=3.11") for dep in env["dependencies"])
        pip = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
        assert any(entry.startswith("-e") for entry in pip)


# ------------------------------------------------------------------ the GPU environment


def gpu_pins() -> dict[str, str]:
    """requirements-gpu.txt's own pins (its ``-r requirements.txt`` line aside), extras dropped."""
    pins = {}
    for line in (REPO / "requirements-gpu.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            name, version = line.split("==")
            pins[normalise(name.split("[")[0])] = version
    return pins


def pins_from_conda_raw(name: str) -> list[tuple[str, str]]:
    env = yaml.safe_load((REPO / name).read_text())
    pip = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    return [tuple(entry.split("==")) for entry in pip if not entry.startswith("-e")]


def test_gpu_requirements_are_the_cpu_pins_plus_jaxs_cuda_build():
    lines = [line.split("#", 1)[0].strip() for line in (REPO / "requirements-gpu.txt").open()]
    assert "-r requirements.txt" in lines  # every CPU pin, tensorflow-cpu included
    assert "jax[cuda12]==0.10.2" in lines
    # The same JAX and jaxlib as the CPU side's requirements-jax.txt, and nothing else.
    assert gpu_pins() == pins_from_requirements(REPO / "requirements-jax.txt")


def test_gpu_conda_file_is_the_conda_file_plus_the_gpu_pins():
    cpu = pins_from_conda(REPO / "environment.yml")
    gpu = {normalise(n.split("[")[0]): v for n, v in pins_from_conda_raw("environment-gpu.yml")}
    assert gpu == {**cpu, **gpu_pins()}
    env = yaml.safe_load((REPO / "environment-gpu.yml").read_text())
    assert env["name"] == "rbpgia-gpu"
    assert (
        env["dependencies"][:2]
        == yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"][:2]
    )
    assert "jax[cuda12]==0.10.2" in env["dependencies"][2]["pip"]


def test_jax_pin_comments_point_at_the_gpu_environment():
    """The CPU side's note on a GPU names the one-command GPU environment."""
    assert "make venv GPU=1" in (REPO / "requirements-jax.txt").read_text()


def test_make_venv_gpu_installs_the_gpu_requirements_and_keeps_the_cpu_default():
    """`make -n` (prints, runs nothing): the GPU recipe installs requirements-gpu.txt, the
    default one requirements.txt and JAX for the CPU beside it."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")

    def plan(*args: str) -> str:
        done = subprocess.run(
            ["make", "-n", "-C", str(REPO), "venv", "VENV=/nonexistent/venv", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    gpu = plan("GPU=1")
    assert "-r requirements-gpu.txt" in gpu
    assert "--target /nonexistent/venv/jax" not in gpu
    assert "-m rbpgia.device" in gpu
    cpu = plan()
    assert "-r requirements.txt" in cpu
    assert "requirements-gpu.txt" not in cpu
    assert "--target /nonexistent/venv/jax -r requirements-jax.txt" in cpu


def test_a_gpu_venv_is_kept_by_later_make_calls(tmp_path):
    """The GPU stamp marks the venv: `make demo` (no GPU=1) uses it as it is, and asking for
    the CPU environment on top of it stops with what to do."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    stamp = tmp_path / ".rbpgia-gpu-installed"
    stamp.touch()

    def plan(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-n", "-C", str(REPO), *args, f"VENV={tmp_path}"],
            capture_output=True,
            text=True,
        )

    demo = plan("demo").stdout
    assert "pip install" not in demo
    assert f"{tmp_path}/bin/snakemake --cores" in demo
    assert "Nothing to be done" in plan("venv").stdout
    cpu = plan("venv", "GPU=0").stdout
    assert "is the GPU environment (make venv GPU=1)" in cpu


def test_the_rules_gpu_environment_is_environment_gpu_yml():
    """workflow/envs/rbpgia-gpu.yaml (rules booking a GPU under --use-conda) has the GPU
    environment's pins and installs the package from the repository root."""
    rules = REPO / "workflow" / "envs" / "rbpgia-gpu.yaml"
    assert pins_from_conda_raw(str(rules.relative_to(REPO))) == pins_from_conda_raw(
        "environment-gpu.yml"
    )
    env = yaml.safe_load(rules.read_text())
    top = yaml.safe_load((REPO / "environment-gpu.yml").read_text())
    assert env["name"] == top["name"]
    assert env["channels"] == top["channels"]
    assert env["dependencies"][:2] == top["dependencies"][:2]
    assert env["dependencies"][2]["pip"][-1] == "-e ../.."
