# Two commands for a new user: `make run` (set-up included) and `make test`.
VENV := .venv
STAMP := $(VENV)/.setup-done
DATA_DIR ?= $(or $(RAG_DATA_DIR),data)

.PHONY: setup run test lint clean

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh rag/modelprep/*.py rag/reader/model.py rag/reader/reader-top.safetensors
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	@if [ ! -L "$(DATA_DIR)/current" ]; then $(VENV)/bin/rag index seeds/; fi
	$(VENV)/bin/rag serve

test: $(STAMP)
	$(VENV)/bin/ruff check rag index api tests
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -q -ra

lint: $(STAMP)
	$(VENV)/bin/ruff check rag index api tests
	$(VENV)/bin/ruff format --check rag index api tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) models data
