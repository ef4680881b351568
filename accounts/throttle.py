"""Sign-in throttling: growing delays, never a lock an attacker can hold.

Each failed sign-in makes the next attempt wait, per client and per account: 1 second
after the first failure, doubling with each further one, at most 60. A key's failures
are forgotten after 15 quiet minutes; the account's also when its owner signs in or
resets the password. A guesser is slowed to a try a minute; the owner, if the account's
delay holds them up too, asks for an emailed link that lets their browser sign in without
waiting for 30 minutes (see UnlockLink). Only keyed hashes reach the shared cache.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

from .clients import client_address

FIRST_DELAY_SECONDS = 1
MAX_DELAY_SECONDS = 60
FORGET_AFTER_SECONDS = 15 * 60
UNLOCK_SECONDS = 30 * 60
UNLOCK_SESSION_KEY = "accounts_signin_unlock"
CLIENT_PREFIX = "signin:client:"
_UNLOCK_SALT = "accounts.signin-unlock"

# The time, read through one name that tests can move on.
clock: Callable[[], float] = time.time


def delay_after(failures: int) -> int:
    """Seconds the next attempt must wait after this many failures in a row."""
    if failures <= 0:
        return 0
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** min(failures - 1, 16))


def _hashed(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"signin:{kind}:{digest[:32]}"


def account_key(login: str) -> str:
    return _hashed("account", login.strip().lower())


@dataclass(frozen=True)
class SignIn:
    """One sign-in attempt's throttle keys: its client and its account, or, with a valid
    unlock link in the browser's session, that link alone."""

    keys: tuple[str, ...]
    account: str

    @classmethod
    def of(cls, request: HttpRequest, login: str) -> SignIn:
        account = account_key(login)
        token = request.session.get(UNLOCK_SESSION_KEY, "")
        if token and UnlockLink.login_of(token) == login.strip().lower():
            return cls(keys=(_hashed("unlock", token),), account=account)
        return cls(keys=(_hashed("client", client_address(request)), account), account=account)

    def wait(self) -> int:
        """Whole seconds to wait before this attempt may be checked (0: go ahead)."""
        now = clock()
        waits = [_remaining(cache.get(key), now) for key in self.keys]
        return math.ceil(max(waits, default=0))

    def failed(self) -> None:
        now = clock()
        for key in self.keys:
            count, _ = cache.get(key) or (0, now)
            cache.set(key, (count + 1, now), FORGET_AFTER_SECONDS)

    def succeeded(self) -> None:
        """The account's delay ends; a client's does not (a guesser with an account of
        their own must not clear it by signing in between guesses)."""
        cache.delete_many([k for k in self.keys if not k.startswith(CLIENT_PREFIX)])
        cache.delete(self.account)


def _remaining(entry: tuple[int, float] | None, now: float) -> float:
    if not entry:
        return 0.0
    count, last = entry
    return max(0.0, last + delay_after(count) - now)


def forget_account(login: str) -> None:
    cache.delete(account_key(login))


def forget_after_password_reset(sender: object, user: AbstractBaseUser, **kwargs: object) -> None:
    """A password reset proves the mailbox: the account's delay ends (allauth's
    password_reset signal)."""
    from allauth.account.models import EmailAddress

    for address in EmailAddress.objects.filter(user=user):
        forget_account(address.email)


def wait_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Wait {seconds} {unit}, then try again. Each wrong password makes the wait longer."


class UnlockLink:
    """A link, emailed to an account's address, that lets one browser sign in to it
    without waiting, for 30 minutes or until the account is next signed in to."""

    @staticmethod
    def make(user: AbstractBaseUser, email: str) -> str:
        return signing.dumps(
            {"u": user.pk, "e": email.lower(), "l": _last_login(user), "t": clock()},
            salt=_UNLOCK_SALT,
        )

    @staticmethod
    def login_of(token: str) -> str | None:
        """The address the link was sent to, if it still holds."""
        try:
            data = signing.loads(token, salt=_UNLOCK_SALT)
        except signing.BadSignature:
            return None
        if not 0 <= clock() - data["t"] <= UNLOCK_SECONDS:
            return None
        user = get_user_model().objects.filter(pk=data["u"]).first()
        if user is None or _last_login(user) != data["l"]:
            return None
        return data["e"]


def _last_login(user: AbstractBaseUser) -> str:
    return user.last_login.isoformat() if user.last_login else ""
