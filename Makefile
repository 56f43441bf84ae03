# Tutti: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test install install-dev migrate messages catalogues seed lint format bench screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml requirements.lock
	$(PIP) install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c requirements.lock -e ".[dev]"
	touch $@

# Development settings for every manage.py command (DEBUG=1…): see .env.example.
.env:
	cp .env.example .env

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

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

bench: install-dev
	$(PY) bench/seed_families.py 2000
	$(PY) bench/import_families.py
	$(PY) bench/upload.py
	$(PY) bench/reenrolment.py

clean:
	rm -rf $(VENV) var db.sqlite3*
