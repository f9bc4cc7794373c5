# The two set-up commands of the README: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench browser postgres sample screenshots clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/clusteratlas demo --out demo

# every test on the embedded DuckDB store, then those that use a store again on PostgreSQL
test: $(BIN)/.installed browser postgres
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q --backend postgresql

# Debian's chromium for the browser tests; without root they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) ; } || \
	  echo "chromium not installed: browser tests will be skipped"

# Debian's PostgreSQL server binaries; the tests start a throwaway cluster of their own (initdb and
# pg_ctl on a temporary folder and port), never the system's service.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) ; } || \
	  echo "PostgreSQL not installed: the PostgreSQL tests will be skipped"

# the service benchmark's load generator (wrk, in C); without it the benchmark falls back to httpx
bench: $(BIN)/.installed postgres
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) ; } || \
	  echo "wrk not installed: the service benchmark uses httpx clients"
	$(BIN)/python benchmarks/bench_import.py --rows 1000000 --repeat 3
	$(BIN)/python benchmarks/bench_measures.py
	$(BIN)/python benchmarks/bench_complexity.py
	$(BIN)/python benchmarks/bench_inputoutput.py
	$(BIN)/python benchmarks/bench_incentives.py
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_matching.py
	$(BIN)/python benchmarks/bench_kdensity.py
	$(BIN)/python benchmarks/bench_pair_kernel.py
	$(BIN)/python benchmarks/bench_service.py
	$(BIN)/python benchmarks/bench_store_read.py --rows 1000000 --repeat 3
	$(BIN)/python benchmarks/bench_startup.py
	CLUSTERATLAS_FUZZ_EXAMPLES=50 $(BIN)/python -m pytest -q tests/api/test_schemathesis.py

# the images of docs/screenshots (the main pages and the report, in Chinese)
screenshots: $(BIN)/.installed browser
	$(BIN)/python docs/screenshots/take.py

sample: $(BIN)/.installed
	$(BIN)/python -m clusteratlas.sample.generate

clean:
	rm -rf demo report .pytest_cache
