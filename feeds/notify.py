"""Telling a source's admins when it starts failing, and when it works again (a source
checked hourly that stays down is reported once, not every hour), and putting what waits
for moderators in their daily digest, in our own words."""

from __future__ import annotations

from django.urls import reverse

from accounts.email import send_templated_email
from moderation.digest import add_to_digest
from moderation.models import DigestKind

from .models import Source


def failing(source: Source, message: str) -> None:
    send_templated_email(
        "feeds_source_failing",
        source.notify_emails,
        {"source": source, "message": message, "admin_path": _admin_path(source)},
    )
    add_to_digest(
        DigestKind.FEED_PROBLEM,
        f"The {source.name} meeting list could not be synced, so nothing from it changed. "
        "Its page in the admin says why.",
        url=_admin_path(source),
    )


def held(source: Source, count: int) -> None:
    """A sync left changes for moderators (links to check, listings gone from the list)."""
    add_to_digest(
        DigestKind.FEED_PROBLEM,
        f"The {source.name} meeting list: {count} change{'s' * (count != 1)} to check "
        "(a changed link, phone or email, or a listing gone from the list).",
        url=reverse("feeds:sources"),
    )


def recovered(source: Source) -> None:
    send_templated_email(
        "feeds_source_recovered",
        source.notify_emails,
        {"source": source, "admin_path": _admin_path(source)},
    )


def _admin_path(source: Source) -> str:
    return reverse("admin:feeds_source_change", args=[source.pk])
