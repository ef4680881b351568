"""Encrypts the two-factor secrets that allauth stored in the clear (accounts/mfa.py)."""

from django.db import migrations

from accounts.mfa import decrypt_all, encrypt_all


def encrypt(apps, schema_editor):
    encrypt_all(apps.get_model("mfa", "Authenticator"))


def decrypt(apps, schema_editor):
    decrypt_all(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_cache_table"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
