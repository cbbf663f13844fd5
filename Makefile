# Onthaal — read top to bottom: install, run, test, and the translation workflow.
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
PYTHON ?= python3
SHELL  := /bin/bash

.PHONY: install run test lint format translations-extract translations-update \
        translations-compile translations-check clean

# Install the app and its development tools into .venv (again when pyproject.toml changes).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Migrate the SQLite database in instance/, load the demo data once, serve on :5000.
run: install translations-compile
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	ONTHAAL_SCHEDULER=inprocess $(FLASK) run --host 127.0.0.1 --port 5000

# The whole suite. TEST_DATABASE_URL adds the PostgreSQL runs; CI=true forbids skips.
test: install translations-compile
	$(BIN)/pytest

# ruff (lint and format) and mypy (types; configured in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Translations: extract messages from code and templates, merge into nl/af/en, compile.
translations-extract: install
	$(FLASK) translations extract

translations-update: install
	$(FLASK) translations update

# .mo files are build output (not committed): every path that runs the app compiles them.
# pybabel exits non-zero on a broken placeholder; make stops on that exit code.
translations-compile: install
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | grep -v '^$$' ; \
	  exit $${PIPESTATUS[0]}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
