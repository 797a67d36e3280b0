# Bilag: `make demo` runs the service on local defaults; `make test` runs every test.
# Both install what the machine lacks (system packages when run as root, then a .venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test bench lint format system-deps services setup validation-rules

# The official EN 16931 / Peppol BIS validation XSLTs are not redistributed in this repository;
# data/validation points at a copy (the shared data beside the checkout or in
# $BILAG_SHARED_DATA, when present).
SHARED_DATA ?= $(or $(BILAG_SHARED_DATA),../shared/data)
SHARED_VALIDATION := $(SHARED_DATA)/einvoice/validation

setup: system-deps $(INSTALLED) validation-rules

validation-rules:
	@if [ ! -e data/validation ] && [ -d $(SHARED_VALIDATION) ]; then \
		mkdir -p data && ln -s $(abspath $(SHARED_VALIDATION)) data/validation && \
		echo "data/validation -> $(SHARED_VALIDATION)"; fi

system-deps:
	@scripts/install-system-deps.sh

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

services:
	@scripts/ensure-services.sh

demo: setup
	$(BIN)/bilag demo

test: setup services
	$(BIN)/pytest

bench: setup services
	$(BIN)/bilag bench matching
	$(BIN)/python scripts/bench.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
