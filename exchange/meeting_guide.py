"""Our published groups as a Meeting Guide JSON feed (code4recovery/spec), so the Meeting
Guide app and TSML UI can read the directory.

The spec is for weekly meetings: fortnightly and monthly meetings are left out (the API
page says so). Each weekly meeting of a published group is one item. Type codes come
from the same code mapping feeds read with (feeds.models.CodeMapping, Meeting Guide rows
that belong to no one source), read the other way: a women's group's meetings carry `W`,
a group with step-free access `X`, an online one `ONL`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Max

from feeds.models import CodeMapping, Effect, FeedFormat
from groups.models import (
    Format,
    Group,
    GroupQuerySet,
    Meeting,
    StepFree,
)

CHUNK = 2000


def reverse_codes() -> dict[tuple[str, str], str]:
    """(effect, target) to the first code that means it: ("audience", "women") -> "W"."""
    rows = CodeMapping.objects.filter(format=FeedFormat.MEETING_GUIDE, source=None).select_related(
        "audience", "condition"
    )
    found: dict[tuple[str, str], str] = {}
    for row in rows.order_by("id"):
        target = (row.audience and row.audience.slug) or (row.condition and row.condition.slug)
        found.setdefault((row.effect, target or row.language), row.code)
    return found


def weekly(groups: GroupQuerySet) -> GroupQuerySet:
    """The groups, each with its weekly meetings and audiences read in a few queries."""
    return (
        groups.with_weekly_meetings()
        .select_related("group_type")
        .prefetch_related("audiences", "conditions")
    )


def version(groups: GroupQuerySet) -> str:
    """Changes whenever any item of the feed would: for the ETag."""
    seen = groups.aggregate(n=Max("id"), latest=Max("updated_at"))
    codes = CodeMapping.objects.filter(format=FeedFormat.MEETING_GUIDE, source=None)
    code_state = codes.aggregate(n=Max("id"))
    return f"{groups.count()}-{seen['n']}-{seen['latest']}-{code_state['n']}-{codes.count()}"


def items(groups: GroupQuerySet, absolute: Any) -> Iterator[dict[str, Any]]:
    """Every item, group by group, reading the groups in chunks (flat memory)."""
    codes = reverse_codes()
    for group in weekly(groups).iterator(chunk_size=CHUNK):
        for meeting in group.weekly_meetings:
            yield item(group, meeting, codes, absolute)


def item(group: Group, meeting: Meeting, codes: dict, absolute: Any) -> dict[str, Any]:
    online = group.format != Format.IN_PERSON
    in_person = group.format != Format.ONLINE
    data: dict[str, Any] = {
        "name": group.name,
        "slug": f"{group.slug}-{meeting.pk}",
        "day": (meeting.weekday + 1) % 7,
        "time": meeting.start_time.strftime("%H:%M"),
        "end_time": meeting.end_time.strftime("%H:%M"),
        "timezone": "Europe/London",
        "types": types(group, codes),
        "attendance_option": {"in_person": "in_person", "online": "online"}.get(
            group.format, "hybrid"
        ),
        "group": group.name,
        "formatted_address": _address(group, in_person),
        "updated": group.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "url": absolute(group.get_absolute_url()),
    }
    if meeting.note:
        data["notes"] = meeting.note
    if group.summary:
        data["group_notes"] = group.summary
    if online:
        data["conference_url"] = group.online_url
    if in_person and group.latitude is not None and group.longitude is not None:
        data.update(latitude=round(group.latitude, 5), longitude=round(group.longitude, 5))
        data["approximate"] = "no"
    else:
        data["approximate"] = "yes"
    if group.town:
        data["region"] = group.town
    return data


def types(group: Group, codes: dict) -> list[str]:
    wanted = [(Effect.AUDIENCE, a.slug) for a in group.audiences.all()]
    wanted += [(Effect.CONDITION, c.slug) for c in group.conditions.all()]
    wanted += [(Effect.LANGUAGE, code) for code in group.languages or []]
    if group.step_free == StepFree.YES:
        wanted.append((Effect.STEP_FREE, ""))
    if group.format == Format.ONLINE:
        wanted.append((Effect.ONLINE, ""))
    found = [codes[key] for key in wanted if key in codes]
    return list(dict.fromkeys(found))


def _address(group: Group, in_person: bool) -> str:
    if not in_person:
        return f"{group.town}, UK" if group.town else "United Kingdom"
    place = " ".join(part for part in (group.town, group.postcode) if part)
    return ", ".join(part for part in (group.address, place, "UK") if part)
