# Two commands for a fresh machine: `make demo` (the workflow on the synthetic default data set)
# and `make test`. Both bootstrap .venv from requirements.txt when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
CORES ?= $(shell nproc 2>/dev/null || echo 2)
BIN := $(VENV)/bin
STAMP := $(VENV)/.rbpgia-installed
export KERAS_BACKEND ?= tensorflow
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: venv demo test test-slurm lint format bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-jax.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --upgrade \
		--target $(VENV)/jax -r requirements-jax.txt
	@touch $(STAMP)

DATASET ?= synthetic

demo: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --show-failed-logs
	$(BIN)/snakemake --report results/$(DATASET)/report.html
	@if [ -f results/$(DATASET)/gia/validation.tsv ]; then \
		$(BIN)/python -m rbpgia.simulate.recovery $(if $(STRICT),--strict) \
			results/$(DATASET)/gia/validation.tsv; fi

test: $(STAMP)
	$(BIN)/pytest -q

# The TINY workflow on a throw-away single-node SLURM cluster through the executor plugin
# (tests/slurm): installs slurmctld, slurmd and munge with apt-get, so root on Debian/Ubuntu;
# skipped with the reason elsewhere. 12 minutes on a busy 2-core machine (about 500 CPU s).
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
	$(BIN)/python benchmarks/bench_gpu.py --out results/bench/gpu.json --merge results/bench/gia.json
	$(BIN)/python benchmarks/bench_startup.py --out results/bench/startup.json
	$(BIN)/python benchmarks/bench_memory.py --out results/bench/memory.json

clean:
	rm -rf results .snakemake
