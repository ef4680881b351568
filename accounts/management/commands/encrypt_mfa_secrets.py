from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.mfa import encrypt_all


class Command(BaseCommand):
    help = (
        "Encrypts every two-factor secret with the first MFA_ENCRYPTION_KEY: run it after "
        "putting a new key first (the old one after it), then drop the old key."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            count = encrypt_all(Authenticator)
        self.stdout.write(f"Encrypted the secrets of {count} authenticators with the first key.")
