# The helpline's build. `make run` and `make test` are the two commands a newcomer needs;
# every other target is a step they call. Set-up is incremental: stamps are keyed on the
# files that define each environment, so a second run with nothing changed takes seconds.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
RASA_VENV   := .venv-rasa
PY          := $(VENV)/bin/python
RASA_PY     := $(RASA_VENV)/bin/python
PIP_QUIET   ?= -q
# `make test-fast`: every test but the tiers marked in pyproject.toml (stack, Rasa, processes,
# services, browser).
FAST_TIERS  := not e2e and not rasa and not process and not postgres and not redis and not browser
# Workers for `make test-fast` (pytest-xdist); `make test` runs serially (one stack at a time).
FAST_WORKERS ?= auto
# Replicas of rasa, actions and gateway under `make run-prod-shape`.
REPLICAS    ?= 2

.PHONY: help chromium setup run run-prod-shape train test test-fast bench lint i18n-extract i18n-update clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.stamp: pyproject.toml
	@echo "==> building $(VENV) (Python 3.11+)"
	@py=$$(scripts/find-python.sh 3.11+) && [ -x $(PY) ] || $$py -m venv $(VENV)
	@$(PY) -m pip install $(PIP_QUIET) --upgrade pip
	@$(PY) -m pip install $(PIP_QUIET) -e '.[dev]'
	@touch $@

$(RASA_VENV)/.stamp: bot/constraints.txt bot/requirements.txt bot/pyproject.toml
	@echo "==> building $(RASA_VENV) (Python 3.10, Rasa 3.6.21) - the first time takes a few minutes"
	@py=$$(scripts/find-python.sh 3.10) && { [ -x $(RASA_PY) ] || $$py -m venv $(RASA_VENV); }
	@$(RASA_PY) -m pip install $(PIP_QUIET) -c bot/constraints.txt -r bot/requirements.txt
	@$(RASA_PY) -m pip install $(PIP_QUIET) -c bot/constraints.txt --no-deps -e bot/
	@touch $@

locales/.stamp: $(VENV)/.stamp $(wildcard locales/*/LC_MESSAGES/*.po)
	@$(PY) -m helpline.i18n compile
	@touch $@

# The console's browser tests drive Debian's Chromium through Playwright (no browser download):
# installed with apt-get when missing (machines and CI run as root; otherwise it says what to run).
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "==> installing Debian's chromium for the console's browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium) \
	      >/dev/null || { echo "apt-get install chromium failed" >&2; exit 1; }; \
	  else echo "run: sudo apt-get install chromium" >&2; exit 1; fi; }

setup: $(VENV)/.stamp $(RASA_VENV)/.stamp locales/.stamp chromium ## build both environments, compile catalogues, install chromium

train: setup ## train the Rasa model if its data or config changed
	@$(PY) -m devstack.training

run: setup ## set up what is missing, then start rasa, actions, gateway and console (Ctrl-C stops all)
	@$(PY) -m helpline.cli kb migrate
	@$(PY) -m helpline.cli kb seed
	@$(PY) -m devstack

run-prod-shape: setup ## the production shape: REPLICAS (2) of rasa, actions and gateway behind proxies, on the local PostgreSQL and Redis
	@$(PY) -m devstack.replicas --replicas $(REPLICAS)

test: setup ## set up what is missing, then run the whole test suite
	@scripts/run-tests.sh

test-fast: $(VENV)/.stamp locales/.stamp ## the unit tiers only: no Rasa, no stack, no processes or services; prints its time
	@start=$$(date +%s); status=0; \
	 HELPLINE_ENV=test $(PY) -m pytest -q -p no:cacheprovider -m "$(FAST_TIERS)" -n $(FAST_WORKERS) $(TEST_ARGS) \
	   || status=$$?; \
	 echo "==> test-fast finished after $$(( $$(date +%s) - start )) s"; exit $$status

bench: setup train ## run the benchmarks and print their tables
	@$(PY) -m benchmarks $(BENCH_ARGS)

lint: setup ## ruff on everything (bot/ too) and mypy in both environments
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy
	@MYPYPATH=bot:bot/tests $(VENV)/bin/mypy --python-version 3.10 --python-executable $(RASA_PY) \
	  --explicit-package-bases bot/helpline_nlu bot/scripts bot/tests

i18n-extract: $(VENV)/.stamp ## extract fixed strings into locales/helpline.pot
	@$(PY) -m helpline.i18n extract

i18n-update: i18n-extract ## merge the template into every language's .po
	@$(PY) -m helpline.i18n update

clean: ## remove environments, models and local data
	rm -rf $(VENV) $(RASA_VENV) bot/models var locales/.stamp
