# The two commands of the README: `make run` and `make test`.
# Each creates the isolated environment .venv/ from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast build lint bench clean frontend

# The browser assets (SPARQL editor bundle, map data, axe-core) built by frontend/ into
# src/conflictkg/web/static/build/; its manifest.json is written last, so it stands for the
# whole build, which reruns when the lock file, the config or a source changes.
NPM ?= npm
FRONTEND_BUILT := src/conflictkg/web/static/build/manifest.json
FRONTEND_SOURCES := frontend/package.json frontend/package-lock.json frontend/map.config.json \
	$(wildcard frontend/src/*.js frontend/scripts/*.js)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

$(FRONTEND_BUILT): $(FRONTEND_SOURCES)
	cd frontend && $(NPM) ci --no-audit --no-fund && $(NPM) run build

frontend: $(FRONTEND_BUILT)

run: $(BIN)/.installed $(FRONTEND_BUILT)
	$(BIN)/conflictkg serve --host $(HOST) --port $(PORT)

test: $(BIN)/.installed $(FRONTEND_BUILT)
	$(BIN)/python -m pytest

# The unit tests only (no live server, browser, HermiT or lint): seconds, for every edit.
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m unit

build: $(BIN)/.installed
	$(BIN)/conflictkg build

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf output .pytest_cache
