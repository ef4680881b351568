"""A password hasher that counts the hashes it makes (PASSWORD_HASHERS in a test)."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class CountingHasher(PBKDF2PasswordHasher):
    algorithm = "counting_pbkdf2"
    iterations = 1  # counted, not timed: bench/signup_timing.py measures the real cost
    made = 0

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        CountingHasher.made += 1
        return super().encode(password, salt, iterations)
