from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """The one two-factor gate's answer to staff without an authenticator app, on every
    staff-only page (directory.access decides which those are): set one up first."""
    messages.warning(
        request,
        "Staff accounts must use two-factor authentication. Set up an authenticator "
        "app to continue.",
    )
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('mfa_activate_totp')}?{query}")
