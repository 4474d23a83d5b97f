# Baobab developer commands. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST := $(BIN)/python -m pytest
# The suite runs on both cores (pytest-xdist); `make test JOBS=1` runs it in one process.
JOBS ?= 2

.PHONY: install run serve test test-embedded test-services test-slow test-all fmt lint typecheck forms check lock clean messages browser

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	-git rev-parse --git-dir >/dev/null 2>&1 && git config core.hooksPath .githooks
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

test-embedded: install
	$(PYTEST) -n $(JOBS)

test-services: install
	$(BIN)/python scripts/test_services.py -- $(PYTEST) -n $(JOBS)

# The minute-long reliability tests (crash, outages, soak, fuzzing), on PostgreSQL + SeaweedFS;
# -s shows the figures they print.
test-slow: install
	$(BIN)/python scripts/test_services.py -- $(PYTEST) --slow -s

test-all: test test-slow

fmt: install
	$(BIN)/ruff format converters storage server tests bench scripts
	$(BIN)/ruff check --fix converters storage server tests bench scripts

lint: install
	$(BIN)/ruff format --check converters storage server tests bench scripts
	$(BIN)/ruff check converters storage server tests bench scripts
	$(BIN)/mypy

forms: install
	$(BIN)/python -m pytest -q tests/test_shipped_forms.py

check: lint test

# Re-extract the web interface's messages and merge them into each language's catalogue;
# then translate what `make test` reports as untranslated (tests/web/test_languages.py).
messages: install
	$(BIN)/pybabel extract -F server/web/babel.cfg -k translate -k N_ -k redirect:2 \
		--no-location --sort-output -o server/web/locale/messages.pot \
		server/web server/errors.py storage/errors.py converters/errors.py
	$(BIN)/pybabel update -i server/web/locale/messages.pot -d server/web/locale -w 100 --ignore-obsolete

# Regenerate constraints.txt (the lock) from a fresh resolve of pyproject.toml.
lock:
	rm -rf /tmp/baobab-lock && $(PYTHON) -m venv /tmp/baobab-lock
	/tmp/baobab-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/baobab-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
