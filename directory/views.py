"""Site-wide pages that belong to no one app."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.svg").read_bytes()


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer with the SVG icon
    rather than a 404 in every log."""
    return HttpResponse(_favicon(), content_type="image/svg+xml")
