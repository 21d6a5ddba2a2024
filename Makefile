# Samspill: `make demo` runs the product with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
RUN_ID := $(shell date +%s)$(shell echo $$$$)

.PHONY: demo test install install-test system-packages lint test-sqlite test-postgres test-browser messages openapi clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Samspill needs Python 3.11 or newer"' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## demo: install, migrate the SQLite database under var/, load the demo data if empty, serve + worker
demo: install
	PORT=$(PORT) $(BIN)/samspill demo

## test: install what the tests need and run them all (checks, SQLite, PostgreSQL, browser)
test: install-test system-packages lint test-sqlite test-postgres test-browser

## system-packages: Debian's chromium (browser tests) and gettext (translation checks), when missing
system-packages:
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing from Debian's packages"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy samspill
	SAMSPILL_VAR_DIR=$$(mktemp -d) $(BIN)/samspill makemigrations --check --dry-run

test-sqlite: install-test
	SAMSPILL_VAR_DIR=$$(mktemp -d) DATABASE_URL= REDIS_URL= $(BIN)/pytest -m "not browser" -q

test-postgres: install-test
	@$(BIN)/python -c 'import psycopg, sys; psycopg.connect("$(PG_URL)/postgres", connect_timeout=5).close()' \
		|| { echo "PostgreSQL does not answer at $(PG_URL): the PostgreSQL run cannot be skipped"; exit 1; }
	SAMSPILL_VAR_DIR=$$(mktemp -d) DATABASE_URL=$(PG_URL)/samspill_$(RUN_ID) REDIS_URL=$(REDIS_TEST_URL) \
		REDIS_PREFIX=samspill_test_$(RUN_ID) $(BIN)/pytest -m "not browser" -q

test-browser: install-test system-packages
	SAMSPILL_VAR_DIR=$$(mktemp -d) DATABASE_URL= REDIS_URL= $(BIN)/pytest tests/browser -m browser -q

## messages: extract and compile the translations (needs gettext)
messages: install
	cd samspill && ../$(BIN)/samspill makemessages -l nb --no-obsolete --add-location file && ../$(BIN)/samspill compilemessages -l nb

openapi: install
	$(BIN)/python -m samspill.openapi > docs/openapi.json

clean:
	rm -rf $(VENV) var test-artifacts
