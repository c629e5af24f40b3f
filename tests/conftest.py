"""Shared test set-up: quiet, deterministic, CPU-only."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# Where a machine's own CUDA_VISIBLE_DEVICES survives the line above, the suite's workflow
# runs (CPU-only by design) must not stop for it; tests/test_device.py checks the stop with
# environments of its own.
os.environ.setdefault("RBPGIA_ALLOW_CPU_FALLBACK", "1")

REPO = Path(__file__).resolve().parents[1]
