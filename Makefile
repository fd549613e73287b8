# Everything runs from the project's own .venv; nothing is downloaded at run time.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: install demo test test-unit test-integration test-e2e test-security lint format typecheck check serve suites \
	bench clean

$(BIN)/synthfactory: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=25"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/synthfactory

demo: install
	$(BIN)/synthfactory build deployments/specs/demo.yaml --data-root build/data

# The whole suite: lint, format and type checks first, then every tier of tests.
test: check
	$(BIN)/pytest -q

test-unit: install
	$(BIN)/pytest -q tests/unit

test-integration: install
	$(BIN)/pytest -q tests/integration

test-e2e: install
	$(BIN)/pytest -q tests/e2e

test-security: install
	$(BIN)/pytest -q tests/security

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy

check: lint typecheck

serve: install
	$(BIN)/python -m flows.serve

suites: install
	$(BIN)/python -m schemas.suites

bench: install
	$(BIN)/python bench/contamination_dev.py
	$(BIN)/python bench/vector_index.py
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/long_eval_item.py

clean:
	rm -rf $(VENV) .prefect build
