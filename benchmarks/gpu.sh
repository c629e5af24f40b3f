#!/usr/bin/env bash
# The GPU figures (docs/performance.md) on a machine whose Python has JAX with CUDA but not
# this project's environment. WHEELS, if given, is a folder of wheels for what that Python
# lacks (keras namex optree ViennaRNA jsonschema jsonschema-specifications referencing
# rpds-py); they are installed into a scratch folder, not into that Python. Run from the
# repository root after `make demo` (or with its results/ copied along), so that a trained
# model and its probes exist; without them the benchmark uses a random-weight model.
#
# usage: benchmarks/gpu.sh [WHEELS] [OUT_DIR]
set -euo pipefail
wheels=${1:-}
out=${2:-results/bench}
python=${PYTHON:-python3}
if [[ -n "$wheels" ]]; then
    site=$(mktemp -d)
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --target "$site" "$wheels"/*.whl
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
mkdir -p "$out"
"$python" benchmarks/bench_gpu.py --out "$out/gpu.json"
# Training throughput of 1, 4, 16 and 64 ResidualBinds per job (training.group_size), each on
# its own TRAIN_N probes (a full-size pool has about 120,000 training probes per RBP), and
# the training loop's own cost per step at those sizes (--loop-overhead, on 20,000). The
# report is saved after each part ("complete": false until the end), so a run cut short by
# a time limit keeps what it measured.
"$python" benchmarks/bench_train.py --n "${TRAIN_N:-120000}" --epochs 2 --repeats 1 \
    --group-sizes "${GROUP_SIZES:-1,4,16,64}" --loop-overhead --loop-n "${LOOP_N:-20000}" \
    --out "$out/train_gpu.json"
