# Every target sets up what it needs: `make run` and `make test` work on a fresh clone with only
# Python 3.11+ and make (SQLite and in-memory defaults; no PostgreSQL or Redis required).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Where `make run` listens: the command line or the environment, else .env, else the default
# (the same order the app reads its settings in).
dotenv = $(shell sed -n "s/^$(1)=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}[[:space:]]*$$/\1/p" .env 2>/dev/null | tail -n 1)
HOST ?= $(or $(call dotenv,HOST),127.0.0.1)
PORT ?= $(or $(call dotenv,PORT),8000)
# Human-readable log lines for local runs, unless the environment or .env chooses json.
LOG_FORMAT ?= $(or $(call dotenv,LOG_FORMAT),text)
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed-dev
# `make run` and `make migrate` need only what the app needs (the image's lock). A .venv that
# already has the dev lock, which holds every package of the app lock, serves them as it is.
APP_LOCK := requirements/app.lock
APP_STAMP := $(VENV)/.installed-app
RUN_STAMP := $(if $(wildcard $(STAMP)),$(STAMP),$(APP_STAMP))
# One universal lock for every supported Python (3.11.0 and up) and platform: packages needed on
# some of them only carry a marker (e.g. async-timeout; python_full_version < '3.11.3').
LOCK_COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock'

.DEFAULT_GOAL := help
.PHONY: help install tools lock run migrate migrations resource test contract contract-deep lint format generate \
	check-generated check-deploy check-alerts prometheus-rule container-test docs clean sdk sdk-check \
	breaking spec-lint test-tools bench bench-instructions bench-scale bench-capacity cluster cluster-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# $(call install_lock,lock file,stamp): exactly the hashed lock, no resolution, then pip check.
define install_lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(1)
	$(BIN)/python -m pip check
	touch $(2)
endef

$(STAMP): $(LOCK)
	$(call install_lock,$(LOCK),$(STAMP))

$(APP_STAMP): $(APP_LOCK)
	$(call install_lock,$(APP_LOCK),$(APP_STAMP))

install: $(STAMP) ## Create .venv and install the locked dependencies (the dev lock: tests and tools)

# Node tools (SDK generators, tsc, Optic, Spectral), pinned by tools/package-lock.json; only the
# SDK, breaking-change and spec-lint targets need them (and Node 20+ with npm).
NODE_TOOLS := tools/node_modules/.installed

$(NODE_TOOLS): tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_TOOLS)

tools: $(NODE_TOOLS) ## Install the pinned Node tools into tools/node_modules

lock: $(STAMP) ## Re-resolve requirements/*.lock from pyproject.toml
	$(LOCK_COMPILE) --extra dev -o requirements/dev.lock pyproject.toml
	$(LOCK_COMPILE) -o requirements/app.lock pyproject.toml

migrate: $(RUN_STAMP) ## Upgrade the database (DATABASE_URL, default SQLite in ./data) to the latest migration
	$(BIN)/alembic upgrade head

# Compares the models with a temporary SQLite database migrated to head: ./data/app.db and the
# dev server's database are never touched. Writes alembic/versions/<next number>_<slug>.py, or
# nothing (exit 1) when the models and the migrations already agree.
migrations: $(STAMP) ## Autogenerate the next migration from the models: make migrations m="add site code"
	@test -n "$(m)" || { echo 'usage: make migrations m="what changed"'; exit 2; }
	$(BIN)/python scripts/new_migration.py "$(m)"

# Writes a working CRUD resource of an organization (spec, model, repository, handler, tests,
# registrations, migration) that passes `make lint test` as it stands: docs/adding-a-resource.md.
resource: $(STAMP) ## Scaffold a resource of an organization: make resource NAME=devices [SINGULAR=device]
	@test -n "$(NAME)" || { echo 'usage: make resource NAME=devices [SINGULAR=device]'; exit 2; }
	$(BIN)/python scripts/new_resource.py "$(NAME)" $(if $(SINGULAR),--singular "$(SINGULAR)")

run: export LOG_FORMAT := $(LOG_FORMAT)
# --http: httptools with a bounded request head (app/edge/server_protocol.py); plain httptools
# buffers any size.
run: migrate ## Serve the API on HOST:PORT (default 127.0.0.1:8000; text logs unless LOG_FORMAT=json), with only the app lock installed
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-proxy-headers --no-server-header --http app.edge.server_protocol:BoundedHeadProtocol

# pytest-xdist workers: one process (and one database) per core by default; TEST_WORKERS=0 runs
# the suite in this process.
TEST_WORKERS ?= auto

test: $(STAMP) ## Run the test suite in parallel with coverage (TEST_DATABASE_URL picks the database, default SQLite)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --cov \
		--cov-report=term-missing:skip-covered --cov-fail-under=90

# CONTRACT_LIVE=0 skips the CLI half (CI runs it on PostgreSQL only, to keep the run short).
CONTRACT_LIVE ?= 1

contract: $(STAMP) ## Schemathesis in-process (TEST_DATABASE_URL) and its CLI against a real server (CONTRACT_DATABASE_URL); default SQLite
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m contract tests/contract
	$(if $(filter 1,$(CONTRACT_LIVE)),$(BIN)/python scripts/contract.py,@echo "CONTRACT_LIVE=0: no live-server run")

contract-deep: $(STAMP) ## A long contract run for local use (many more examples, up to 30 min)
	$(BIN)/python scripts/contract.py --max-examples 1000 --max-time 1800

