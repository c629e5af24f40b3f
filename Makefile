# Two commands for a fresh machine: `make demo` (the workflow on the synthetic default data set)
# and `make test`. Both bootstrap .venv from requirements.txt when it is missing or stale.
# `make venv GPU=1` makes the GPU environment instead (requirements-gpu.txt: JAX's CUDA build);
# its stamp marks the venv, so later calls (`make demo`) use it and its backend without GPU=1.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
CORES ?= $(shell nproc 2>/dev/null || echo 2)
BIN := $(VENV)/bin
CPU_STAMP := $(VENV)/.rbpgia-installed
GPU_STAMP := $(VENV)/.rbpgia-gpu-installed
GPU ?= $(if $(wildcard $(GPU_STAMP)),1,0)
ifeq ($(GPU),1)
# No KERAS_BACKEND: the jobs pick JAX by themselves (rbpgia.device.use_default_backend, as
# the CUDA plugin is installed) and the tests keep TensorFlow (tests/conftest.py).
STAMP := $(GPU_STAMP)
else
STAMP := $(CPU_STAMP)
export KERAS_BACKEND ?= tensorflow
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: venv demo test test-slurm lint format bench gpu-env-check clean

venv: $(STAMP)

$(CPU_STAMP): requirements.txt requirements-jax.txt pyproject.toml
	@if [ -f $(GPU_STAMP) ]; then echo "$(VENV) is the GPU environment (make venv GPU=1);" \
		"remove it (rm -rf $(VENV)) to make the CPU one" >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --upgrade \
		--target $(VENV)/jax -r requirements-jax.txt
	@touch $(CPU_STAMP)

# JAX with CUDA goes into the environment itself (not .venv/jax): its jobs run on JAX. A CPU
# venv is turned into a GPU one in place: 3.8 GB of downloads, 3.2 GB of them CUDA
# (measured by `make gpu-env-check`; docs/performance.md).
$(GPU_STAMP): requirements.txt requirements-gpu.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-gpu.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -rf $(VENV)/jax $(CPU_STAMP)
	@touch $(GPU_STAMP)
	$(BIN)/python -m rbpgia.device || true

DATASET ?= synthetic

demo: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --show-failed-logs --config dataset=$(DATASET)
	$(BIN)/snakemake --report results/$(DATASET)/report.html --config dataset=$(DATASET)
	@if [ -f results/$(DATASET)/gia/validation.tsv ]; then \
		$(BIN)/python -m rbpgia.simulate.recovery $(if $(STRICT),--strict) \
			results/$(DATASET)/gia/validation.tsv; fi

# Test workers (pytest-xdist): one per core, at most 4 (each holds a TensorFlow of about 1 GB);
# a test file runs on one worker; tests/conftest.py orders the files. With RBPGIA_SLURM_TEST=1
# (.ci/run) the SLURM test runs too, on one more worker: it mostly waits on the cluster.
SLURM_WORKER := $(if $(filter 1,$(RBPGIA_SLURM_TEST)),1,0)
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( (n < 4 ? n : 4) + $(SLURM_WORKER) )))

test: $(STAMP)
	$(BIN)/pytest -q -rs -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The TINY workflow on a throw-away single-node SLURM cluster through the executor plugin
# (tests/slurm) alone: installs slurmctld, slurmd and munge with apt-get, so root on
# Debian/Ubuntu; skipped with the reason elsewhere. About 10 minutes on a 2-core machine.
# `RBPGIA_SLURM_TEST=1 make test` runs it with the rest (.ci/run), sharing their TINY run.
test-slurm: $(STAMP)
	RBPGIA_SLURM_TEST=1 $(BIN)/pytest -q -rs tests/slurm

lint: $(STAMP)
	$(BIN)/ruff check src tests workflow/scripts benchmarks
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint

format: $(STAMP)
	$(BIN)/ruff check --fix src tests workflow/scripts benchmarks
	$(BIN)/ruff format src tests workflow/scripts benchmarks
	$(BIN)/snakefmt Snakefile workflow/rules

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_encode.py --out results/bench/encode.json
	$(BIN)/python benchmarks/bench_train.py --out results/bench/train.json
	$(BIN)/python benchmarks/bench_gia.py --out results/bench/gia.json
	$(BIN)/python benchmarks/bench_formats.py --out results/bench/formats.json
	$(if $(filter 1,$(GPU)),KERAS_BACKEND=$${KERAS_BACKEND:-jax}) \
		$(BIN)/python benchmarks/bench_gpu.py --out results/bench/gpu.json --merge results/bench/gia.json
	$(BIN)/python benchmarks/bench_startup.py --out results/bench/startup.json
	$(BIN)/python benchmarks/bench_memory.py --out results/bench/memory.json

# Resolves requirements-gpu.txt against PyPI without installing (pip --dry-run) and adds up
# its download; needs the network, so it is not part of `make test`.
gpu-env-check: $(STAMP)
	$(BIN)/python benchmarks/gpu_env_check.py --sizes --out results/bench/gpu_env.json

clean:
	rm -rf results .snakemake
