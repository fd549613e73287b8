# Everything runs from the project's own .venv; nothing is downloaded at run time.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Prefect's folder: the caller's PREFECT_HOME when set (so `make demo` and `synthfactory build` share one history),
# else .prefect/ in the project.
PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_HOME
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: alerts install lock demo demo-evaluation test test-unit test-integration test-e2e test-security lint format typecheck check serve suites \
	bench train-detector clean

$(BIN)/synthfactory: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=25"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/synthfactory

# requirements.lock is generated: edit the direct pins in pyproject.toml, then `make lock` (versions already in the
# lock are kept unless a pin moves them). uv lives in its own venv so the project's can be rebuilt from the new lock.
# The CPU torch wheel is found in TORCH_WHEELS; the lock names its public version, which pip matches to that wheel.
TOOLS := .tools
TORCH_WHEELS ?= /opt/wheels
$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==0.13.9

lock: $(TOOLS)/bin/uv
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra test --extra dev --python-version 3.11.7 \
		--find-links $(TORCH_WHEELS) --no-annotate --custom-compile-command "make lock" --quiet -o requirements.lock
	sed -i 's/^torch==\(.*\)+cpu$$/torch==\1/' requirements.lock

demo: install
	$(BIN)/synthfactory build deployments/specs/demo.yaml --data-root build/data

# The labelled demo: its version becomes LATEST only if the downstream evaluation promotes it (docs/evaluation.md).
demo-evaluation: install
	$(BIN)/synthfactory build deployments/specs/support_tickets.yaml --data-root build/data

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

# The automation that posts failed builds to $SYNTHFACTORY_ALERT_WEBHOOK_URL, on the server at $PREFECT_API_URL.
alerts: install
	$(BIN)/python -m flows.alerts

serve: install
	$(BIN)/python -m flows.serve

suites: install
	$(BIN)/python -m schemas.suites

# Trains the pair scorer on the development data (../shared/data, or DATA=...) into tasks/similarity/pair_model.json.
train-detector: install
	$(BIN)/python bench/train_pair_scorer.py $(if $(DATA),--data $(DATA))

bench: install
	$(BIN)/python bench/detection.py $(if $(DATA),--data $(DATA))
	$(BIN)/python bench/contamination_dev.py
	$(BIN)/python bench/vector_index.py
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/long_eval_item.py

clean:
	rm -rf $(VENV) $(TOOLS) .prefect build
