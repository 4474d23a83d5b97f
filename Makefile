# Baobab developer commands. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST := $(BIN)/python -m pytest
# The suite runs on both cores (pytest-xdist); `make test JOBS=1` runs it in one process.
JOBS ?= 2

.PHONY: hooks install run serve test test-embedded test-services test-slow test-all fmt lint typecheck forms check lock clean messages browser docs

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# ODK Web Forms and Vue for the forms filled in the browser, from the npm registry as pinned by
# package-lock.json, installed with the machine's Node.js and npm (`npm ci`: exactly the lock,
# no lifecycle script) into node_modules/, which the web interface serves as static files.
# There is no build step.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(SUDO) apt-get install -y -q nodejs npm >/dev/null \
		|| ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q nodejs npm >/dev/null)
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NODE_STAMP)

# `make hooks` (asked for, never implied by another target) points this clone's git at
# .githooks/, whose pre-commit runs the format check, lint, types and, when forms change, their tests.
hooks:
	git config core.hooksPath .githooks

run: install
	$(BIN)/baobab serve --bootstrap

serve: run

# The whole suite, twice: on the embedded default (SQLite + local directory), then on
# PostgreSQL + SeaweedFS started (and stopped) by scripts/test_services.py.
test: install browser test-embedded test-services

# Debian's Chromium, which tests/web/test_browser.py drives through Playwright (no browser
# download: Playwright is pointed at /usr/bin/chromium).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium || $(SUDO) apt-get install -y -q chromium >/dev/null \
		|| ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium >/dev/null)
	@test -x /usr/bin/chromium || (echo "could not install chromium" && false)

# Line and branch coverage of converters, storage, server and programmes, measured on the
# embedded run only (it doubles the CPU time of Python-heavy tests: on both runs `make test` and
# `make test-slow` would pass 20 minutes on two cores). The run prints the total and fails below
# fail_under (pyproject.toml); `.venv/bin/coverage report` lists the files; `make test COVERAGE=`
# runs without it.
COVERAGE := --cov --cov-report=

# The embedded run is the core alone (TEST_PROGRAMMES empty: no programme loaded; the
# programme's own tests, marked `programme`, still load it); the services run loads the returnee
# programme everywhere, as `make run` does.
test-embedded: install
	TEST_PROGRAMMES= $(PYTEST) -n $(JOBS) $(COVERAGE)

test-services: install
	$(BIN)/python scripts/test_services.py -- $(PYTEST) -n $(JOBS)

# The minute-long reliability tests (crash, outages, soak, fuzzing), on PostgreSQL + SeaweedFS,
# on both cores: each starts its own servers (the outage test its own PostgreSQL cluster), so
# they run side by side; -rP prints the figures they print (their stdout, not their logs).
test-slow: install
	$(BIN)/python scripts/test_services.py -- $(PYTEST) --slow -n $(JOBS) -rP --show-capture=stdout

test-all: test test-slow

fmt: install
	$(BIN)/ruff format converters storage server programmes tests bench scripts
	$(BIN)/ruff check --fix converters storage server programmes tests bench scripts

lint: install
	$(BIN)/ruff format --check converters storage server programmes tests bench scripts
	$(BIN)/ruff check converters storage server programmes tests bench scripts
	$(BIN)/mypy
	$(BIN)/python scripts/reference_docs.py --check
	rm -rf $(DOCS_CHECK) && $(BIN)/mkdocs build --strict --quiet -d $(DOCS_CHECK) && rm -rf $(DOCS_CHECK)

# The documentation site, from docs/ (mkdocs.yml), into site/; open site/index.html.
DOCS_CHECK := $(shell mktemp -u /tmp/baobab-docs.XXXXXX)
docs: install
	$(BIN)/mkdocs build --strict --quiet

# Rebuild each forms/<form_id>.xlsx from its source forms/<form_id>/*.csv, then check them.
forms: install
	$(BIN)/python scripts/build_forms.py
	$(BIN)/python -m pytest -q tests/test_shipped_forms.py

check: lint test

# Re-extract the web interface's messages and merge them into each language's catalogue;
# then translate what `make test` reports as untranslated (tests/web/test_languages.py).
messages: install
	$(BIN)/pybabel extract -F server/web/babel.cfg -k translate -k N_ -k redirect:2 \
		--no-location --sort-output -o server/web/locale/messages.pot \
		server/web programmes server/errors.py storage/errors.py converters/errors.py
	$(BIN)/pybabel update -i server/web/locale/messages.pot -d server/web/locale -w 100 --ignore-obsolete

# Regenerate constraints.txt (the lock) from a fresh resolve of pyproject.toml.
lock:
	rm -rf /tmp/baobab-lock && $(PYTHON) -m venv /tmp/baobab-lock
	/tmp/baobab-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/baobab-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
