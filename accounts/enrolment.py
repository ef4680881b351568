"""Staff set up two-factor authentication only from a link emailed to their account.

Anyone who learnt a staff member's password could otherwise sign in first and enrol an
authenticator app of their own, which would then be the second factor. The link proves
the mailbox as well: it is signed, works for 24 hours, only while the account has no
authenticator, and only in a browser signed in to that account; opening it lets that
browser (its session) set one up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from .email import send_templated_email

ENROLMENT_SECONDS = 24 * 60 * 60
SESSION_KEY = "accounts_staff_enrolment"
_SALT = "accounts.staff-enrolment"

# The time, read through one name that tests can move on.
clock: Callable[[], float] = time.time


def has_authenticator(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "t": clock()}, salt=_SALT)


def user_of(token: str) -> User | None:
    """The staff account a link is for, while it holds."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not 0 <= clock() - data["t"] <= ENROLMENT_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=data["u"], is_staff=True, is_active=True).first()
    if user is None or has_authenticator(user):
        return None
    return user


def link_path(user: User) -> str:
    return f"{reverse('accounts:staff_enrolment')}?{urlencode({'token': make_token(user)})}"


def link_url(user: User) -> str:
    return settings.SITE_URL.rstrip("/") + link_path(user)


def send_link(user: User) -> None:
    send_templated_email(
        "staff_enrolment",
        user.email,
        {"link_path": link_path(user), "hours": ENROLMENT_SECONDS // 3600},
    )


def may_set_up(request: HttpRequest) -> bool:
    """Whether this browser may set up an authenticator app: anyone but staff may; staff
    only after opening their emailed link here."""
    user = request.user
    if not user.is_staff:
        return True
    token = request.session.get(SESSION_KEY, "")
    holder = user_of(token) if token else None
    return holder is not None and holder.pk == user.pk


def open_link(request: HttpRequest, token: str) -> bool:
    """The signed-in staff member opened their link: this browser may set up an app."""
    holder = user_of(token)
    if holder is None or holder.pk != request.user.pk:
        return False
    request.session[SESSION_KEY] = token
    return True


def others_with_two_factor(user: User) -> int:
    """Other active staff who have set up two-factor (and so could send this one a link)."""
    return (
        Authenticator.objects.filter(
            type=Authenticator.Type.TOTP, user__is_staff=True, user__is_active=True
        )
        .exclude(user=user)
        .count()
    )
