"""Telling a source's admins when it starts failing, and when it works again. A source
checked hourly that stays down is reported once, not every hour; the moderators' daily
digest lists every failing source."""

from __future__ import annotations

from django.urls import reverse

from accounts.email import send_templated_email

from .models import Source


def failing(source: Source, message: str) -> None:
    send_templated_email(
        "feeds_source_failing",
        source.notify_emails,
        {"source": source, "message": message, "admin_path": _admin_path(source)},
    )


def recovered(source: Source) -> None:
    send_templated_email(
        "feeds_source_recovered",
        source.notify_emails,
        {"source": source, "admin_path": _admin_path(source)},
    )


def _admin_path(source: Source) -> str:
    return reverse("admin:feeds_source_change", args=[source.pk])
