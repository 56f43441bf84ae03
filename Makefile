# Tutti: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test install install-dev install-bench migrate messages catalogues seed lint format bench bench-services restore-test screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml requirements.lock
	$(PIP) install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c requirements.lock -e ".[dev]"
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(PIP) install --quiet -c requirements.lock -e ".[dev,bench]"
	touch $@

# Development settings for every manage.py command (DEBUG=1…): see .env.example.
.env:
	cp .env.example .env

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

# After changing texts: refresh the English catalogue (then translate what is new or fuzzy)
# and rewrite the French plural forms from it.
catalogues: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench --no-obsolete
	DEBUG=1 $(PY) manage.py french_plurals

run: export DEBUG = 1
run: .env install messages
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Tutti is at http://127.0.0.1:8000"
	@echo "  family:      site Malakoff, famille.demo / Demo2026x (also famille.demo2, famille.voisin)"
	@echo "  secretariat: http://127.0.0.1:8000/admin/  secretariat / Secretariat2026 (Malakoff; secretariat.loire for Sèvre Loire)"
	@echo "  superuser:   admin / Admin2026x"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:8000

test: install-dev messages
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The README's screenshots (docs/screenshots/*.png), taken by Chromium at phone and desk width.
screenshots: install-dev messages
	TUTTI_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q -p no:randomly tests/test_screenshots.py

lint: install-dev
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Pages, rush, queries, admin lists, logins and memory under gunicorn + PostgreSQL, in one
# table (also written to bench/RESULTS.md). Scale with BENCH_FAMILIES, BENCH_SECONDS,
# RUSH_USERS, RUSH_SECONDS; BENCH_PG names the PostgreSQL server (see bench/run.py).
bench: install-bench messages
	$(PY) bench/run.py

# The services' own benchmarks (seeding, import, uploads, re-enrolment under parallel workers).
bench-services: install-dev
	$(PY) bench/seed_families.py 2000
	$(PY) bench/import_families.py
	$(PY) bench/upload.py
	$(PY) bench/reenrolment.py
	$(PY) bench/billing.py

# Back up a seeded database, restore the dump into a scratch database and compare them.
restore-test: install messages
	PYTHON=$(abspath $(PY)) deploy/restore_test.sh

clean:
	rm -rf $(VENV) var db.sqlite3*
