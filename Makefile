# The two commands a newcomer needs: `make demo` (run it) and `make test` (test it).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/dealerkpi
DEMO_DB := var/demo.sqlite3

.PHONY: install demo serve test test-sqlite test-postgres test-dist dist lint messages clean

# Debian packages the browser tests and PDFs need: Chromium (Playwright drives it), CJK fonts, pdftotext.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils

$(STAMP): pyproject.toml
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "WARNING: install these Debian packages for the browser tests:$$missing"; fi; \
	fi
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: the demo dealer group on SQLite under var/, served on http://127.0.0.1:8000
demo: install
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) $(BIN)/dealerkpi demo

## make lint: ruff, and the layers of the apps (import-linter, contracts in pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

## make test: the whole suite on SQLite, then again on PostgreSQL
test: lint test-sqlite test-postgres test-dist

# One worker per core (pytest-xdist), a test file's tests on one worker so its module fixtures are built once,
# files handed out in the order tests/conftest.py collects them (the longest first).
PYTEST := $(BIN)/pytest -q -n auto --dist loadfile --no-loadscope-reorder

test-sqlite: install
	DATABASE_URL=sqlite:///:memory: $(PYTEST)

test-postgres: install
	@if $(BIN)/python -m dealerkpi.core.pgcheck "$(PG_URL)"; then \
		DATABASE_URL=$(PG_URL) $(PYTEST); \
	elif [ "$$CI" = "true" ]; then \
		echo "FAIL: no PostgreSQL answers at $(PG_URL); under CI=true that is a failure." >&2; exit 1; \
	else \
		echo ""; echo "################################################################"; \
		echo "# WARNING: no PostgreSQL answers at $(PG_URL)."; \
		echo "# The PostgreSQL leg of the suite was SKIPPED. Set PG_URL to run it."; \
		echo "################################################################"; \
	fi

## make dist: the sdist and the wheel in dist/; the build must not warn of anything deprecated
dist: install
	rm -rf dist build
	mkdir -p var
	$(BIN)/python -m build --outdir dist . > var/build.log 2>&1 || { cat var/build.log; exit 1; }
	@if grep -i deprecat var/build.log; then echo "FAIL: the build warns of something deprecated" >&2; exit 1; fi

## make test-dist: the wheel installed in a fresh virtualenv outside the checkout runs the demo and the checks
test-dist: dist
	PYTHON=$(PY) scripts/check-dist.sh dist

## make messages: refresh the zh-Hans catalogue from the source and compile it
messages: install
	cd src/dealerkpi && DEALERKPI_DEV=1 ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --settings=dealerkpi.settings
	cd src/dealerkpi && DEALERKPI_DEV=1 ../../$(BIN)/django-admin compilemessages --settings=dealerkpi.settings

clean:
	rm -rf $(VENV) var .pytest_cache dist build
