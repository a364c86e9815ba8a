# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint venv test-deps clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.txt
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

## Install, migrate the SQLite database, and start the service in the sandbox.
run: $(VENV)/.installed
	$(PY) -m bot init
	$(PY) -m bot serve

## Install what the tests need and run the whole suite (SQLite and PostgreSQL) and the linter.
test: $(VENV)/.test-installed
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.test-installed
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
