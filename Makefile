# The front door. `make help` lists the targets; `make run` and `make test` are the two
# set-up commands: each builds what it needs (both Python environments, the servers'
# binaries) and is fast when nothing changed.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(CURDIR)
VENV := .venv
RASA_VENV := env/rasa/.venv
SETUP := env/setup.sh

# Ports of `make run` (see the README's settings table).
REDIS_PORT ?= 6380
ACTION_SERVER_PORT ?= 5055
RASA_PORT ?= 5005
export REDIS_PORT ACTION_SERVER_PORT RASA_PORT

# A stamp per environment, newer than its lock: `uv sync` runs only when a lock changed.
STAMP_311 := $(VENV)/.synced
STAMP_310 := $(RASA_VENV)/.synced

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP_311): uv.lock pyproject.toml $(SETUP)
	@echo "setup: Python 3.11+ environment ($(VENV))"
	@$(SETUP) env311
	@touch $@

$(STAMP_310): env/rasa/uv.lock env/rasa/pyproject.toml $(SETUP)
	@echo "setup: Python 3.10 environment for Rasa ($(RASA_VENV)); the first time takes a minute"
	@$(SETUP) env310
	@touch $@

.PHONY: setup
setup: $(STAMP_311) $(STAMP_310) ## Build both Python environments (from the lock files)

.PHONY: binaries
binaries: ## Make sure redis-server and PostgreSQL are installed (apt-get on Debian as root)
	@$(SETUP) binaries

.PHONY: browser
browser: ## Make sure Chromium is installed for the browser tests (same rule)
	@$(SETUP) browser

.PHONY: lint
lint: $(STAMP_311) ## Lint (ruff), type-check (mypy), validate the crisis lexicon and helplines
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/python -m nlu.lexicon check
	@$(VENV)/bin/python -m helplines check

.PHONY: train
train: $(STAMP_310) ## Train the NLU model and the full (dialogue) model, unless cached for the current data
	@PYTHONPATH=$(ROOT) $(RASA_VENV)/bin/python -m nlu.train --num-threads 2
	@PYTHONPATH=$(ROOT) $(RASA_VENV)/bin/python -m stories.model --num-threads 2

.PHONY: eval
eval: $(STAMP_310) ## Evaluate detection on nlu/eval/ (report and HTML with the confusion matrix)
	@PYTHONPATH=$(ROOT) $(RASA_VENV)/bin/python -m nlu.evaluate

.PHONY: test
test: binaries browser setup ## Run the whole test suite: lint, Python 3.11+ tests, then the Python 3.10 (Rasa) side
	@$(MAKE) lint
	@echo "test: Python 3.11+ suite"
	@$(VENV)/bin/python -m pytest
	@echo "test: Python 3.10 (Rasa) side: shared code"
	@PYTHONPATH=$(ROOT) $(RASA_VENV)/bin/python -m pytest -c env/rasa/pytest.ini --rootdir $(ROOT)

.PHONY: run
run: binaries setup ## Start everything that exists, locally (Ctrl-C stops it all)
	@mkdir -p var/redis
	@$(VENV)/bin/python -m helplines || true
	@echo
	@echo "Starting (Ctrl-C stops everything):"
	@echo "  redis          127.0.0.1:$(REDIS_PORT)   handoff queue, embedded (keeps nothing on disk)"
	@echo "  action server  http://127.0.0.1:$(ACTION_SERVER_PORT)/health   Rasa custom actions (bot/actions, Python 3.10)"
	@echo "  simulator      http://127.0.0.1:$${SIMULATOR_PORT:-8080}/   local Telegram: the page, the Bot API, the scripting API (/docs)"
	@echo "  escalation     http://127.0.0.1:$${ESCALATION_PORT:-8000}/docs   escalation service: API, queue, reconciler (SQLite in var/)"
	@echo "  rasa           http://127.0.0.1:$(RASA_PORT)/   Rasa server (REST API); trains the model first if none matches (a few minutes), then 1-2 min to start"
	@echo "Not built yet: the Telegram gateway (so the simulator's page does not reach Rasa yet)."
	@echo
	@PYTHONPATH=$(ROOT) $(VENV)/bin/honcho start -f Procfile

.PHONY: bench
bench: $(STAMP_311) ## Benchmarks that print figures (escalation create -> counsellor, SQLite and PostgreSQL)
	@$(VENV)/bin/python -m escalation.bench

.PHONY: clean
clean: ## Remove the environments, tools and local state (the uv cache stays)
	rm -rf $(VENV) $(RASA_VENV) .tools var .pytest_cache .mypy_cache .ruff_cache .hypothesis
