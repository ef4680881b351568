"""The environment of a process on production settings, for tests that start one
(manage.py, gunicorn, a fresh Python reading the settings)."""

from __future__ import annotations

import os

# What production must be given (settings.py refuses to start without each), with values
# for tests; DEBUG is left unset, which is production's.
REQUIRED = {
    "SECRET_KEY": "production-test-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,directory.example.org",
    "SITE_URL": "https://directory.example.org",
    "MFA_ENCRYPTION_KEY": "cHJvZHVjdGlvbi10ZXN0LW1mYS1rZXktMzItYnl0ZXM=",
}


def production_env(**overrides: str) -> dict[str, str]:
    """os.environ without the test process's own settings (DEBUG, Playwright's async
    flag), plus what production requires; overrides last."""
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return {**inherited, **REQUIRED, **overrides}
