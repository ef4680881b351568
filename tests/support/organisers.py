"""Helpers for organiser, moderation and staleness tests."""

from __future__ import annotations

import datetime as dt
import re

PASSWORD = "correct-horse-battery-staple-42"


def months_ago(months: int, today: dt.date | None = None) -> dt.date:
    """The same day of the month, months earlier (clamped to the month's last day)."""
    import calendar

    today = today or dt.date.today()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(today.day, last))


def link_in(body: str) -> str:
    """The first web address in an email's text, as a path."""
    url = re.search(r"https?://\S+", body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def group_form_data(**overrides) -> dict[str, object]:
    """A complete, valid organiser form post for an in-person group near LS6."""
    from groups.models import Condition, GroupType

    data: dict[str, object] = {
        "name": "Hyde Park Recovery Group",
        "summary": "A weekly peer support meeting for people recovering from alcohol problems.",
        "description": "Tea, biscuits and a friendly welcome.",
        "group_type": GroupType.objects.get(slug="peer_support").pk,
        "orientation": "inward",
        "conditions": [Condition.objects.get(slug="alcohol").pk],
        "format": "in_person",
        "address": "Hyde Park Community Centre",
        "town": "Leeds",
        "postcode": "LS6",
        "online_url": "",
        "step_free": "yes",
        "access_notes": "Hearing loop.",
        "referral": "either",
        "cost": "Free",
        "website": "https://example.org/hyde-park",
        "email": "hydepark@example.org",
        "phone": "0113 496 0001",
        "languages": "English, British Sign Language",
        "leadership": "peer_led",
        "sector": "voluntary_community",
        "meetings-TOTAL_FORMS": "1",
        "meetings-INITIAL_FORMS": "0",
        "meetings-MIN_NUM_FORMS": "0",
        "meetings-MAX_NUM_FORMS": "20",
        "meetings-0-weekday": "1",
        "meetings-0-start_time": "19:00",
        "meetings-0-end_time": "20:30",
        "meetings-0-recurrence": "weekly",
        "meetings-0-week_of_month": "",
        "meetings-0-anchor_date": "",
        "meetings-0-note": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


def with_two_factor(user):
    """Staff must use two-factor authentication (directory.access sends them to set it
    up first): give a test's staff user an authenticator app."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def publish_as_moderator() -> tuple[str, ...]:
    """`import_groups` arguments that publish, run by a moderator: publishing needs the
    approve permission (issue 13 point 1)."""
    from django.contrib.auth.models import Permission, User

    user, _ = User.objects.get_or_create(username="moderator", email="moderator@example.org")
    user.user_permissions.add(Permission.objects.get(codename="approve_listings"))
    return ("--publish", "--by", user.email)
