"""rbpgia.device: the booked-GPU check, simulated on the CPU with fake environments and devices."""

from __future__ import annotations

import inspect
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rbpgia import device
from rbpgia.device import (
    CPU_BATCH_SIZE,
    GPU_BATCH_SIZE,
    DeviceError,
    Devices,
    allow_fallback,
    booked_gpus,
    check_job,
    default_backend,
    gia_batch_size,
    lists_devices,
    require_gpu,
    use_default_backend,
)
from rbpgia.gia.kmer_search import BATCH_KMERS, kmers_per_call

REPO = Path(__file__).resolve().parents[1]
# Tests of the real check assume the default environment (no JAX CUDA plugin, so TensorFlow's
# CPU build); in the GPU environment (make venv GPU=1) they do not apply.
cpu_environment_only = pytest.mark.skipif(
    default_backend() != "tensorflow", reason="the GPU environment (make venv GPU=1)"
)
CPU = Devices("tensorflow")
H100 = Devices("jax", ("NVIDIA H100 80GB HBM3",), cuda_build=True)


def nothing_installed(name: str) -> bool:
    return False


def gpu_env_installed(name: str) -> bool:
    return name == "jax_cuda12_plugin"


# ------------------------------------------------------------------------ booked GPUs


def test_nothing_booked_without_resources_or_variables():
    assert booked_gpus({}, {"gpu": 0}) == []
    assert booked_gpus({"PATH": "/bin", "SLURM_JOB_ID": "7"}) == []


def test_each_source_of_a_booked_gpu_is_named():
    environ = {
        "CUDA_VISIBLE_DEVICES": "0,1",
        "SLURM_GPUS_ON_NODE": "2",
        "SLURM_JOB_GPUS": "0,1",
        "SLURM_STEP_GPUS": "1",
    }
    assert booked_gpus(environ, {"gpu": 1, "gres": "gpu:a100:1"}) == [
        "resources gpu=1",
        "resources gres=gpu:a100:1",
        "CUDA_VISIBLE_DEVICES=0,1",
        "SLURM_GPUS_ON_NODE=2",
        "SLURM_JOB_GPUS=0,1",
        "SLURM_STEP_GPUS=1",
    ]


def test_gpu_index_zero_in_a_slurm_list_is_a_gpu_but_a_zero_count_is_none():
    assert booked_gpus({"SLURM_JOB_GPUS": "0"}) == ["SLURM_JOB_GPUS=0"]
    assert booked_gpus({"SLURM_GPUS_ON_NODE": "0"}) == []


@pytest.mark.parametrize(
    ("value", "exposes"),
    [
        ("0", True),
        ("3,1", True),
        ("GPU-6f1c2a9e-0d4b-4b1e-9c4e-1234567890ab", True),
        ("MIG-0f7a", True),
        ("", False),
        (" ", False),
        ("-1", False),
        ("-1,0", False),  # CUDA stops at the first invalid entry
        ("NoDevFiles", False),  # SLURM: a job on a GPU node given no GPU
    ],
)
def test_cuda_visible_devices_values(value, exposes):
    assert lists_devices(value) is exposes
    assert bool(booked_gpus({"CUDA_VISIBLE_DEVICES": value})) is exposes


def test_non_gpu_gres_and_missing_resources_book_nothing():
    assert booked_gpus({}, {"gres": "tmpdisk:100"}) == []
    assert booked_gpus({}, {"gpu": None}) == []
    assert booked_gpus({}, None) == []


# ------------------------------------------------------------------------ the decision


def test_a_job_on_the_device_it_was_given_passes():
    assert require_gpu(H100, ["resources gpu=1"], fallback=False) is None
    assert require_gpu(CPU, [], fallback=False) is None
    assert require_gpu(H100, [], fallback=False) is None  # a GPU nobody booked is fine


def test_a_booked_gpu_the_backend_cannot_see_stops_the_job_with_the_install_command():
    with pytest.raises(DeviceError) as error:
        require_gpu(CPU, ["resources gpu=1", "SLURM_JOB_GPUS=0"], False, nothing_installed)
    message = str(error.value)
    assert message.startswith(
        "this job was given a GPU (resources gpu=1, SLURM_JOB_GPUS=0), but Keras's tensorflow "
        "backend sees none"
    )
    assert "This environment has the CPU-only build of tensorflow." in message
    assert "`make venv GPU=1`" in message
    assert "environment-gpu.yml" in message
    assert "training.allow_cpu_fallback" in message
    assert "RBPGIA_ALLOW_CPU_FALLBACK=1" in message
    assert "\n" not in message  # one paragraph


