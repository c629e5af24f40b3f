"""The device a job computes on, and the check that a job given a GPU uses it.

A training or GIA job may be given a GPU three ways: the workflow's ``gpu`` resource (or a
``gres`` naming one), ``CUDA_VISIBLE_DEVICES``, or SLURM's GPU variables. Whether the Keras
backend then computes on it depends on the environment: the default one pins the CPU
build of TensorFlow, and the GPU environment (``make venv GPU=1``, environment-gpu.yml)
adds JAX's CUDA build, which :func:`default_backend` then selects. A job given a GPU that
its backend cannot see stops with :func:`require_gpu`'s message instead of training for
hours on the CPU beside an idle GPU, unless the user allowed that fallback.

The decisions are pure functions of an environment mapping, the job's resources and a
:class:`Devices` description, so tests simulate a booked GPU on a CPU machine;
:func:`backend_devices` and :func:`check_job` are the parts that ask the real backend.

``python -m rbpgia.device`` prints what a job here would compute on (exit status 1 with
the message where a GPU is booked and unseen): the check to run on a GPU node.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass

from rbpgia.errors import RbpgiaError

# Variables SLURM sets in a job's environment when GPUs were allocated to it: a count,
# then two lists of GPU indices.
SLURM_GPU_COUNT = "SLURM_GPUS_ON_NODE"
SLURM_GPU_LISTS = ("SLURM_JOB_GPUS", "SLURM_STEP_GPUS")
FALLBACK_VARIABLE = "RBPGIA_ALLOW_CPU_FALLBACK"
TRUE_WORDS = ("1", "true", "yes", "on")
# Top-level modules of JAX's CUDA plugin: installed only in the GPU environment.
JAX_CUDA_PLUGINS = ("jax_cuda12_plugin", "jax_cuda13_plugin")
# Rows per compiled forward call of GIA. On a CPU 1024 rows already amortise a call
# (make_predict_fn's default). On a GPU a ResidualBind row is about 9.6 MFLOP, so 16,384
# rows are about 0.16 TFLOP, milliseconds of a data-centre GPU and far above its launch
# overhead; the k-mer search (16 k-mers x 1,000 nulls) and the experiments
# (importance.BATCH_ROWS) send at most about 16,384 rows per call, so a larger batch would
# only be zero padding. benchmarks/bench_gpu.py times 4,096, 16,384 and 65,536.
CPU_BATCH_SIZE = 1024
GPU_BATCH_SIZE = 16384


class DeviceError(RbpgiaError):
    """A job was given a GPU that its Keras backend cannot compute on."""


@dataclass(frozen=True)
class Devices:
    """What the Keras backend computes on: its name, its GPUs' names (none: the CPU), and
    whether the backend's installed build can use CUDA at all."""

    backend: str
    gpus: tuple[str, ...] = ()
    cuda_build: bool = False

    def describe(self) -> str:
        """E.g. ``jax on GPU: NVIDIA H100 80GB HBM3`` or ``tensorflow on CPU``."""
        if not self.gpus:
            return f"{self.backend} on CPU"
        return f"{self.backend} on GPU: {', '.join(self.gpus)}"


def has_module(name: str) -> bool:
    """Whether a top-level module is installed, without importing it."""
    return importlib.util.find_spec(name) is not None


def default_backend(installed: Callable[[str], bool] = has_module) -> str:
    """``jax`` where JAX's CUDA plugin is installed (the GPU environment), else ``tensorflow``."""
    return "jax" if any(installed(name) for name in JAX_CUDA_PLUGINS) else "tensorflow"


def use_default_backend(
    environ: MutableMapping[str, str] | None = None,
    installed: Callable[[str], bool] = has_module,
) -> str:
    """Set ``KERAS_BACKEND`` to :func:`default_backend` unless the user set it; return it.

    Call it before Keras is first imported: Keras reads the variable once, at import. On
    JAX, GPU memory is then taken as needed rather than 75% of it up front (unless
    ``XLA_PYTHON_CLIENT_PREALLOCATE`` is set): the workflow runs several small jobs on one
    GPU at once, and the second one's preallocation would not fit.
    """
    environ = os.environ if environ is None else environ
    if not environ.get("KERAS_BACKEND"):
        environ["KERAS_BACKEND"] = default_backend(installed)
    if environ["KERAS_BACKEND"] == "jax":
        environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    return environ["KERAS_BACKEND"]


# What TensorFlow's C++ runtime writes to stderr as it loads, before Python can filter it
# (TF_CPP_MIN_LOG_LEVEL does not reach these): a notice per shared library, not news.
BACKEND_LOAD_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called|oneDNN custom operations are on"
)


