"""requirements.txt, environment.yml and the rules' conda env name the same pinned packages."""

import re
from pathlib import Path

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