lint: $(STAMP) ## ruff, mypy, the import layers (import-linter) and OpenAPI validation
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/bundle_spec.py --check
	$(BIN)/python scripts/bundle_spec.py --check --root openapi/v2/openapi.yaml

format: $(STAMP) ## Format and auto-fix the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Kubernetes releases the manifests are validated against: the oldest we support and the newest
# kubernetes-validate 1.37.0 ships schemas for (offline, no cluster needed).
KUBERNETES_VERSIONS ?= 1.33.0 1.37.0
K8S_MANIFESTS = $(filter-out %/kustomization.yaml,$(wildcard deploy/k8s/*.yaml))

check-deploy: $(STAMP) ## Lint the Dockerfile, validate docker-compose.yml and deploy/k8s (offline)
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	set -e; for version in $(KUBERNETES_VERSIONS); do \
		$(BIN)/kubernetes-validate --strict --quiet --kubernetes-version $$version $(K8S_MANIFESTS); \
	done

# promtool comes with Debian's prometheus package (.ci/run installs it without starting the server).
PROMTOOL ?= promtool

check-alerts: ## promtool check rules and promtool test rules on deploy/prometheus
	@command -v $(PROMTOOL) >/dev/null 2>&1 || { echo "check-alerts: $(PROMTOOL) not found;" \
		"install Debian's prometheus package (see .ci/run) or set PROMTOOL=/path/to/promtool"; exit 1; }
	$(PROMTOOL) check rules deploy/prometheus/alerts.yaml
	$(PROMTOOL) test rules deploy/prometheus/alerts.test.yaml

prometheus-rule: $(STAMP) ## Rewrite deploy/prometheus/prometheusrule.yaml (the Operator's form) from alerts.yaml
	$(BIN)/python scripts/prometheus_rule.py

container-test: ## Build the image and the compose stack with Docker and check them end to end (root)
	bash tests/container/run.sh

generate: $(STAMP) ## Regenerate generated/ from openapi/
	$(BIN)/python scripts/generate.py

check-generated: generate ## Fail when generated/ differs from what the spec generates
	@git diff --exit-code --stat -- generated/ openapi/components/schemas/timezones.yaml || \
		{ echo "generated files are stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- generated/)" || \
		{ git status --porcelain --untracked-files=all -- generated/; echo 'generated/ has uncommitted files'; exit 1; }

sdk: $(STAMP) $(NODE_TOOLS) ## Generate the Python and TypeScript SDKs into build/sdk with default settings; tsc --strict
	$(BIN)/python scripts/sdk.py generate

sdk-check: $(STAMP) $(NODE_TOOLS) ## make sdk, then a full scenario through each SDK against a live server (SDK_DATABASE_URL)
	$(BIN)/python scripts/sdk.py check

breaking: $(STAMP) $(NODE_TOOLS) ## Fail on an undeclared breaking change against the previous release (Optic; BREAKING_BASE=ref)
	$(BIN)/python scripts/breaking.py

spec-lint: $(NODE_TOOLS) ## Spectral: spectral:oas, the OWASP ruleset and the house rules in .spectral.yaml (v1 and v2)
	tools/node_modules/.bin/spectral lint generated/openapi.yaml generated/v2/openapi.yaml \
		--ruleset .spectral.yaml --fail-severity warn --display-only-failures

test-tools: $(STAMP) $(NODE_TOOLS) ## The tests that need the Node tools (breaking-change gate, Spectral house rules)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m node tests/tools

docs: $(STAMP) ## Build the offline API reference (Swagger UI + each version's spec) into site/
	$(BIN)/python scripts/build_docs.py site

clean: ## Remove caches, coverage data, the built docs and SDKs (not .venv, tools/node_modules or data/)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov site build

bench: $(STAMP) ## Throughput vs a bare FastAPI app, interleaved (BENCH_DATABASE_URL, default SQLite; wrk)
	$(BIN)/python -m scripts.bench.run

# Processes on loopback (ports 24000-24999), no container engine: Debian's haproxy (2.6), pgbouncer
# (1.18) and redis-server, the local PostgreSQL (CLUSTER_DATABASE_URL, default orgsites_cluster).
cluster: $(STAMP) ## 3 instances (2 workers each) behind HAProxy, PgBouncer (transaction mode), Redis; Ctrl-C stops
	$(BIN)/python -m scripts.cluster

# Starts a cluster of its own on a private PostgreSQL (never the shared one: it restarts it).
cluster-test: $(STAMP) ## Consistency, rolling deploy, kill -9, rolling migration, PostgreSQL restart, metrics across SIGKILL, start-up outage, schemathesis on a live cluster
	$(BIN)/python -m pytest tests/cluster -v

bench-instructions: $(STAMP) ## Instructions per read of the service and the raw reference, in-process, under valgrind (BENCH_DATABASE_URL: PostgreSQL; BENCH_REQUEST)
	$(BIN)/python -m scripts.bench.instructions --request "$(or $(BENCH_REQUEST),get one site)"

bench-scale: $(STAMP) ## List latency and query plans at 10k and 1M sites (needs BENCH_DATABASE_URL)
	$(BIN)/python -m scripts.bench.scale

# Starts its own PgBouncer, HAProxy and redis-server on CAPACITY_PORT (default 25000) and the 20
# ports after it; docs/capacity.md holds its figures.
bench-capacity: $(STAMP) ## Throughput and CPU per request of 1, 2 and 3 instances behind HAProxy and PgBouncer (BENCH_DATABASE_URL; wrk, haproxy, pgbouncer, redis-server)
	$(BIN)/python -m scripts.bench.capacity
