"""Two-factor secrets are encrypted at rest with MFA_ENCRYPTION_KEY, never SECRET_KEY, and
a data migration encrypts the ones stored before (issue 13 point 17)."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from tests.support.organisers import PASSWORD

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

migration = importlib.import_module("accounts.migrations.0002_encrypt_mfa_secrets")


def stored(authenticator: Authenticator) -> dict:
    """The row as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        data = cursor.fetchone()[0]
    return json.loads(data) if isinstance(data, str) else data


def decrypted(token: str, key: str) -> str:
    return Fernet(key).decrypt(token.encode()).decode()


def test_an_authenticator_apps_secret_is_stored_encrypted(make_user, settings, client):
    user = make_user("two.factor@example.org")
    secret = generate_totp_secret()
    totp = TOTP.activate(user, secret)
    row = stored(totp.instance)
    assert secret not in json.dumps(row)
    (key,) = settings.MFA_ENCRYPTION_KEY
    assert key != settings.SECRET_KEY
    assert decrypted(row["secret"], key) == secret
    # ...and it still works: a code from the app signs in.
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == "/organisers/"


def test_the_recovery_codes_seed_is_stored_encrypted(make_user, settings):
    user = make_user("two.factor@example.org", totp=True)
    codes = RecoveryCodes.activate(user)
    row = stored(codes.instance)
    seed = decrypted(row["seed"], settings.MFA_ENCRYPTION_KEY[0])
    assert len(seed) == 80 and seed not in json.dumps(row)
    assert codes.validate_code(codes.generate_codes()[0])


def test_the_migration_encrypts_secrets_stored_in_the_clear(make_user, settings):
    user = make_user("two.factor@example.org")
    secret, seed = generate_totp_secret(), "ab" * 40
    # As allauth stored them before this project set MFA_ADAPTER.
    totp = Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    recovery = Authenticator.objects.create(
        user=user, type="recovery_codes", data={"seed": seed, "used_mask": 0}
    )

    migration.encrypt(apps, None)
    key = settings.MFA_ENCRYPTION_KEY[0]
    assert decrypted(stored(totp)["secret"], key) == secret
    assert decrypted(stored(recovery)["seed"], key) == seed
    assert stored(recovery)["used_mask"] == 0

    migration.encrypt(apps, None)  # again: still one layer, not two
    assert decrypted(stored(totp)["secret"], key) == secret

    migration.decrypt(apps, None)
    assert stored(totp)["secret"] == secret and stored(recovery)["seed"] == seed


def test_a_key_is_rotated_by_putting_the_new_one_first(make_user, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEY = [old]
    user = make_user("two.factor@example.org")
    secret = generate_totp_secret()
    totp = TOTP.activate(user, secret)

    settings.MFA_ENCRYPTION_KEY = [new, old]
    out = io.StringIO()
    call_command("encrypt_mfa_secrets", stdout=out)
    assert "1 authenticators" in out.getvalue()
    settings.MFA_ENCRYPTION_KEY = [new]
    assert decrypted(stored(totp.instance)["secret"], new) == secret
