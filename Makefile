# The two set-up commands of the README: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench browser sample clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/clusteratlas demo --out demo

test: $(BIN)/.installed browser
	$(BIN)/python -m pytest -q

# Debian's chromium for the browser tests; without root they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) ; } || \
	  echo "chromium not installed: browser tests will be skipped"

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_import.py --rows 1000000 --repeat 3
	$(BIN)/python benchmarks/bench_measures.py
	$(BIN)/python benchmarks/bench_complexity.py
	$(BIN)/python benchmarks/bench_inputoutput.py
	$(BIN)/python benchmarks/bench_incentives.py
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_matching.py
	$(BIN)/python benchmarks/bench_kdensity.py
	$(BIN)/python benchmarks/bench_service.py
	$(BIN)/python benchmarks/bench_startup.py
	CLUSTERATLAS_FUZZ_EXAMPLES=50 $(BIN)/python -m pytest -q tests/api/test_schemathesis.py

sample: $(BIN)/.installed
	$(BIN)/python -m clusteratlas.sample.generate

clean:
	rm -rf demo report .pytest_cache
