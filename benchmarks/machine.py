"""What every benchmark report says about the machine, and its FP32 peak.

The peak is derived, not measured: cores x clock x FP32 FLOPs per cycle per core, where
FLOPs per cycle = SIMD lanes (16 with AVX-512, 8 with AVX2, 4 with SSE) x 2 (a fused
multiply-add counts two) x FMA pipes per core. Two pipes is right for the x86 server
cores these machines use (Intel since Skylake-SP, AMD Zen 2 to Zen 5); ``--fma-units``
overrides it. The clock is the one ``/proc/cpuinfo`` reports (under KVM the nominal TSC
clock; turbo can exceed it, so the fraction of peak is an estimate).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

FLAGS_OF_INTEREST = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"]
FMA_UNITS = 2


def cpuinfo() -> dict[str, str]:
    """The first processor's ``/proc/cpuinfo`` fields (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return fields
    for line in text.split("\n\n")[0].splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


def cpu_flags(info: dict[str, str] | None = None) -> list[str]:
    info = cpuinfo() if info is None else info
    present = set(info.get("flags", "").split())
    return [flag for flag in FLAGS_OF_INTEREST if flag in present]


def peak_gflops(info: dict[str, str] | None = None, fma_units: int = FMA_UNITS) -> dict:
    """FP32 peak of all cores and how it was derived."""
    info = cpuinfo() if info is None else info
    flags = set(info.get("flags", "").split())
    lanes = 16 if "avx512f" in flags else 8 if "avx" in flags else 4
    fma = 2 if "fma" in flags or "avx512f" in flags else 1
    per_cycle = lanes * fma * fma_units
    ghz = float(info.get("cpu MHz", "nan")) / 1000.0
    cores = os.cpu_count() or 1
    return {
        "peak_gflops": round(cores * ghz * per_cycle, 1),
        "derivation": (
            f"{cores} cores x {ghz:.2f} GHz x {per_cycle} FP32 FLOP/cycle "
            f"({lanes} lanes x {fma} (FMA) x {fma_units} FMA pipes)"
        ),
    }


def accelerator() -> dict | None:
    """The first GPU (or TPU) the Keras backend computes on, or None where it sees none."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        devices = [device for device in jax.devices() if device.platform != "cpu"]
        if devices:
            return {
                "name": devices[0].device_kind,
                "platform": devices[0].platform,
                "count": len(devices),
                "jax": jax.__version__,
            }
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return {
                "name": torch.cuda.get_device_name(0),
                "platform": "cuda",
                "count": torch.cuda.device_count(),
                "torch": torch.__version__,
            }
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return {
                "name": details.get("device_name", gpus[0].name),
                "platform": "gpu",
                "count": len(gpus),
                "tensorflow": tf.__version__,
            }
    return None


def describe() -> dict:
    """Machine and software facts for a benchmark report."""
    import keras
    import numpy as np

    info = cpuinfo()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu_model": info.get("model name", platform.processor() or "unknown"),
        "cpu_mhz": float(info.get("cpu MHz", "nan")),
        "flags": cpu_flags(info),
        "nproc": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "commit": commit,
        "argv": sys.argv[1:],
    }


def forward_flops(model) -> int:
    """Multiply-add FLOPs (x2) of the convolutions and dense layers for one input."""
    import keras
    import numpy as np

    flops = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv1D):
            width, channels_in, channels_out = layer.kernel.shape
            length = layer.output.shape[1]
            flops += 2 * length * width * channels_in * channels_out
        elif isinstance(layer, keras.layers.Dense):
            flops += 2 * int(np.prod(layer.kernel.shape))
    return int(flops)


def timed(run, *args, **kwargs) -> tuple[object, float]:
    """``run(*args, **kwargs)`` and its wall time in seconds."""
    start = time.perf_counter()
    value = run(*args, **kwargs)
    return value, time.perf_counter() - start


def seconds(run, *args, **kwargs) -> float:
    """Wall time of ``run(*args, **kwargs)`` in seconds."""
    return timed(run, *args, **kwargs)[1]


def cpu_seconds(run, *args, **kwargs) -> float:
    """CPU time of this process (all its threads) spent in ``run(*args, **kwargs)``."""
    start = time.process_time()
    run(*args, **kwargs)
    return time.process_time() - start


def write_report(report: dict, out: Path | None) -> None:
    """Write ``report`` as indented JSON to ``out`` (if given), appearing only once complete."""
    if out is None:
        return
    import json

    from rbpgia.io import atomic_open

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(out) as handle:
        handle.write(json.dumps(report, indent=2) + "\n")


def spread(values) -> dict:
    """Median, min and max of repeated measurements."""
    import numpy as np

    array = np.asarray(list(values), dtype=float)
    return {
        "median": float(np.median(array)),
        "min": float(array.min()),
        "max": float(array.max()),
        "repeats": int(array.size),
    }
