# Two commands do everything from a fresh clone with only Python 3.11+ and make:
#   make demo   - install into .venv, then run a small demo on the embedded defaults
#   make test   - install into .venv, then run the lint checks (make lint) and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean chromium

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/assay demo

# Debian's chromium for the review page's browser tests (skipped, with the reason, when it cannot be installed).
chromium:
	@bash tests/browser/install-chromium.sh

test: lint chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider

# ruff and mypy read their configuration from pyproject.toml (mypy: [tool.mypy], the packages it checks).
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .assay
