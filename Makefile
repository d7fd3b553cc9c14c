# Two entry points: `make demo` and `make test`. Both create .venv and build the native core.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NATIVE_SOURCES := $(wildcard native/*.c native/*.h) native/cdef.h native/build_native.py
CFLAGS_TEST := -std=c11 -g -O1 -Wall -Wextra -Werror
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
DEMO_TXS ?= 600
JOBS ?= auto

BENCH_TXS ?= 2000
BENCH_WORKERS ?= 1,2
CORPUS ?= ../shared/data/mainnet

ANVIL_VERSION := 1.7.1
ANVIL := build/anvil/node_modules/.bin/anvil

.PHONY: demo bench bench-quick test test-fast soak native-test native-san conformance contracts anvil clean

$(STAMP): pyproject.toml setup.py $(NATIVE_SOURCES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The C core's own tests, plain, under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# valgrind's memcheck where it is installed (.ci/run installs it).
VALGRIND := $(shell command -v valgrind)
native-test:
	mkdir -p build/native
	set -e; for test in $(wildcard native/tests/test_*.c); do \
		bin=build/native/$$(basename $$test .c); \
		cc $(CFLAGS_TEST) native/*.c $$test -o $$bin; $$bin; \
		cc $(CFLAGS_TEST) $(SANITIZE) native/*.c $$test -o $${bin}_san; $${bin}_san; \
		if [ -n "$(VALGRIND)" ]; then \
			$(VALGRIND) -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite $$bin; \
		else echo "valgrind not found: $$bin not run under memcheck"; fi; \
	done

# The core's Python-level tests (tests/test_core*.py: the model-based multi-process test among
# them) against a build of the extension under ASan + UBSan, in a package directory of its own
# that holds only the two modules those tests import (the rest of the package loads libraries
# the sanitizer runtime cannot: RTLD_DEEPBIND). --capture=sys leaves a sanitizer report on stderr.
SAN_BUILD := build/san
SAN_PYTHON := LD_PRELOAD=$$(cc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
	PYTHONPATH=$(SAN_BUILD) $(BIN)/python
native-san: $(STAMP)
	rm -rf $(SAN_BUILD)
	$(BIN)/python native/build_native.py $(SAN_BUILD) -O1 -g $(SANITIZE)
	touch $(SAN_BUILD)/parevm/__init__.py
	cp src/parevm/core.py src/parevm/native.py $(SAN_BUILD)/parevm/
	$(SAN_PYTHON) -c 'import parevm._native as n, sys; sys.exit(0 if "$(SAN_BUILD)/" in n.__file__ else f"not the sanitized build: {n.__file__}")'
	$(SAN_PYTHON) -m pytest -q -p no:cacheprovider --capture=sys tests/test_core.py tests/test_core_model.py

# Everything: C tests, then the Python suite (the whole consensus suite and mainnet corpus
# included) spread over the cores, and the benchmark suite once as plain tests (pytest-benchmark
# does not time under xdist; its checks still run).
test: $(STAMP) native-test native-san $(ANVIL)
	$(BIN)/python -m pytest -n $(JOBS) -q -p no:cacheprovider tests benchmarks

# A real node for the JSON-RPC end-to-end test (tests/test_node.py), from npm.
anvil: $(ANVIL)
$(ANVIL):
	mkdir -p build/anvil
	cd build/anvil && npm install --no-audit --no-fund --loglevel=error @foundry-rs/anvil@$(ANVIL_VERSION)
	$(ANVIL) --version

# The suite without the long data-driven runs, for quick iterations.
test-fast: $(STAMP) native-test
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not slow" tests

# The long soak: the mainnet corpus SOAK_ROUNDS times through one engine under chaos (workers
# killed, hung, delayed; tests/chaos.py), every block checked against the sequential result.
# `make test` runs one round. SOAK_SEED replays a failing sequence.
SOAK_ROUNDS ?= 5
SOAK_SEED ?= 20261121
soak: $(STAMP)
	PAREVM_SOAK_ROUNDS=$(SOAK_ROUNDS) PAREVM_SOAK_SEED=$(SOAK_SEED) \
		$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_soak.py

# Every workload at a size that takes about two minutes here: the table, and out/demo.png.
demo: $(STAMP)
	mkdir -p out
	$(BIN)/parevm bench --txs $(DEMO_TXS) --workers $(BENCH_WORKERS) --repeat 1 \
		--json out/demo.json --plot out/demo.png

# The full report: every workload at BENCH_TXS, then the mainnet corpus (tens of minutes).
bench: $(STAMP)
	mkdir -p out
	$(BIN)/parevm bench --txs $(BENCH_TXS) --workers $(BENCH_WORKERS) --repeat 3 \
		--json out/bench-workloads.json --markdown out/bench-workloads.md --plot out/bench-workloads.png
	$(BIN)/parevm bench --corpus $(CORPUS) --workers $(BENCH_WORKERS) --repeat 1 \
		--json out/bench-mainnet.json --markdown out/bench-mainnet.md --plot out/bench-mainnet.png

# The pytest-benchmark suite: small sizes, for a developer to run often.
bench-quick: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider benchmarks

# Recompile contracts/*.sol into src/parevm/workloads/contracts.json (needs node and npm; the
# artifact is committed, so building and testing parevm never needs them).
contracts:
	cd contracts && npm ci --no-audit --no-fund && node compile.js

conformance: $(STAMP)
	$(BIN)/parevm conformance ../shared/data/fixtures

clean:
	rm -rf $(VENV) build out src/*.egg-info src/parevm/_native*.so src/parevm/_native.c
