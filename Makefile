# Developer and CI entry points. A fresh machine needs only Python 3.11: PostgreSQL and Redis come
# from wheels in the venv (deploy/devservices.py), unless DATABASE_URL / REDIS_URL name real servers.
#
#   make run       migrate, provision the demo centres, serve http://localhost:8000/ [PORT=8000]
#   make test      ruff, ruff format --check, mypy, import contracts, pytest [PYTEST_ARGS="-x -k ..."]
#   make test-citus  the platform on a local Citus cluster (coordinator + 2 workers, PostgreSQL 15)
#                  [CITUS_PORT=9700 CITUS_WORKER_PORTS=9701,9702 CITUS_KEEP=1]
#   make citus-start | citus-stop    that cluster alone (data in .local/citus/)
#   make perf      the benchmark suite: p95 of the main screens and API calls against budgets
#                  [PERF_ARGS="--only case --repeat 30"]
#   make perf-scale  each step's cost with N synthetic centres (its own database <name>_perfscale,
#                  grown by manage.py provision_nation) vs django-tenants' default path, goals met
#                  or MISSED, extrapolated to 2,500 [N=200 VOLUME=0.02 PERF_SCALE_ARGS="--only portal"]
#   make lint | typecheck | fmt
#   make lock      re-resolve requirements/*.lock from pyproject.toml (pinned, hashed) [LOCK_ARGS=--upgrade]
#   make smoke     the production kit on this machine: gunicorn, nginx (TLS), Celery worker and beat
#   make messages  collect the UI texts into the English catalogue and compile it (needs gettext)
#   make screenshots  the main screens at 1280 and 390 px into docs/screenshots/ (chromium)
#   make services-start | services-status | services-stop     the embedded PostgreSQL and Redis
#   make clean     stop them, delete .venv and .local (the embedded servers' data)

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEVSERVICES := $(PY) deploy/devservices.py

PORT ?= 8000
export PORT
PYTEST_ARGS ?=
export PYTEST_ARGS

# The install is redone only when pyproject.toml or the lock changes: their hash names the stamp.
PYPROJECT_HASH := $(shell cat pyproject.toml requirements/dev.lock | (sha256sum 2>/dev/null || shasum -a 256) | cut -c1-16)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)

IS_PY311 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'

.DEFAULT_GOAL := help
.PHONY: help venv lock smoke run test test-citus citus-start citus-stop perf perf-scale screenshots lint typecheck fmt messages services-start services-status services-stop clean

help:
	@sed -n 's/^#   //p' Makefile

venv: $(STAMP)

$(STAMP):
	@set -e; \
	if ! $(PY) $(IS_PY311) 2>/dev/null; then \
		python=""; \
		for candidate in python3.11 python3; do \
			if $$candidate $(IS_PY311) 2>/dev/null; then python=$$candidate; break; fi; \
		done; \
		if [ -z "$$python" ]; then \
			echo "make: Python 3.11 is needed, as python3.11 or python3 on PATH" >&2; exit 1; \
		fi; \
		echo "make: creating $(VENV) with $$(command -v $$python)"; \
		rm -rf $(VENV); \
		$$python -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	echo 'make: installing the pinned dependencies into $(VENV) (requirements/dev.lock, hashes checked)'; \
	$(PY) -m pip install --quiet --require-hashes --requirement requirements/dev.lock; \
	echo 'make: installing the project itself (pip install --no-deps -e .)'; \
	$(PY) -m pip install --quiet --no-deps --editable .; \
	$(PY) deploy/lock.py --check || echo "make: the lock files are out of date: run make lock" >&2; \
	rm -f $(VENV)/.installed-*; \
	touch $@

# The lock files (requirements/production.lock for the image, requirements/dev.lock for make venv
# and CI): pinned versions with hashes, resolved by uv for every platform. Run after editing the
# dependencies in pyproject.toml; LOCK_ARGS=--upgrade takes the newest allowed versions.
LOCK_ARGS ?=
lock: venv
	$(PY) deploy/lock.py $(LOCK_ARGS)
	@$(MAKE) --no-print-directory venv

# The production settings on this machine, without containers (deploy/production/smoke.py).
smoke: venv
	@$(DEVSERVICES) exec -- $(PY) deploy/production/smoke.py

# Ctrl-C (exit 130) is how `make run` is meant to end: not reported as an error.
run: venv
	@$(DEVSERVICES) exec -- $(PY) deploy/run_dev.py || [ $$? -eq 130 ]

# One shell under devservices: the steps run in order and the first failure ends it with its exit
# code. PYTEST_ARGS is parsed with shell quoting, so PYTEST_ARGS="-k 'a and b'" works.
test: venv
	@$(DEVSERVICES) exec -- sh -c '\
		set -e; \
		echo "==> ruff check"; $(BIN)/ruff check .; \
		echo "==> ruff format --check"; $(BIN)/ruff format --check .; \
		echo "==> mypy"; $(BIN)/mypy .; \
		echo "==> lint-imports"; $(BIN)/lint-imports; \
		echo "==> pytest $$PYTEST_ARGS"; eval "set -- $$PYTEST_ARGS"; \
		status=0; $(BIN)/pytest "$$@" || status=$$?; \
		if [ $$status -eq 5 ]; then echo "make: pytest collected no tests" >&2; fi; \
		exit $$status'

# Citus: `deploy/citus_cluster.py test` says what runs; where Citus cannot be had, exit 0 and why.
test-citus: venv
	@$(PY) deploy/citus_cluster.py test

citus-start: venv
	$(PY) deploy/citus_cluster.py start
	$(PY) deploy/citus_cluster.py database ops_citus
	@echo "DATABASE_URL=$$($(PY) deploy/citus_cluster.py url ops_citus)"

citus-stop:
	@if [ -x $(PY) ]; then $(PY) deploy/citus_cluster.py stop; fi

# Timings live here, never in the tests: its own database (<name>_perf), demo data, budgets in
# deploy/perf_budgets.toml; results in test-artifacts/perf/results.json.
PERF_ARGS ?=
export PERF_ARGS

perf: venv
	@$(DEVSERVICES) exec -- sh -c 'eval "set -- $$PERF_ARGS"; $(PY) deploy/perf.py "$$@"'

# Scale, not screens: N synthetic centres (restartable: a bigger N reuses the ones there), then
# each step timed at N (deploy/perf_scale/); results in test-artifacts/perf-scale/results.json.
N ?= 200
VOLUME ?= 0.02
PERF_SCALE_ARGS ?=
export N VOLUME PERF_SCALE_ARGS
perf-scale: venv
	@$(DEVSERVICES) exec -- sh -c 'eval "set -- $$PERF_SCALE_ARGS"; \
		$(PY) -m deploy.perf_scale --n "$$N" --volume "$$VOLUME" "$$@"'

screenshots: venv
	@$(DEVSERVICES) exec -- sh -c 'OPS_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/ui/test_screenshots.py -q -p no:cacheprovider'

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy .

messages: venv
	$(PY) deploy/messages.py

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

services-start: venv
	$(DEVSERVICES) start

services-status: venv
	@$(DEVSERVICES) status || true

services-stop:
	@if [ -x $(PY) ]; then $(DEVSERVICES) stop; fi

clean: services-stop citus-stop
	rm -rf $(VENV) .local
