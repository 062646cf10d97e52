# Quick start: `make demo` (load the seed journal, print timelines) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= timeline.db

.PHONY: setup demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/timeline --db $(DEMO_DB) append seeds/*.ndjson
	$(BIN)/timeline --db $(DEMO_DB) incident kremlin-drone-2023-05
	$(BIN)/timeline --db $(DEMO_DB) location Moscow
	$(BIN)/timeline --db $(DEMO_DB) location Kyiv
	$(BIN)/timeline --db $(DEMO_DB) actor Kremlin
	$(BIN)/timeline --db $(DEMO_DB) actors
	$(BIN)/timeline --db $(DEMO_DB) locations --tree
	$(BIN)/timeline --db $(DEMO_DB) verify

test: $(STAMP)
	$(BIN)/pytest -q

# unit and property tests, few examples each: seconds, no database server, no browser
test-fast: $(STAMP)
	TL_PROP_EXAMPLES=8 $(BIN)/pytest -q -p no:cacheprovider tests/unit tests/property tests/test_public_api.py

lint: $(STAMP)
	$(BIN)/ruff check timeline cli tests bench
	$(BIN)/mypy timeline cli
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(SIZE),--sizes $(SIZE),)
	$(BIN)/python -m bench.api

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
