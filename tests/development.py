"""Loaded first (`-p tests.development` in pyproject): tests run on the development
settings. With DEBUG unset the settings are production's, and pytest-django imports them
before any conftest, so `.venv/bin/pytest` run by hand needs DEBUG set this early; `make
test` sets it too. Tests of production settings run a process of their own (see
tests/support/production.py)."""

import os

os.environ.setdefault("DEBUG", "true")
