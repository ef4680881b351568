# The two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Unset, DEBUG means production settings: the two commands are for development.
DEV := DEBUG=true

# A Python >= 3.13: python3.14/python3.13/python3 on PATH, else pyenv's versions.
PYTHON ?= $(shell scripts/find-python)

.PHONY: install run test lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.13 or newer found (looked for python3.14, python3.13, python3 on PATH and under pyenv). Install one, or run: make PYTHON=/path/to/python3.13 ..." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# The task worker (it sends the queued email) runs beside the server and stops with it.
run: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_demo
	@$(DEV) $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(DEV) scripts/test.sh $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache staticfiles
