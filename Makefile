# Quick start: `make demo` runs a call campaign end to end on local defaults; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test check install services clean

demo: $(STAMP)
	$(BIN)/contact-service demo

test: check services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint, format, types and the layer contracts (pyproject.toml); `make test` runs them first.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(STAMP)

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
