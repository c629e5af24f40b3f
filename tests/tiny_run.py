"""The TINY end-to-end run the workflow and SLURM tests share: made once per test session.

Under pytest-xdist every worker is a session of its own: the first worker to ask makes the
run in the folder the workers share; the others wait on its lock, then use it.
"""

import fcntl
import gzip
import io
import json
import os
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import yaml

# The whole TINY run takes a few minutes on an idle 2-core machine, several times that on a
# busy one.
RUN_TIMEOUT = int(os.environ.get("RBPGIA_E2E_TIMEOUT", "2400"))
WORKFLOW_TESTS = Path(__file__).resolve().parent / "workflow"
# Fields that record how long something took, not what it computed.
TIMES = {"seconds", "train_samples_per_s"}


def shared_folder(tmp_path_factory) -> Path:
    """The session's temporary folder, or under pytest-xdist the one above every worker's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def exclusive_lock(path: Path):
    """Hold ``path``'s lock across processes (pytest-xdist workers) until the block ends."""
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def finished_tiny_run(tmp_path_factory) -> Path:
    """The working directory of a finished run of the TINY config (results/tiny/...).

    Set RBPGIA_TINY_RUN to the working directory of an earlier TINY run to reuse it (it is
    brought up to date first) while iterating on tests.
    """
    if str(WORKFLOW_TESTS) not in sys.path:  # the SLURM tests ask for it from tests/slurm
        sys.path.insert(0, str(WORKFLOW_TESTS))
    from test_end_to_end import REPO, SNAKEMAKE, TINY

    reuse = os.environ.get("RBPGIA_TINY_RUN")
    shared = shared_folder(tmp_path_factory)
    workdir = Path(reuse) if reuse else shared / "tiny_run"
    done = shared / "tiny_run.done"
    with exclusive_lock(shared / "tiny_run.lock"):
        if not done.exists():
            (workdir / "config").mkdir(parents=True, exist_ok=True)
            (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(TINY))
            result = subprocess.run(
                [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
                + ["--cores", "2"],
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
            done.touch()
    return workdir


def result_files(workdir: Path, dataset: str = "tiny") -> list[Path]:
    """A run's outputs as a later step would see them, relative to results/<dataset>: no
    logs, per-job timings, hidden temporaries, or the report beside the folders."""
    root = workdir / "results" / dataset
    if not root.exists():
        return []
    files = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if (
            path.is_file()
            and len(parts) > 1
            and not {"logs", "timings"} & set(parts)
            and not any(part.startswith(".") for part in parts)
            and not path.name.endswith((".tmp", ".part"))
        ):
            files.append(Path(*parts))
    return sorted(files)


def h5_arrays(source) -> dict[str, np.ndarray]:
    """Every dataset of an HDF5 file (a path or a file object), by name."""
    arrays = {}

    def keep(name, obj):
        if isinstance(obj, h5py.Dataset):
            arrays[name] = obj[()]

    with h5py.File(source, "r") as h5:
        h5.visititems(keep)
    return arrays


def _same_arrays(left: dict, right: dict) -> bool:
    return left.keys() == right.keys() and all(
        np.array_equal(left[name], right[name], equal_nan=np.asarray(left[name]).dtype.kind == "f")
        for name in left
    )


def _without_times(value):
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIMES}
    return value


def same_output(ours: Path, reference: Path) -> bool:
    """Whether an output file is complete and holds what the reference run's does.

    Exact, by kind, but for wall-clock fields (:data:`TIMES`) and what is not a result:
    a ``.keras`` archive's save time (its weights are compared), a figure's bytes (it must
    be a complete PNG or PDF).
    """
    suffix = reference.suffix
    if suffix == ".png":
        return ours.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and ours.stat().st_size > 1000
    if suffix == ".pdf":
        return ours.read_bytes().rstrip().endswith(b"%%EOF")
    if suffix == ".keras":
        try:
            with zipfile.ZipFile(ours) as a, zipfile.ZipFile(reference) as b:
                if a.testzip() is not None:
                    return False
                weights = [h5_arrays(io.BytesIO(z.read("model.weights.h5"))) for z in (a, b)]
        except (zipfile.BadZipFile, KeyError):  # cut short, or no weights in it
            return False
        return _same_arrays(*weights)
    if suffix == ".gz":
        return gzip.decompress(ours.read_bytes()) == gzip.decompress(reference.read_bytes())
    if suffix == ".json":
        x, y = (_without_times(json.loads(path.read_text())) for path in (ours, reference))
        return x == y
    if suffix == ".npz":
        with np.load(ours, allow_pickle=False) as x, np.load(reference, allow_pickle=False) as y:
            return _same_arrays(dict(x), dict(y))
    if suffix == ".h5":
        return _same_arrays(h5_arrays(ours), h5_arrays(reference))
    if suffix == ".tsv":  # byte for byte but for wall-clock columns (history.tsv's seconds)
        if ours.read_bytes() == reference.read_bytes():
            return True
        x, y = pd.read_csv(ours, sep="\t"), pd.read_csv(reference, sep="\t")
        timing = list(TIMES & set(y.columns))
        drop = {"columns": timing, "errors": "ignore"}
        return bool(timing) and x.drop(**drop).to_csv() == y.drop(**drop).to_csv()
    return ours.read_bytes() == reference.read_bytes()
