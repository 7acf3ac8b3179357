# Two commands matter: `make run` (the product, locally, nothing to install) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kestra
TEST_BROKER_BASE ?= redis://127.0.0.1:6379

.PHONY: setup run test lint format check-services browser bench

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py standalone --port $${PORT:-8080} $(if $(FLOWS),--flows $(FLOWS),)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-services:
	./scripts/services.sh

# Debian's Chromium for the web UI's browser tests (they skip, saying why, without it).
browser:
	./scripts/browser.sh || echo "Chromium could not be installed: the browser tests will skip"

test: $(STAMP) check-services browser lint
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_BROKER_BASE=$(TEST_BROKER_BASE) \
	  $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Benchmarks (not tests): every figure of README "Performance"; BENCH_ARGS="--quick" for a short run.
bench: $(STAMP) check-services
	$(BIN)/python -m bench.run $(BENCH_ARGS)
