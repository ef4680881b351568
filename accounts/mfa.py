"""Two-factor secrets encrypted at rest: allauth keeps each authenticator app's TOTP
secret and the seed of the recovery codes in the database, and calls these hooks to
encrypt and decrypt them (MFA_ADAPTER). The key is MFA_ENCRYPTION_KEY, never SECRET_KEY:
a leaked SECRET_KEY (or database dump) alone does not give anyone a second factor."""

from __future__ import annotations

from functools import cache
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The first key encrypts; every key listed decrypts (so a key can be rotated)."""
    return _fernet(tuple(settings.MFA_ENCRYPTION_KEY))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode("ascii")).decode()


def is_encrypted(value: str) -> bool:
    try:
        decrypt(value)
    except (InvalidToken, ValueError, UnicodeError):
        return False
    return True


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)


def _plain(value: str) -> str:
    return decrypt(value) if is_encrypted(value) else value


def encrypt_stored(data: dict[str, Any]) -> None:
    """Encrypts an authenticator's stored secrets with the first key (whether they were
    in the clear, as allauth stores them by default, or under an older key)."""
    for name in ("secret", "seed"):
        if isinstance(data.get(name), str):
            data[name] = encrypt(_plain(data[name]))
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [encrypt(_plain(code)) for code in data["migrated_codes"]]


def decrypt_stored(data: dict[str, Any]) -> None:
    for name in ("secret", "seed"):
        if isinstance(data.get(name), str):
            data[name] = _plain(data[name])
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [_plain(code) for code in data["migrated_codes"]]


def encrypt_all(authenticator_model: Any) -> int:
    """Encrypts every authenticator's secrets with the first key: the data migration and
    `manage.py encrypt_mfa_secrets` (after a new key is put first) use it."""
    count = 0
    for authenticator in authenticator_model.objects.all():
        encrypt_stored(authenticator.data)
        authenticator.save(update_fields=["data"])
        count += 1
    return count


def decrypt_all(authenticator_model: Any) -> None:
    for authenticator in authenticator_model.objects.all():
        decrypt_stored(authenticator.data)
        authenticator.save(update_fields=["data"])