def import_keras_quietly():
    """Import Keras (and its backend) without the backend's start-up notices on stderr.

    The native stderr is captured while the backend loads and written back at once, less
    the lines :data:`BACKEND_LOAD_NOISE` matches: a warning or a crash report still shows.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = [line for line in text.splitlines(True) if not BACKEND_LOAD_NOISE.search(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
    return keras


def lists_devices(visible: str) -> bool:
    """Whether a ``CUDA_VISIBLE_DEVICES`` value exposes a GPU.

    CUDA reads the list up to its first invalid entry, so an empty value, ``-1`` first, or
    SLURM's ``NoDevFiles`` (a job on a GPU node that was given none) hide every GPU.
    """
    first = visible.split(",")[0].strip()
    if not first or first == "NoDevFiles":
        return False
    try:
        return int(first) >= 0
    except ValueError:  # GPU-<uuid> or MIG-<uuid>
        return True


def booked_gpus(environ: Mapping[str, str], resources: Mapping | None = None) -> list[str]:
    """Why this job counts as given a GPU, one entry per source (empty: it was not).

    ``resources`` is the job's Snakemake resources (``snakemake.resources``: ``gpu`` and
    perhaps ``gres``); ``environ`` its environment (CUDA and SLURM variables).
    """
    reasons = []
    resources = resources if resources is not None else {}
    gpu = resources.get("gpu", 0) or 0
    if int(gpu) > 0:
        reasons.append(f"resources gpu={gpu}")
    gres = str(resources.get("gres", "") or "")
    if "gpu" in gres.lower():
        reasons.append(f"resources gres={gres}")
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and lists_devices(visible):
        reasons.append(f"CUDA_VISIBLE_DEVICES={visible}")
    count = environ.get(SLURM_GPU_COUNT, "").strip()
    if count.isdigit() and int(count) > 0:
        reasons.append(f"{SLURM_GPU_COUNT}={count}")
    for name in SLURM_GPU_LISTS:
        value = environ.get(name, "").strip()
        if value:
            reasons.append(f"{name}={value}")
    return reasons


def allow_fallback(environ: Mapping[str, str], configured: bool = False) -> bool:
    """The config's ``allow_cpu_fallback``, or ``RBPGIA_ALLOW_CPU_FALLBACK`` set to a yes."""
    return bool(configured) or environ.get(FALLBACK_VARIABLE, "").strip().lower() in TRUE_WORDS


INSTALL_HINT = (
    "Install the GPU environment with `make venv GPU=1` (conda: `conda env create -f "
    "environment-gpu.yml`), which adds JAX's CUDA build and makes the jobs use it, and check "
    "a GPU node with `python -m rbpgia.device`."
)


def missing_gpu_message(
    devices: Devices, booked: list[str], installed: Callable[[str], bool] = has_module
) -> str:
    """The job's GPU, why the backend cannot see it, and how to install the GPU build."""
    if devices.backend != "jax" and default_backend(installed) == "jax":
        why = (
            f"KERAS_BACKEND={devices.backend} chose it although JAX's CUDA build is "
            "installed; unset KERAS_BACKEND to use that."
        )
    elif devices.cuda_build:
        why = (
            "Its CUDA build is installed but found no usable GPU (check the NVIDIA driver "
            "with nvidia-smi, and CUDA_VISIBLE_DEVICES)."
        )
    else:
        why = f"This environment has the CPU-only build of {devices.backend}."
    return (
        f"this job was given a GPU ({', '.join(booked)}), but Keras's {devices.backend} "
        f"backend sees none, so it would compute on the CPU while the GPU sits idle. {why}"
    )


def require_gpu(
    devices: Devices,
    booked: list[str],
    fallback: bool,
    installed: Callable[[str], bool] = has_module,
) -> str | None:
    """None where the job computes on what it was given; the warning where it falls back.

    Raises
    ------
    DeviceError
        The job was given a GPU, the backend sees none and the fallback is not allowed;
        one paragraph that says how to install the GPU environment.
    """
    if not booked or devices.gpus:
        return None
    message = missing_gpu_message(devices, booked, installed)
    # The GPU environment is already there when a CUDA build is: then the cause says more.
    gpu_environment = devices.cuda_build or default_backend(installed) == "jax"
    hint = "" if gpu_environment else f" {INSTALL_HINT}"
    if fallback:
        return f"{message} Continuing on the CPU, as allow_cpu_fallback allows.{hint}"
    raise DeviceError(
        f"{message}{hint} To run on the CPU anyway, set training.allow_cpu_fallback "
        f"(or gia.allow_cpu_fallback): true in the config, or {FALLBACK_VARIABLE}=1."
    )


def gia_batch_size(configured: int | None, devices: Devices) -> int:
    """Rows per compiled forward call: ``gia.batch_size`` if set, else by device."""
    if configured is not None:
        return int(configured)
    return GPU_BATCH_SIZE if devices.gpus else CPU_BATCH_SIZE


def backend_devices() -> Devices:
    """The devices the current Keras backend computes on (imports Keras and the backend)."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        gpus = tuple(d.device_kind for d in jax.devices() if d.platform != "cpu")
        return Devices(backend, gpus, any(has_module(name) for name in JAX_CUDA_PLUGINS))
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tuple(
            tf.config.experimental.get_device_details(device).get("device_name", device.name)
            for device in tf.config.list_physical_devices("GPU")
        )
        return Devices(backend, gpus, tf.test.is_built_with_cuda())
    if backend == "torch":
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        gpus = tuple(torch.cuda.get_device_name(i) for i in range(count))
        return Devices(backend, gpus, torch.version.cuda is not None)
    return Devices(backend)


def check_job(
    resources: Mapping | None = None,
    *,
    allow_cpu_fallback: bool = False,
    environ: Mapping[str, str] | None = None,
    log: logging.Logger | None = None,
) -> Devices:
    """Log the job's device; stop a job given a GPU that its backend cannot see.

    Raises
    ------
    DeviceError
        As :func:`require_gpu`, unless ``allow_cpu_fallback`` or
        ``RBPGIA_ALLOW_CPU_FALLBACK`` allows the CPU (then it logs a warning).
    """
    environ = os.environ if environ is None else environ
    log = log or logging.getLogger("rbpgia")
    devices = backend_devices()
    booked = booked_gpus(environ, resources)
    given = f" (given a GPU: {', '.join(booked)})" if booked else ""
    log.info("device: %s%s", devices.describe(), given)
    warning = require_gpu(devices, booked, allow_fallback(environ, allow_cpu_fallback))
    if warning:
        log.warning(warning)
    return devices


def main() -> int:
    """``python -m rbpgia.device``: the device a job here computes on (1: a GPU is unseen)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    use_default_backend()
    try:
        check_job()
    except DeviceError as error:
        print(f"rbpgia: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
