"""benchmarks/gpu_env_check.py's reading of a pip report, on a small made-up one (no network)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import gpu_env_check  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
INDEX = "https://files.pythonhosted.org/packages/xx"


def report(*packages: tuple[str, str]) -> dict:
    """A ``pip install --dry-run --report`` document with these (name, version)."""
    return {
        "install": [
            {
                "metadata": {"name": name, "version": version},
                "download_info": {"url": f"{INDEX}/{name}-{version}-py3-none-any.whl"},
            }
            for name, version in packages
        ]
    }


GOOD = report(
    ("tensorflow_cpu", "2.21.0"),
    ("jax", "0.10.2"),
    ("jaxlib", "0.10.2"),
    ("jax-cuda12-plugin", "0.10.2"),
    ("jax-cuda12-pjrt", "0.10.2"),
    ("nvidia-cudnn-cu12", "9.28.0.42"),
    ("numpy", "2.4.6"),
)
PINS = {"tensorflow-cpu": "2.21.0", "jax": "0.10.2", "jaxlib": "0.10.2", "numpy": "2.4.6"}


def test_the_gpu_requirements_pins_follow_the_cpu_file():
    pins = gpu_env_check.read_pins(REPO / "requirements-gpu.txt")
    cpu = gpu_env_check.read_pins(REPO / "requirements.txt")
    assert pins == {**cpu, "jax": "0.10.2", "jaxlib": "0.10.2"}
    assert pins["tensorflow-cpu"] == "2.21.0"


def test_a_resolution_with_every_pin_and_the_cuda_wheels_has_no_problems():
    packages = gpu_env_check.resolved(GOOD)
    assert packages["tensorflow-cpu"]["version"] == "2.21.0"  # names normalised
    assert gpu_env_check.problems(PINS, packages) == []


def test_a_moved_or_missing_pin_and_a_cpu_only_resolution_are_problems():
    packages = gpu_env_check.resolved(
        report(("tensorflow-cpu", "2.21.0"), ("jax", "0.10.3"), ("numpy", "2.4.6"))
    )
    assert gpu_env_check.problems(PINS, packages) == [
        "jax: pinned 0.10.2, resolved 0.10.3",
        "jaxlib: pinned 0.10.2, resolved nothing",
        "no NVIDIA CUDA library (nvidia-*) in the resolution: not a CUDA build",
    ]


def test_download_sizes_add_up_all_and_the_gpu_only_part():
    sizes = {"tensorflow-cpu": 250e6, "jax-cuda12-plugin": 20e6, "nvidia-cudnn-cu12": 700e6}

    packages = gpu_env_check.resolved(GOOD)
    by_url = {packages[name]["url"]: size for name, size in sizes.items()}
    download = gpu_env_check.download_sizes(packages, by_url.get)
    assert download["total_mb"] == 970.0
    assert download["gpu_only_mb"] == 720.0
    assert list(download["largest_mb"]) == [
        "nvidia-cudnn-cu12",
        "tensorflow-cpu",
        "jax-cuda12-plugin",
    ]
    assert download["unknown_size"] == ["jax", "jax-cuda12-pjrt", "jaxlib", "numpy"]


def test_a_local_wheel_is_sized_from_disk(tmp_path):
    wheel = tmp_path / "x-1.0-py3-none-any.whl"
    wheel.write_bytes(b"0" * 1234)
    assert gpu_env_check.file_size(wheel.as_uri()) == 1234
    assert gpu_env_check.file_size((tmp_path / "missing.whl").as_uri()) is None
