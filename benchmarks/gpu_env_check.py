"""Does the GPU environment resolve against PyPI, and how large is it? (needs the network)

Runs ``pip install --dry-run --ignore-installed --report`` on requirements-gpu.txt (what
``make venv GPU=1`` installs) with this Python, so nothing is installed, then checks the
resolution: every pin of requirements.txt and requirements-jax.txt resolved to its pinned
version, and JAX's CUDA plugin and the NVIDIA wheels are part of it. With ``--sizes`` it also
asks the package index for each resolved file's size (one HEAD request per file) and adds
up the download, all of it and the part only the GPU environment needs (JAX's CUDA build
and the NVIDIA libraries). ``make gpu-env-check`` runs it; docs/performance.md has the
recorded result. tests/test_environment.py checks the same files without the network.

Usage: ``python benchmarks/gpu_env_check.py --sizes --out results/bench/gpu_env.json``
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parents[1]
# Distributions only the GPU environment downloads: JAX's CUDA plugin and NVIDIA's libraries.
GPU_ONLY = re.compile(r"^(jax-cuda\d+-(plugin|pjrt)|nvidia-.*)$")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """``name -> version`` of a requirements file's ``name[extra]==version`` lines;
    ``-r other.txt`` lines are followed."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            pins.update(read_pins(path.parent / line[2:].strip()))
            continue
        name, version = line.split("==")
        pins[normalise(name.split("[")[0])] = version
    return pins


def resolved(report: dict) -> dict[str, dict]:
    """``name -> {version, url}`` of every distribution in a ``pip --report`` install list."""
    return {
        normalise(item["metadata"]["name"]): {
            "version": item["metadata"]["version"],
            "url": item["download_info"]["url"],
        }
        for item in report["install"]
    }


def problems(pins: dict[str, str], packages: dict[str, dict]) -> list[str]:
    """What is wrong with a resolution: a pin resolved to another version or not at all, or
    no CUDA library (empty: the GPU environment resolves as pinned)."""
    found = []
    for name, version in sorted(pins.items()):
        got = packages.get(name, {}).get("version")
        if got != version:
            found.append(f"{name}: pinned {version}, resolved {got or 'nothing'}")
    if not any(name.startswith("nvidia-") for name in packages):
        found.append("no NVIDIA CUDA library (nvidia-*) in the resolution: not a CUDA build")
    return found


def file_size(url: str) -> int | None:
    """Bytes of one resolved file: a local file's size, else the index's Content-Length."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
        return path.stat().st_size if path.is_file() else None
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=60) as response:
        length = response.headers.get("Content-Length")
    return int(length) if length else None


def download_sizes(packages: dict[str, dict], size_of=file_size) -> dict:
    """Download in MB, all of it and the GPU-only part, with the ten largest files."""
    sizes = {name: size_of(info["url"]) for name, info in packages.items()}
    known = {name: size for name, size in sizes.items() if size is not None}
    mb = 1e6
    largest = sorted(known, key=known.get, reverse=True)[:10]
    return {
        "total_mb": round(sum(known.values()) / mb, 1),
        "gpu_only_mb": round(sum(s for n, s in known.items() if GPU_ONLY.match(n)) / mb, 1),
        "largest_mb": {name: round(known[name] / mb, 1) for name in largest},
        "unknown_size": sorted(set(sizes) - set(known)),
    }


def dry_run(requirements: Path, python: str = sys.executable) -> tuple[dict, float]:
    """pip's ``--report`` of installing ``requirements`` into an empty environment, and the
    seconds the resolution took."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [
            python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
            "--disable-pip-version-check", "--report", str(report), "-r", str(requirements),
        ]  # fmt: skip
        start = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - start
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise SystemExit(f"pip could not resolve {requirements}:\n{tail}")
        return json.loads(report.read_text()), seconds


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-r", "--requirements", type=Path, default=REPO / "requirements-gpu.txt",
        help="requirements file to resolve",
    )  # fmt: skip
    parser.add_argument("--sizes", action="store_true", help="add up the download (HEADs)")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)

    report, seconds = dry_run(args.requirements)
    packages = resolved(report)
    pins = read_pins(args.requirements)
    if args.requirements.resolve() == (REPO / "requirements-gpu.txt").resolve():
        pins.update(read_pins(REPO / "requirements-jax.txt"))  # the same JAX as the CPU side
    found = problems(pins, packages)
    result = {
        "check": "GPU environment resolves against the package index (pip --dry-run)",
        "requirements": str(args.requirements),
        "python": sys.version.split()[0],
        "platform": report.get("environment", {}).get("platform_machine"),
        "pip": report.get("pip_version"),
        "resolve_s": round(seconds, 1),
        "distributions": len(packages),
        "cuda": {
            name: info["version"] for name, info in sorted(packages.items()) if GPU_ONLY.match(name)
        },
        "problems": found,
    }
    if args.sizes:
        result["download"] = download_sizes(packages)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    size = ""
    if args.sizes:
        download = result["download"]
        size = f", {download['total_mb']:,.0f} MB ({download['gpu_only_mb']:,.0f} MB GPU-only)"
    print(
        f"{args.requirements.name}: {len(packages)} distributions resolved in {seconds:.0f} s"
        f"{size}; " + ("OK" if not found else "PROBLEMS:\n  " + "\n  ".join(found))
    )
    if found:
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