def test_the_message_names_a_forced_cpu_backend_in_the_gpu_environment():
    with pytest.raises(DeviceError) as error:
        require_gpu(CPU, ["CUDA_VISIBLE_DEVICES=0"], False, gpu_env_installed)
    assert "KERAS_BACKEND=tensorflow chose it although JAX's CUDA build" in str(error.value)
    assert "make venv GPU=1" not in str(error.value)  # installed already


def test_the_message_points_at_the_driver_when_the_cuda_build_finds_no_gpu():
    no_gpu = Devices("jax", (), cuda_build=True)
    with pytest.raises(DeviceError) as error:
        require_gpu(no_gpu, ["CUDA_VISIBLE_DEVICES=0"], False, gpu_env_installed)
    assert "CUDA build is installed but found no usable GPU" in str(error.value)
    assert "make venv GPU=1" not in str(error.value)
    assert "RBPGIA_ALLOW_CPU_FALLBACK=1" in str(error.value)


def test_the_fallback_warns_and_continues():
    warning = require_gpu(CPU, ["resources gpu=1"], True, nothing_installed)
    assert warning.startswith("this job was given a GPU (resources gpu=1)")
    assert "Continuing on the CPU, as allow_cpu_fallback allows." in warning
    assert "`make venv GPU=1`" in warning


@pytest.mark.parametrize(
    ("environ", "configured", "allowed"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"RBPGIA_ALLOW_CPU_FALLBACK": "1"}, False, True),
        ({"RBPGIA_ALLOW_CPU_FALLBACK": "True"}, False, True),
        ({"RBPGIA_ALLOW_CPU_FALLBACK": "0"}, False, False),
        ({"RBPGIA_ALLOW_CPU_FALLBACK": ""}, False, False),
    ],
)
def test_fallback_from_config_or_environment(environ, configured, allowed):
    assert allow_fallback(environ, configured) is allowed


def test_devices_describe_themselves():
    assert CPU.describe() == "tensorflow on CPU"
    assert H100.describe() == "jax on GPU: NVIDIA H100 80GB HBM3"
    two = Devices("tensorflow", ("NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB"), True)
    assert two.describe() == "tensorflow on GPU: NVIDIA A100-SXM4-40GB, NVIDIA A100-SXM4-40GB"


# ------------------------------------------------------------------------ the backend


def test_the_gpu_environment_selects_jax_and_the_default_one_tensorflow():
    assert default_backend(gpu_env_installed) == "jax"
    assert default_backend(nothing_installed) == "tensorflow"


