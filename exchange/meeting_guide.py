"""Our published groups as a Meeting Guide JSON feed (code4recovery/spec), so the Meeting
Guide app and TSML UI can read the directory.

The spec is for weekly meetings: fortnightly and monthly meetings are left out (the API
page says so). Each weekly meeting of a published group is one item. Type codes come
from the same code mapping feeds read with (feeds.models.CodeMapping, Meeting Guide rows
that belong to no one source), read the other way: a women's group's meetings carry `W`,
a meeting at a step-free venue `X`, an online one `ONL`, a paused group's `TC`.

Each item says how its meeting runs: the meeting's own format, venue, joining details,
audiences and languages, else its group's. A hidden venue is sent as its town only.
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
HIDDEN_VENUE = "Address given when you contact the group."
ON_REQUEST = "The link is given on request: contact the group (see its page)."


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
    """One meeting as the spec has it, with how that meeting runs: its own format, venue,
    joining details, audiences and languages, else its group's."""
    data: dict[str, Any] = {
        "name": group.name,
        "slug": f"{group.slug}-{meeting.pk}",
        "day": (meeting.weekday + 1) % 7,
        "time": meeting.start_time.strftime("%H:%M"),
        "end_time": meeting.end_time.strftime("%H:%M"),
        "timezone": "Europe/London",
        "types": types(group, meeting, codes),
        "attendance_option": attendance_option(group, meeting),
        "group": group.name,
        "updated": group.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "url": absolute(group.get_absolute_url()),
    }
    if meeting.note:
        data["notes"] = meeting.note
    if group.summary:
        data["group_notes"] = group.summary
    data.update(_where(group, meeting))
    data.update(_joining(meeting))
    return data


def attendance_option(group: Group, meeting: Meeting) -> str:
    """The meeting's own format; "inactive" (the spec's temporarily closed) while its
    group is paused."""
    if group.is_paused():
        return "inactive"
    return ATTENDANCE[meeting.effective_format]


ATTENDANCE: dict[str, str] = {
    Format.IN_PERSON: "in_person",
    Format.ONLINE: "online",
    Format.HYBRID: "hybrid",
}


def types(group: Group, meeting: Meeting, codes: dict) -> list[str]:
    """Codes for who the meeting is for, its languages, its venue's step-free access and
    its format (its own, else the group's), and the group's conditions."""
    wanted = [(Effect.AUDIENCE, a.slug) for a in meeting.audience_terms]
    wanted += [(Effect.CONDITION, c.slug) for c in group.conditions.all()]
    wanted += [(Effect.LANGUAGE, code) for code in meeting.language_codes]
    venue = meeting.venue
    if venue is not None and venue.step_free == StepFree.YES:
        wanted.append((Effect.STEP_FREE, ""))
    if meeting.effective_format == Format.ONLINE:
        wanted.append((Effect.ONLINE, ""))
    if group.is_paused():
        wanted.append((Effect.TEMPORARILY_CLOSED, ""))
    found = [codes[key] for key in wanted if key in codes]
    return list(dict.fromkeys(found))


def _where(group: Group, meeting: Meeting) -> dict[str, Any]:
    """The meeting's venue (its own, else the group's). A hidden venue gives its town
    only, as approximate, and no point: the apps would map it."""
    venue = meeting.venue
    if venue is None:
        town = group.town
        return {
            "formatted_address": f"{town}, UK" if town else "United Kingdom",
            "approximate": "yes",
        }
    data: dict[str, Any] = {"region": venue.town} if venue.town else {}
    if group.hides_venue:
        data["formatted_address"] = f"{venue.town}, UK" if venue.town else "United Kingdom"
        data["location_notes"] = HIDDEN_VENUE
        data["approximate"] = "yes"
        return data
    place = " ".join(part for part in (venue.town, venue.postcode) if part)
    data["formatted_address"] = ", ".join(part for part in (venue.address, place, "UK") if part)
    if venue.latitude is not None and venue.longitude is not None:
        data.update(latitude=round(venue.latitude, 5), longitude=round(venue.longitude, 5))
        data["approximate"] = "no"
    else:
        data["approximate"] = "yes"
    return data


def _joining(meeting: Meeting) -> dict[str, Any]:
    """How to join online or by phone. A link given on request is not a link: the item has
    no conference_url, and its conference_url_notes say to contact the group."""
    joining = meeting.joining
    if joining is None:
        return {}
    data: dict[str, Any] = {}
    if joining.online_url:
        data["conference_url"] = joining.online_url
    notes = [ON_REQUEST] if joining.on_request and not joining.online_url else []
    notes += [joining.notes] if joining.notes else []
    if notes and meeting.meets_online:
        data["conference_url_notes"] = " ".join(notes)
    if joining.dial_in:
        data["conference_phone"] = joining.dial_in
    return data
