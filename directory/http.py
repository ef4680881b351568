"""What the middleware and decorators add to Django's request, for type checking views."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """Any request: django-htmx's middleware says whether htmx sent it."""

    htmx: HtmxDetails


class SignedInRequest(HttpRequest):
    """A request behind a sign-in check (login_required, verified_email_required)."""

    user: User
