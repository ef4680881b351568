"""Signed links in email to organisers: "still meets as listed", which needs no sign-in,
and "edit the listing", which leads to the edit page behind sign-in. Both work for 30 days.

The still-meeting link opens a page with a button: opening it changes nothing, because
mail scanners (NHSmail's among them) follow every link in a message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.urls import reverse

from groups.models import Group

LINK_DAYS = 30
STILL_MEETING_SALT = "organisers.still-meeting"
EDIT_SALT = "organisers.edit-listing"


@dataclass(frozen=True)
class StillMeeting:
    group: Group
    report_id: int | None


def _load(token: str, salt: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=salt, max_age=dt.timedelta(days=LINK_DAYS))
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def still_meeting_path(group: Group, *, report_id: int | None = None) -> str:
    """The link's path; report_id when it answers a report, so the moderator sees it."""
    token = signing.dumps({"group": group.pk, "report": report_id}, salt=STILL_MEETING_SALT)
    return reverse("organisers:still_meeting", kwargs={"token": token})


def read_still_meeting(token: str) -> StillMeeting | None:
    data = _load(token, STILL_MEETING_SALT)
    group_id = data.get("group") if data else None
    if data is None or not isinstance(group_id, int):
        return None
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        return None
    report = data.get("report")
    return StillMeeting(group, report if isinstance(report, int) else None)


def edit_path(group: Group) -> str:
    token = signing.dumps({"group": group.pk}, salt=EDIT_SALT)
    return reverse("organisers:edit_from_email", kwargs={"token": token})


def read_edit(token: str) -> int | None:
    """The group's id, if the link is genuine and under 30 days old."""
    data = _load(token, EDIT_SALT)
    group = data.get("group") if data else None
    return group if isinstance(group, int) else None
