"""How allauth fits this service: its email goes through our queue, and the client
addresses it keys its rate limits on are kept only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.urls import reverse

from .clients import client_address
from .email import queue_message


def client_key(ip: str) -> str:
    """A stand-in for a client's address that cannot be turned back into it: an HMAC of
    the address (of its /64 network for IPv6, where one client holds many addresses)."""
    try:
        address = ipaddress.ip_address(ip)
        if isinstance(address, ipaddress.IPv6Address):
            ip = str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    except ValueError:
        pass
    digest = hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()
    return f"client-{digest[:32]}"


def request_client_key(request: HttpRequest) -> str:
    """The hashed address of the client that sent a request (behind a proxy we were told
    about, the address it reports: accounts.clients)."""
    return client_key(client_address(request))


def on_site(url: Any) -> Any:
    """An absolute link moved onto SITE_URL (same path and query); anything else as it is."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return url
    parts = urlsplit(url)
    return settings.SITE_URL.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def user_display(user: Any) -> str:
    """How allauth's pages and messages name a person: by their email address, never by
    the username made up from it (ACCOUNT_USER_DISPLAY)."""
    return user.email or "your account"


# Set in the browser that signed up (allauth's user_signed_up signal), read when an address
# is confirmed: see AccountAdapter.confirm_email.
SIGNED_UP_SESSION_KEY = "accounts_signed_up"


def remember_sign_up(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    request.session[SIGNED_UP_SESSION_KEY] = user.pk


def _login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    """Sign-in is throttled with growing delays (accounts/throttle.py) in place of
    allauth's lock-out after five failures, which anyone could hold over any account."""

    _sign_in: Any = None
    _reauthenticating = False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        from .throttle import SignIn, wait_message

        if self._reauthenticating:
            return
        attempt = SignIn.of(request, _login(credentials))
        seconds = attempt.wait()
        if seconds:
            raise forms.ValidationError(wait_message(seconds), code="throttled")
        self._sign_in = attempt

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None and self._sign_in:
            self._sign_in.succeeded()
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        if self._sign_in:
            self._sign_in.failed()

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """Confirms an address. If the account was never signed in to and the address is
        confirmed in another browser than the one that signed up, the password chosen at
        sign-up is not kept: someone else may have signed up with this address to open
        the owner's account later ("pre-hijacking"). The owner chooses one instead."""
        confirmed = super().confirm_email(request, email_address)
        user = email_address.user
        never_used = user.last_login is None and user.has_usable_password()
        if confirmed and never_used and request.session.get(SIGNED_UP_SESSION_KEY) != user.pk:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return confirmed

    def get_email_verification_redirect_url(self, email_address: EmailAddress) -> str:
        if not self.request.user.is_authenticated and not email_address.user.has_usable_password():
            messages.info(
                self.request,
                "This link was opened in another browser from the one that signed up, so "
                "choose your password again: enter your email address and we will send "
                "you a link.",
            )
            return reverse("account_reset_password")
        return super().get_email_verification_redirect_url(email_address)

    def reauthenticate(self, user: Any, password: str) -> bool:
        # Someone already signed in confirming their password: allauth's own limit per
        # user applies ("reauthenticate"), not the sign-in delays, which a guesser at
        # the sign-in page could otherwise impose on them.
        self._reauthenticating = True
        try:
            return super().reauthenticate(user, password)
        finally:
            self._reauthenticating = False

    def get_client_ip(self, request: HttpRequest) -> str:
        # Rate-limit keys live in the shared cache: never put a raw address there.
        return request_client_key(request)

    def send_mail(self, template_prefix: str, email: str, context_: dict) -> None:
        request = context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        # Allauth builds its links (password reset, confirmation, sign-up) from the
        # request's Host header; ours all start at SITE_URL.
        ctx.update({k: on_site(v) if k.endswith("_url") else v for k, v in context_.items()})
        queue_message(self.render_mail(template_prefix, email, ctx))
