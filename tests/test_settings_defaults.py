"""With DEBUG unset the settings are production's; the two commands (`make run`, `make
test`) are what turn development on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.production import production_env

ROOT = Path(__file__).resolve().parent.parent

READ = (
    "import json, directory.settings as s;"
    "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
    " s.MAILERS['default']['BACKEND'], s.ALLOWED_HOSTS]))"
)


def read_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_with_debug_unset_the_settings_are_productions():
    result = read_settings(production_env())
    assert result.returncode == 0, result.stderr
    debug, redirect, secure_cookie, mail, hosts = json.loads(result.stdout)
    assert debug is False
    assert redirect is True and secure_cookie is True
    assert mail == "django.core.mail.backends.smtp.EmailBackend"
    assert "localhost" not in hosts


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SITE_URL", "MFA_ENCRYPTION_KEY"])
def test_production_does_not_start_without_what_it_needs(missing):
    env = production_env()
    del env[missing]
    result = read_settings(env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr
    assert "DEBUG=true" in result.stderr  # says how to get the development settings


@pytest.mark.parametrize("key", ["not-a-key", "SECRET_KEY"])
def test_the_two_factor_key_is_a_key_of_its_own(key):
    env = production_env()
    if key == "SECRET_KEY":
        env["SECRET_KEY"] = env["MFA_ENCRYPTION_KEY"]
    else:
        env["MFA_ENCRYPTION_KEY"] = key
    result = read_settings(env)
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEY must be Fernet keys" in result.stderr


def test_debug_true_gives_the_development_defaults():
    env = {
        k: v
        for k, v in production_env(DEBUG="true").items()
        if k not in {"SITE_URL", "MFA_ENCRYPTION_KEY"}
    }
    result = read_settings(env)
    assert result.returncode == 0, result.stderr
    debug, redirect, _, mail, _ = json.loads(result.stdout)
    assert debug is True and redirect is False
    assert mail == "accounts.console.EmailBackend"


@pytest.mark.parametrize("target", ["run", "test"])
def test_make_run_and_make_test_turn_debug_on(target):
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    dry = subprocess.run(
        ["make", "-n", target], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    commands = [
        line for line in dry.stdout.splitlines() if "manage.py" in line or "test.sh" in line
    ]
    assert commands
    for command in commands:
        assert "DEBUG=true" in command, command


def test_the_suite_itself_runs_on_the_development_settings(settings):
    assert os.environ["DEBUG"] == "true"
    assert settings.SECURE_SSL_REDIRECT is False
