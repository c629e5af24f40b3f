"""The library stands alone: its wheel, installed outside the repository, runs GIA.

The wheel is built from the project's packaging files and ``src/`` (copied to a temporary
directory first, so that setuptools' in-tree ``build/`` and ``*.egg-info`` never land in the
checkout and no stale ``build/lib`` module of an earlier build slips into the wheel) with
this environment's pip and setuptools, then installed with ``--no-deps`` into a fresh
virtual environment in pytest's temporary directory. The dependencies (Keras, NumPy, ...)
come from this environment: a ``.pth`` file in the new environment's site-packages names
this environment's site-packages. Python adds a directory named in a ``.pth`` file to the
path without reading that directory's own ``.pth`` files, so the editable install of the
checkout (``__editable__.rbpgia-*.pth``) stays out, which the first test checks.

Everything runs with the working directory outside the repository and without
``PYTHONPATH``: the ``rbpgia`` command on a tiny saved Keras model, and the first Python
block of README's "Using the library" section, read from the README every time (only the
model path and the shipped data it reads are pointed at this test's files).

Skipped, with the reason, only when this environment cannot build a wheel at all (pip,
venv or the build backend missing); a build that fails is a failure.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
# What setuptools reads to build the wheel, besides src/.
PACKAGING_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md")
LICENCE_GLOBS = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
README_MODEL = "my_model.keras"
SEQUENCE_LENGTH = 41
RUN_TIMEOUT_S = 300


def missing_build_tools() -> str | None:
    """Why this environment cannot build and install the wheel, or None when it can."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    for module in ("pip", "venv"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed in {sys.prefix}"
    pip = importlib.metadata.version("pip")
    if Version(pip) < Version("22.3"):  # `pip --python` installs into a pip-less venv
        return f"pip {pip} in {sys.prefix} is older than 22.3 (no --python option)"
    build_system = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]
    requires = [Requirement(text) for text in build_system.get("requires", [])]
    versions = {}
    for requirement in requires:
        try:
            versions[requirement.name] = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            return f"the build requirement {requirement} is not installed in {sys.prefix}"
        if not requirement.specifier.contains(versions[requirement.name], prereleases=True):
            found = versions[requirement.name]
            return f"the build requirement {requirement} is not met ({found} in {sys.prefix})"
    setuptools = versions.get("setuptools")
    # setuptools before 70.1 builds wheels through the separate `wheel` package.
    old = setuptools is not None and Version(setuptools) < Version("70.1")
    if old and importlib.util.find_spec("wheel") is None:
        return f"setuptools {setuptools} needs the wheel package, not installed in {sys.prefix}"
    return None


