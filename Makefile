# Stacks: `make up` runs everything, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Every install takes its versions from the lock (`make lock` writes it from pyproject.toml).
CONSTRAINTS := constraints.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(CONSTRAINTS) | cksum | cut -d' ' -f1)
# With DATABASE_URL / REDIS_URL unset, embedded PostgreSQL and Redis are started for the run.
EMBEDDED := $(PY) config/embedded.py run
# The browser tests (tests/browser/) drive Debian's Chromium; without it they are skipped.
CHROMIUM := /usr/bin/chromium
NO_CHROMIUM := Chromium not found at $(CHROMIUM): browser tests skipped; install Debian's chromium package

# Citus: a coordinator and two workers built from ../shared/vendor (config/citus.py).
CITUS := $(PY) config/citus.py

# Translations: each locale/<code>/LC_MESSAGES/django.po compiled beside itself to django.mo
# (with babel: GNU gettext is not needed). `make messages` extracts and updates them.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: up test lint bench install lock compose-smoke clean citus-build citus-up test-citus bench-citus messages

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embedded]' --constraint $(CONSTRAINTS)
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) $(MO_FILES)

$(MO_FILES): %.mo: %.po $(STAMP)
	$(PY) config/messages.py compile

# After changing marked text: locale/django.pot from the code and templates, every catalog
# brought up to it; then translate what `python config/messages.py check` lists.
messages: $(STAMP)
	$(PY) config/messages.py extract

# After changing dependencies in pyproject.toml: pin every requirement of every extra, for any
# platform and Python 3.11 or later. Pins already in the file are kept while they still fit;
# `make lock LOCK_ARGS=--upgrade` moves everything to the newest releases.
# Needs only uv: an install that the lock no longer fits must not stop the lock's repair.
lock:
	test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); \
		$(PY) -m pip install --quiet 'uv>=0.9,<1'; }
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--native-tls --annotation-style line --custom-compile-command "make lock" --quiet \
		$(LOCK_ARGS) --output-file $(CONSTRAINTS)

up: install
	$(EMBEDDED) --profile dev -- $(PY) config/up.py

# mypy's Django plugin imports the settings (DEBUG=1: no SECRET_KEY needed); it connects to
# no database or Redis.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy common staff catalog circulation cataloguing tenants worker api config

test: export DEBUG ?= 1
test: install
	$(EMBEDDED) --profile test -- $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) lint
	@test -x $(CHROMIUM) || echo "$(NO_CHROMIUM)"
	$(EMBEDDED) --profile test -- $(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	test -x $(CHROMIUM) || echo "$(NO_CHROMIUM)"; exit $$status

bench: install
	rm -f .bench/results.json
	$(EMBEDDED) --profile bench -- $(PY) -m pytest tests/perf -p no:randomly -s $(PYTEST_ARGS)

# Builds deploy/Dockerfile and runs deploy/compose.yaml under podman, then checks the stack
# (deploy/smoke/compose-smoke.sh; run as root: it installs podman from Debian when missing).
compose-smoke: $(STAMP)
	PODMAN_COMPOSE=$(VENV)/bin/podman-compose deploy/smoke/compose-smoke.sh

citus-build: install
	$(CITUS) build

# make up, with the libraries spread over a Citus cluster whose data is kept in .stacks/citus-dev/.
citus-up: citus-build
	$(CITUS) run --profile citus-dev --keep -- $(PY) config/up.py

# The suite against the coordinator of a fresh cluster (tests/citus.py lists what it skips).
test-citus: export DEBUG ?= 1
test-citus: citus-build
	$(CITUS) run --profile citus -- $(PY) -m pytest $(PYTEST_ARGS)

bench-citus: citus-build
	rm -f .bench/results.json
	$(CITUS) run --profile citus-bench -- $(PY) -m pytest tests/perf/test_citus_bench.py -p no:randomly -s $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .stacks .bench
