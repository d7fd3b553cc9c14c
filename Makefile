# Two entry points: `make demo` and `make test`. Both create .venv and build the native core.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NATIVE_SOURCES := $(wildcard native/*.c native/*.h) native/cdef.h native/build_native.py
CFLAGS_TEST := -std=c11 -g -O1 -Wall -Wextra -Werror
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
DEMO_TXS ?= 500
JOBS ?= auto

.PHONY: demo test test-fast native-test conformance clean

$(STAMP): pyproject.toml setup.py $(NATIVE_SOURCES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The C core's own tests, plain and under AddressSanitizer + UndefinedBehaviorSanitizer.
native-test:
	mkdir -p build/native
	set -e; for test in $(wildcard native/tests/test_*.c); do \
		bin=build/native/$$(basename $$test .c); \
		cc $(CFLAGS_TEST) native/*.c $$test -o $$bin; $$bin; \
		cc $(CFLAGS_TEST) $(SANITIZE) native/*.c $$test -o $${bin}_san; $${bin}_san; \
	done

# Everything: C tests, then the Python suite (the whole consensus suite and mainnet corpus
# included) spread over the cores.
test: $(STAMP) native-test
	$(BIN)/python -m pytest -n $(JOBS) -q -p no:cacheprovider tests

# The suite without the long data-driven runs, for quick iterations.
test-fast: $(STAMP) native-test
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not slow" tests

demo: $(STAMP)
	mkdir -p out
	$(BIN)/parevm generate --txs $(DEMO_TXS) -o out/transfers-$(DEMO_TXS).json.gz
	$(BIN)/parevm replay --sequential out/transfers-$(DEMO_TXS).json.gz
	$(BIN)/parevm replay out/transfers-$(DEMO_TXS).json.gz

conformance: $(STAMP)
	$(BIN)/parevm conformance ../shared/data/fixtures

clean:
	rm -rf $(VENV) build out src/*.egg-info src/parevm/_native*.so src/parevm/_native.c