def clean_env() -> dict[str, str]:
    """This process's environment without anything that would put the checkout on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"}
        and not key.startswith("PIP_")
    }
    env["PYTHONNOUSERSITE"] = "1"
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run(argv, cwd: Path, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )
    return result


def outside_repo(path: Path) -> Path:
    path = path.resolve()
    assert not path.is_relative_to(REPO), f"{path} lies inside the repository {REPO}"
    return path


def copy_project(destination: Path) -> None:
    destination.mkdir()
    names = [name for name in PACKAGING_FILES if (REPO / name).is_file()]
    names += [path.name for glob in LICENCE_GLOBS for path in REPO.glob(glob) if path.is_file()]
    for name in names:
        shutil.copy2(REPO / name, destination / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    shutil.copytree(REPO / "src", destination / "src", ignore=ignore)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment holding the installed wheel; its python and rbpgia."""
    reason = missing_build_tools()
    if reason:
        pytest.skip(f"cannot build the rbpgia wheel here: {reason}")
    root = outside_repo(tmp_path_factory.mktemp("wheel"))
    copy_project(root / "project")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    checked(
        run(
            [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir"]
            + ["--quiet", "-w", root / "dist", root / "project"],
            cwd=root,
        )
    )
    wheels = sorted((root / "dist").glob("rbpgia-*.whl"))
    assert len(wheels) == 1, f"expected one rbpgia wheel, found {wheels}"

    env_dir = root / "venv"
    checked(run([sys.executable, "-m", "venv", "--without-pip", env_dir], cwd=root))
    python = env_dir / "bin" / "python"
    # Installed before the .pth file exists, so pip sees an empty environment and never
    # this environment's (editable) rbpgia.
    checked(
        run(
            [*pip, "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheels[0]],
            cwd=root,
        )
    )
    probe = "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"
    paths = json.loads(checked(run([python, "-c", probe], cwd=root)).stdout)
    ours = sysconfig.get_paths()
    dependencies = dict.fromkeys([ours["purelib"], ours["platlib"]])  # ordered, no duplicates
    (Path(paths["purelib"]) / "rbpgia_test_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in dependencies)
    )
    return env_dir


@pytest.fixture(scope="module")
def model_and_background(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny saved Keras model on one-hot (41, 4) RNA, and 300 random 41-nt probes."""
    import keras

    root = outside_repo(tmp_path_factory.mktemp("wheel_inputs"))
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(SEQUENCE_LENGTH, 4)),
            keras.layers.Conv1D(8, 7, activation="relu"),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(1),
        ]
    )
    model.save(root / "model.keras")
    rng = np.random.default_rng(0)
    probes = rng.choice(list("ACGU"), size=(300, SEQUENCE_LENGTH))
    (root / "background.txt").write_text("".join("".join(row) + "\n" for row in probes))
    return root / "model.keras", root / "background.txt"


def test_the_wheel_is_imported_not_the_checkout(venv, tmp_path):
    probe = (
        "import json, sys, keras, rbpgia, rbpgia.cli, rbpgia.workflow\n"
        "from rbpgia.schema import load_schema\n"
        "print(json.dumps({'rbpgia': rbpgia.__file__, 'keras': keras.__file__,\n"
        "    'schema_keys': sorted(load_schema()['properties']), 'path': sys.path}))\n"
    )
    found = json.loads(
        checked(run([venv / "bin" / "python", "-c", probe], outside_repo(tmp_path))).stdout
    )
    rbpgia_file = Path(found["rbpgia"]).resolve()
    assert rbpgia_file.is_relative_to(venv.resolve()), found
    assert not rbpgia_file.is_relative_to(REPO), found
    # The dependencies come from this environment, through the .pth file only.
    assert Path(found["keras"]).resolve().is_relative_to(Path(sys.prefix).resolve()), found
    # No other rbpgia is on the path: not this checkout's src/, nor the one the editable
    # install of this environment names (its .pth file is not read).
    packages = [Path(entry) / "rbpgia" for entry in found["path"] if entry]
    others = [p for p in packages if p.is_dir() and not p.resolve().is_relative_to(venv.resolve())]
    assert not others, f"another rbpgia is on the installed environment's path: {others}"
    assert found["schema_keys"], "the config schema (package data) is not in the wheel"


@pytest.mark.parametrize(
    ("experiment", "options", "rows"),
    [
        ("motif_count", ["--motif", "UGCAUG"], None),
        ("kmer_search", ["--k", "3"], 4**3),
    ],
)
def test_installed_command_runs_gia(
    venv, model_and_background, tmp_path, experiment, options, rows
):
    model, background = model_and_background
    cwd = outside_repo(tmp_path)
    argv = [venv / "bin" / "rbpgia", "gia", experiment, "--model", model, "--background"]
    argv += [background, *options, "--n-null", "50", "--n-boot", "100", "--out", "out.tsv"]
    checked(run(argv, cwd))
    table = pd.read_csv(cwd / "out.tsv", sep="\t")
    assert len(table) > 0
    if rows is not None:
        assert len(table) == rows
    assert np.isfinite(table["importance"]).all(), table


def readme_example() -> str:
    """The first ```python block of README's "## Using the library" section."""
    text = (REPO / "README.md").read_text()
    section = re.search(r"^## Using the library\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, 'README.md has no "## Using the library" section'
    block = re.search(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
    assert block, 'README\'s "Using the library" section has no ```python block'
    return block.group(1)


def test_readme_library_example_runs_on_the_installed_wheel(venv, model_and_background, tmp_path):
    model, _ = model_and_background
    cwd = outside_repo(tmp_path)
    code = readme_example()
    assert README_MODEL in code, f"the README example no longer loads {README_MODEL!r}"
    code = code.replace(README_MODEL, str(model))
    # The shipped data the example reads, at the same relative path (linked, not copied).
    shipped = sorted(set(re.findall(r"""["'](resources/[^"']+)["']""", code)))
    for relative in shipped:
        source = REPO / relative
        assert source.exists(), f"the README example reads {relative}, which is not in the repo"
        (cwd / relative).parent.mkdir(parents=True, exist_ok=True)
        (cwd / relative).symlink_to(source, target_is_directory=source.is_dir())
    (cwd / "example.py").write_text(code)
    checked(run([venv / "bin" / "python", "example.py"], cwd))
