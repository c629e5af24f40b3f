"""One model, two formats: GIA throughput through Keras and through ONNX Runtime.

The model is the first trained ``results/*/models/residualbind_seq_log/*/model.keras``
(what ``make demo`` leaves), else a random-weight ResidualBind (``"trained": false``). It
is exported to ONNX (:func:`rbpgia.models.onnx_export.keras_to_onnx`) and both files are
opened as every GIA job opens its model (:func:`rbpgia.gia.model_io.open_model`), so the
numbers are those of the path GIA runs, output selection and layout conversion included:

* ``forward_seq_per_s``: ``predict`` on ``--n`` random one-hot probes (best and median of
  ``--repeats``), and the largest difference between the two formats' scores;
* ``kmer_search_s``: the exhaustive search of every ``--k``-mer on ``--n-null`` profile
  nulls through :func:`rbpgia.gia.run.search`, and whether both formats rank the same
  top 10 k-mers;
* ``install_mb``: the disk taken by the ``onnx`` and ``onnxruntime`` packages (their
  site-packages folders and dist-info), and which of their requirements nothing else in
  the environment needs (those would be added too).

Usage: ``python benchmarks/bench_formats.py --out results/bench/formats.json``
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import os
import re
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from machine import describe, spread, timed, write_report  # noqa: E402

from rbpgia.gia import run as gia_run  # noqa: E402
from rbpgia.gia.model_io import open_model  # noqa: E402
from rbpgia.models import build_residualbind  # noqa: E402
from rbpgia.models.onnx_export import keras_to_onnx  # noqa: E402
from rbpgia.train import load_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = "results/*/models/residualbind_seq_log/*/model.keras"
PACKAGES = ("onnx", "onnxruntime")


def folder_mb(path: Path) -> float:
    """Disk taken by the files under ``path``, in MB (10^6 bytes)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def requirement_names(package: str) -> list[str]:
    """The names of ``package``'s unconditional requirements (no extras)."""
    names = []
    for text in importlib.metadata.requires(package) or []:
        if "extra ==" in text:
            continue
        names.append(re.match(r"[A-Za-z0-9_.-]+", text).group(0).lower().replace("_", "-"))
    return names


def needed_elsewhere(name: str, excluded: tuple[str, ...]) -> list[str]:
    """Installed packages, besides ``excluded``, that require ``name``."""
    users = []
    for dist in importlib.metadata.distributions():
        owner = dist.metadata["Name"]
        if owner is None or owner.lower() in excluded:
            continue
        for text in dist.requires or []:
            if "extra ==" in text:
                continue
            required = re.match(r"[A-Za-z0-9_.-]+", text).group(0).lower().replace("_", "-")
            if required == name:
                users.append(owner)
                break
    return sorted(users)


def install_size() -> dict:
    """MB of each package's import folder and dist-info; requirements only they need."""
    sizes = {}
    for package in PACKAGES:
        dist = importlib.metadata.distribution(package)
        root = Path(dist.locate_file(""))
        folders = [root / package, *root.glob(f"{package}-*.dist-info")]
        sizes[package] = round(sum(folder_mb(f) for f in folders if f.exists()), 1)
    only_theirs = {
        name: True
        for package in PACKAGES
        for name in requirement_names(package)
        if not needed_elsewhere(name, PACKAGES)
    }
    return {
        "packages_mb": sizes,
        "total_mb": round(sum(sizes.values()), 1),
        "requirements_needed_by_nothing_else": sorted(only_theirs),
        "site_packages_mb": round(folder_mb(root), 1),
    }


def the_model(pattern: str):
    """The first trained model matching ``pattern``, else a random-weight ResidualBind."""
    found = sorted(glob.glob(str(REPO / pattern)))
    if found:
        return load_model(found[0]), {
            "model": os.path.relpath(found[0], REPO),
            "trained": True,
        }
    return build_residualbind((41, 4), seed=0), {
        "model": "untrained ResidualBind",
        "trained": False,
    }


def forward(model, x: np.ndarray, repeats: int) -> tuple[np.ndarray, dict]:
    model.predict(x[:1])  # compile / warm up
    runs = [timed(model.predict, x) for _ in range(repeats)]
    scores = runs[0][0]
    per_s = [len(x) / seconds for _, seconds in runs]
    return scores, {"best": max(per_s), **spread(per_s)}


def kmer_search(model, nulls: np.ndarray, options: dict) -> tuple[list[str], float]:
    run = gia_run.prepare(model.predictor(threads=1), nulls, options, measured=None)
    table, seconds = timed(gia_run.search, run, options)
    return table["kmer"].head(10).tolist(), seconds


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help="glob of model.keras files")
    parser.add_argument("--n", type=int, default=20000, help="probes per forward pass")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--k", type=int, default=5, help="k of the k-mer search")
    parser.add_argument("--n-null", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    keras_model, source = the_model(args.models)
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (args.n, 41))]
    nulls = x[: args.n_null]
    options = gia_run.settings(
        {"k": args.k, "n_null": args.n_null, "adaptive": False, "nulls": "profile", "seed": 0}
    )
    report = {"machine": describe(), **source, "n": args.n, "k": args.k, "n_null": args.n_null}
    with tempfile.TemporaryDirectory() as tmp:
        keras_path = Path(tmp) / "model.keras"
        keras_model.save(keras_path)
        onnx_path = keras_to_onnx(keras_model, Path(tmp) / "model.onnx")
        report["onnx_file_mb"] = round(onnx_path.stat().st_size / 1e6, 2)
        report["keras_file_mb"] = round(keras_path.stat().st_size / 1e6, 2)
        scores, searches = {}, {}
        for kind, path in (("keras", keras_path), ("onnx", onnx_path)):
            model = open_model(path)
            scores[kind], report.setdefault("forward_seq_per_s", {})[kind] = forward(
                model, x, args.repeats
            )
            searches[kind], seconds = kmer_search(model, nulls, options)
            report.setdefault("kmer_search_s", {})[kind] = seconds
    report["max_abs_difference"] = float(np.abs(scores["keras"] - scores["onnx"]).max())
    report["same_top10_kmers"] = searches["keras"] == searches["onnx"]
    speed = report["forward_seq_per_s"]
    report["onnx_over_keras_forward"] = speed["onnx"]["median"] / speed["keras"]["median"]
    search = report["kmer_search_s"]
    report["onnx_over_keras_search"] = search["keras"] / search["onnx"]
    report["install_mb"] = install_size()
    write_report(report, args.out)
    print(f"model: {report['model']} (trained: {report['trained']})")
    for kind in ("keras", "onnx"):
        print(
            f"{kind:>6}: forward {speed[kind]['median']:,.0f} seq/s "
            f"(best {speed[kind]['best']:,.0f}), "
            f"{4**args.k}-mer search on {args.n_null} nulls {search[kind]:.1f} s"
        )
    print(
        f"ONNX / Keras: forward x{report['onnx_over_keras_forward']:.2f}, search "
        f"x{report['onnx_over_keras_search']:.2f}; max |difference| "
        f"{report['max_abs_difference']:.2g}; same top 10: {report['same_top10_kmers']}"
    )
    install = report["install_mb"]
    print(
        f"install: {install['packages_mb']} = {install['total_mb']} MB of "
        f"{install['site_packages_mb']} MB site-packages; requirements nothing else needs: "
        f"{install['requirements_needed_by_nothing_else'] or 'none'}"
    )
    return report


if __name__ == "__main__":
    main()
