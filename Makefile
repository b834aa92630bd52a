# Quick start: `make demo` runs a call campaign end to end on local defaults; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Options for the demo, e.g. DEMO_ARGS='--cases-file my_cases.csv' (`contact-service demo --help` lists them).
DEMO_ARGS ?=

.PHONY: demo test check install services stack clean

demo: $(STAMP)
	$(BIN)/contact-service demo $(DEMO_ARGS)

test: check services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint, format, types and the layer contracts (pyproject.toml); `make test` runs them first.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(STAMP)

# The whole local stack in the foreground (Procfile.dev: web, worker, dispatcher, scheduler, simulator); Ctrl-C
# stops it. The schema is brought up to date first.
stack: $(STAMP)
	$(BIN)/contact-service db upgrade
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

services: $(STAMP)
	bash scripts/ensure_services.sh $(BIN)/python

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
