# Developer and CI entry points. A fresh machine needs only Python 3.11: PostgreSQL and Redis come
# from wheels in the venv (deploy/devservices.py), unless DATABASE_URL / REDIS_URL name real servers.
#
#   make run       migrate, provision the demo centres, serve http://localhost:8000/ [PORT=8000]
#   make test      ruff, ruff format --check, mypy, import contracts, pytest [PYTEST_ARGS="-x -k ..."]
#   make perf      the benchmark suite: p95 of the main screens and API calls against budgets
#                  [PERF_ARGS="--only case --repeat 30"]
#   make lint | typecheck | fmt
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

# The install is redone only when pyproject.toml changes: its hash names the stamp file.
PYPROJECT_HASH := $(shell (sha256sum 2>/dev/null || shasum -a 256) < pyproject.toml | cut -c1-16)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)

IS_PY311 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'

.DEFAULT_GOAL := help
.PHONY: help venv run test perf screenshots lint typecheck fmt messages services-start services-status services-stop clean

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
	echo 'make: installing the project and its dev tools into $(VENV) (pip install -e ".[dev]")'; \
	$(PY) -m pip install --quiet --editable ".[dev]"; \
	rm -f $(VENV)/.installed-*; \
	touch $@

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

# Timings live here, never in the tests: its own database (<name>_perf), demo data, budgets in
# deploy/perf_budgets.toml; results in test-artifacts/perf/results.json.
PERF_ARGS ?=
export PERF_ARGS

perf: venv
	@$(DEVSERVICES) exec -- sh -c 'eval "set -- $$PERF_ARGS"; $(PY) deploy/perf.py "$$@"'

# The browser tests' machinery (a served test database with the demo centres, Debian's chromium)
# photographs the main screens; the pictures go to docs/screenshots/, referenced from the README.
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

clean: services-stop
	rm -rf $(VENV) .local
