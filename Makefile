# One way to do each thing. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
SAM_VENV  := .venv-sam
SCAN_VENV := .venv-scan
BIN       := $(VENV)/bin
PIP_QUIET := -qq --disable-pip-version-check

# Lambda runs python3.13: find that interpreter among pyenv's versions, else on PATH.
PY313_BIN := $(or $(lastword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin)),$(shell python3.13 -c 'import os,sys;print(os.path.dirname(sys.executable))' 2>/dev/null))
PYTHON    := $(if $(PY313_BIN),$(PY313_BIN)/python3.13,python3)
SAM       := PATH="$(abspath $(PY313_BIN)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam

.PHONY: help install demo test lint typecheck unit integration e2e-emulated e2e e2e-clean template validate build bench clean scan local-invoke

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements-dev.txt layers/sagewatch/requirements.txt layers/tools/requirements.txt
	@test -x "$(PYTHON)" || command -v "$(PYTHON)" >/dev/null || { echo "no python3.13 found (pyenv or PATH)"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) -r requirements-dev.txt
	$(BIN)/pip install $(PIP_QUIET) --no-deps -e .
	@touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	@test -d $(SAM_VENV) || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install $(PIP_QUIET) -r requirements-sam.txt
	@touch $@

$(SCAN_VENV)/.installed: requirements-scan.txt
	@test -d $(SCAN_VENV) || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install $(PIP_QUIET) -r requirements-scan.txt
	@touch $@

install: $(VENV)/.installed $(SAM_VENV)/.installed  ## create both virtualenvs (dev tools; aws-sam-cli)

demo: $(VENV)/.installed  ## run the whole story in the emulated AWS account (no AWS account, no Docker)
	$(BIN)/sagewatch demo --emulated --out build/demo

# `sam local invoke` in containers joins `make test` where a Docker engine answers or can be
# started here (root, with dockerd or apt-get); CI=true requires it.
LOCAL_INVOKE = $(if $(filter true,$(CI)),local-invoke,$(shell tests/local_invoke/docker.sh available 2>/dev/null && echo local-invoke))

test: lint typecheck unit integration e2e-emulated template scan $(LOCAL_INVOKE)  ## everything CI runs: lint, types, unit, integration, the e2e scenario (emulated), template, sam validate + build, bandit + checkov, local-invoke (where Docker can run)

lint: $(VENV)/.installed  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed  ## mypy --strict
	$(BIN)/mypy

# The suites run on every core (pytest-xdist), a test file per worker: files share their
# emulated accounts through module-scoped fixtures, and no two tests of one file race.
XDIST := -n auto --dist loadfile

unit: $(VENV)/.installed  ## pure unit tests (no network)
	$(BIN)/pytest -q $(XDIST) tests/unit

integration: $(VENV)/.installed  ## tests against the emulated account on 127.0.0.1
	$(BIN)/pytest -q $(XDIST) tests/integration

e2e-emulated: $(VENV)/.installed  ## the acceptance scenario (tests/e2e) against the emulated account
	$(BIN)/pytest -q $(XDIST) tests/e2e

# The same scenario against a REAL AWS account (docs/e2e.md): it deploys a stack, a serverless
# endpoint and alarms, costs a few cents, and removes everything, after a failure too. Refused
# unless REGION and CONFIRM=yes are given and credentials resolve (environment, or PROFILE).
e2e: $(VENV)/.installed  ## the acceptance scenario against a REAL AWS account: make e2e REGION=eu-west-1 CONFIRM=yes [PROFILE=name] (docs/e2e.md)
	@$(E2E_ENV) $(BIN)/python -m tests.e2e.settings
	@$(MAKE) --no-print-directory $(SAM_VENV)/.installed
	@test -n "$(PY313_BIN)" || { echo "sam build needs python3.13 (pyenv install 3.13 or put it on PATH)"; exit 1; }
	$(E2E_ENV) PATH="$(abspath $(PY313_BIN)):$$PATH" SAM_CLI_TELEMETRY=0 $(BIN)/pytest -q -s tests/e2e

e2e-clean: $(VENV)/.installed  ## remove what a real e2e run left: make e2e-clean PREFIX=sw-e2e-... REGION=... [PROFILE=name] [DRY_RUN=1]
	$(BIN)/python -m tests.e2e.clean --prefix "$(PREFIX)" --region "$(REGION)" $(if $(PROFILE),--profile "$(PROFILE)") $(if $(DRY_RUN),--dry-run)

E2E_ENV = SAGEWATCH_E2E_ACCOUNT=aws SAGEWATCH_E2E_REGION="$(REGION)" SAGEWATCH_E2E_CONFIRM="$(CONFIRM)" SAGEWATCH_E2E_PROFILE="$(PROFILE)" SAGEWATCH_E2E_SAM="$(abspath $(SAM_VENV))/bin/sam"

template: $(VENV)/.installed validate build  ## template tests, sam validate --lint, sam build
	$(BIN)/pytest -q tests/template

SPOKE_TEMPLATE := docs/spoke/spoke.yaml

validate: $(SAM_VENV)/.installed  ## sam validate --lint; cfn-lint on the spoke template (plain CloudFormation)
	$(SAM) validate --lint
	$(SAM_VENV)/bin/cfn-lint $(SPOKE_TEMPLATE)

build: $(SAM_VENV)/.installed  ## sam build (python3.13 on PATH, found from pyenv)
	@test -n "$(PY313_BIN)" || { echo "sam build needs python3.13 (pyenv install 3.13 or put it on PATH)"; exit 1; }
	$(SAM) build

scan: $(SCAN_VENV)/.installed  ## bandit on the runtime code (no medium/high findings) and checkov on template.yaml and the spoke template
	$(SCAN_VENV)/bin/bandit -q -r layers/sagewatch/sagewatch functions -ll
	$(SCAN_VENV)/bin/checkov -f template.yaml -f $(SPOKE_TEMPLATE) --framework cloudformation --compact --quiet --skip-download

bench: $(VENV)/.installed  ## benchmarks: API call counts, cold-start ratio, peak memory, a week on call -> build/bench/
	$(BIN)/python -m tests.bench.run --out build/bench

# Two workers: the native containers on one, the arm64 ones under qemu on the other
# (test_local_invoke.py and test_local_invoke_arm64.py, a file per worker); docs/local-invoke.md.
local-invoke: $(VENV)/.installed build  ## every sample event through sam local start-lambda (and sam local invoke) in Docker, against the emulated account
	tests/local_invoke/docker.sh start
	tests/local_invoke/docker.sh image
	$(BIN)/pytest -q -n 2 --dist loadfile -m local_invoke tests/local_invoke

clean:  ## remove build outputs (keeps the virtualenvs)
	rm -rf build .aws-sam .pytest_cache .mypy_cache .ruff_cache