def test_use_default_backend_keeps_the_users_choice():
    environ = {}
    assert use_default_backend(environ, gpu_env_installed) == "jax"
    # Several jobs share one GPU: JAX takes memory as needed, not 75% up front.
    assert environ == {"KERAS_BACKEND": "jax", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    environ = {"KERAS_BACKEND": "torch"}
    assert use_default_backend(environ, gpu_env_installed) == "torch"
    assert environ == {"KERAS_BACKEND": "torch"}
    environ = {"KERAS_BACKEND": ""}  # empty counts as unset, as it does for Keras
    assert use_default_backend(environ, nothing_installed) == "tensorflow"
    assert environ == {"KERAS_BACKEND": "tensorflow"}
    environ = {"KERAS_BACKEND": "jax", "XLA_PYTHON_CLIENT_PREALLOCATE": "true"}
    use_default_backend(environ, nothing_installed)
    assert environ == {"KERAS_BACKEND": "jax", "XLA_PYTHON_CLIENT_PREALLOCATE": "true"}


@cpu_environment_only
def test_this_machine_is_the_cpu_environment():
    """No JAX CUDA plugin here (make venv): the default backend is TensorFlow's CPU build."""
    assert default_backend() == "tensorflow"
    devices = device.backend_devices()
    assert devices == Devices("tensorflow", (), cuda_build=False)


# ------------------------------------------------------------------------ the real check


def test_check_job_logs_the_device(caplog):
    with caplog.at_level(logging.INFO, logger="rbpgia"):
        devices = check_job({"gpu": 0}, environ={})
    assert devices.describe() == "tensorflow on CPU"
    assert caplog.messages == ["device: tensorflow on CPU"]


@cpu_environment_only
def test_check_job_on_this_cpu_machine_with_a_booked_gpu_fails():
    with pytest.raises(
        DeviceError, match=r"given a GPU \(CUDA_VISIBLE_DEVICES=0\).*make venv GPU=1"
    ):
        check_job(environ={"CUDA_VISIBLE_DEVICES": "0"})


def test_check_job_falls_back_with_a_warning(caplog):
    with caplog.at_level(logging.INFO, logger="rbpgia"):
        check_job({"gpu": 1}, allow_cpu_fallback=True, environ={})
    assert caplog.messages[0] == "device: tensorflow on CPU (given a GPU: resources gpu=1)"
    assert caplog.records[1].levelname == "WARNING"
    assert "Continuing on the CPU" in caplog.messages[1]


@cpu_environment_only
def test_python_m_rbpgia_device_fails_where_a_gpu_is_booked_and_unseen():
    """The command of the docs, in a child with the real CUDA_VISIBLE_DEVICES=0 set."""
    env = {
        **os.environ,
        "CUDA_VISIBLE_DEVICES": "0",
        "PYTHONPATH": str(REPO / "src"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    env.pop("KERAS_BACKEND", None)  # chosen by use_default_backend, as in a job
    env.pop(device.FALLBACK_VARIABLE, None)
    done = subprocess.run(
        [sys.executable, "-m", "rbpgia.device"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "device: tensorflow on CPU (given a GPU: CUDA_VISIBLE_DEVICES=0)" in done.stdout
    assert "rbpgia: error: this job was given a GPU (CUDA_VISIBLE_DEVICES=0)" in done.stderr
    assert "make venv GPU=1" in done.stderr


# ------------------------------------------------------------------------ GIA batch size


def test_gia_batch_size_by_device():
    assert gia_batch_size(None, CPU) == CPU_BATCH_SIZE == 1024
    assert gia_batch_size(None, H100) == GPU_BATCH_SIZE == 16384
    assert gia_batch_size(4096, H100) == 4096
    assert gia_batch_size(2048, CPU) == 2048


def test_the_cpu_batch_is_make_predict_fns_default():
    from rbpgia.train import make_predict_fn

    assert inspect.signature(make_predict_fn).parameters["batch_size"].default == CPU_BATCH_SIZE


def test_the_gpu_batch_holds_one_call_of_the_search_and_the_experiments():
    """The default search (16 k-mers x 1,000 nulls) and an experiment call
    (importance.BATCH_ROWS) each fit one GPU batch: no second, mostly padded pass."""
    from rbpgia.gia.importance import BATCH_ROWS

    assert BATCH_KMERS * 1000 <= GPU_BATCH_SIZE
    assert BATCH_ROWS <= GPU_BATCH_SIZE
    assert kmers_per_call(GPU_BATCH_SIZE, 1000) == 16


def test_kmers_per_call_fills_larger_batches_and_keeps_the_cpus():
    assert kmers_per_call(CPU_BATCH_SIZE, 1000) == BATCH_KMERS  # today's CPU calls
    assert kmers_per_call(65536, 1000) == 65  # 65,000 probes: one 65,536 batch
    assert kmers_per_call(65536, 100) == 655  # the adaptive search's first round


FAKE_KERAS = """
import os
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written ...\\n")
os.write(2, b"I0000 00:00:1 port.cc:153] oneDNN custom operations are on. You may see ...\\n")
os.write(2, b"E0000 a real complaint of the backend\\n")
if os.environ.get("FAKE_KERAS_FAILS"):
    raise ImportError("the backend could not load")
"""


@pytest.mark.parametrize("fails", [False, True])
def test_keras_start_up_notices_are_dropped_and_nothing_else(tmp_path, fails):
    """The backend's load notices leave stderr; its other lines and a failure stay."""
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text(FAKE_KERAS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    if fails:
        env["FAKE_KERAS_FAILS"] = "1"
    code = "from rbpgia.device import import_keras_quietly; import_keras_quietly(); print('done')"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert "absl::InitializeLog" not in done.stderr
    assert "oneDNN" not in done.stderr
    assert done.stderr.startswith("E0000 a real complaint of the backend\n")
    if fails:
        assert done.returncode == 1
        assert "ImportError: the backend could not load" in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert done.stdout == "done\n"
        assert done.stderr == "E0000 a real complaint of the backend\n"


def test_command_line_error_on_a_keras_model_is_its_only_stderr_line(tmp_path):
    """TensorFlow's load notices used to come before the one-line error."""
    import zipfile

    with zipfile.ZipFile(tmp_path / "broken.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    (tmp_path / "bg.txt").write_text("ACGUACGUACGUACGUACGUACGUACGUACGUACGUACGUA\n" * 30)
    script = Path(sys.executable).with_name("rbpgia")
    done = subprocess.run(
        [str(script), "gia", "kmer_search", "--model", str(tmp_path / "broken.keras")]
        + ["--background", str(tmp_path / "bg.txt"), "--out", str(tmp_path / "out.tsv")],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"},
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("rbpgia: error: ")
    assert "broken.keras: cannot load" in lines[0]
    assert not (tmp_path / "out.tsv").exists()
