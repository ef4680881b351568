"""The Meeting Guide JSON feed (code4recovery/spec): one array of weekly meetings.

`day` is 0 (Sunday) to 6 (Saturday) or an array of them; `time` and `end_time` are
HH:MM (the end defaults to an hour after the start, as the spec says); `types` are codes
such as `W` (women), `X` (wheelchair access), `ONL` (online) and `TC` (location
temporarily closed); `attendance_option` is in_person, hybrid, online or inactive, as
the 12 Step Meeting List plugin writes it. Meetings without a day and time ("by
appointment") cannot be listed as meetings and are reported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from ..intermediate import (
    Collector,
    FeedError,
    FeedMeeting,
    ParsedFeed,
    Place,
    clock,
    one_line,
    plus,
    point,
    text,
    web_link,
)

ATTENDANCE = {"in_person": "in_person", "hybrid": "hybrid", "online": "online"}
UK_POSTCODE_RE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)
DEFAULT_MINUTES = 60


def parse(rows: Iterable[Any]) -> ParsedFeed:
    """The meetings of a feed's array (a list, or its elements one by one)."""
    if isinstance(rows, dict | str | bytes) or not isinstance(rows, Iterable):
        raise FeedError("A Meeting Guide feed is a JSON array of meetings; this is not an array.")
    found = Collector()
    for row in rows:
        found.feed.rows += 1
        key = str(row.get("slug", ""))[:100] if isinstance(row, dict) else ""
        try:
            for meeting in _meetings(row):
                found.meeting(meeting)
        except (ValueError, TypeError) as exc:
            found.problem(key, str(exc))
    return found.feed


def _meetings(row: Any) -> list[FeedMeeting]:
    if not isinstance(row, dict):
        raise ValueError("a meeting is a JSON object")
    name = one_line(row.get("name"), 200)
    slug = row.get("slug")
    if not name:
        raise ValueError("no name")
    if not isinstance(slug, str | int) or isinstance(slug, bool) or str(slug).strip() == "":
        raise ValueError("no slug")
    days = _days(row.get("day"))
    start = clock(row.get("time"))
    end = clock(row["end_time"]) if row.get("end_time") else plus(start, DEFAULT_MINUTES)
    if end == start:
        raise ValueError("the meeting ends when it starts")
    types = row.get("types") or []
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ValueError("types is not a list of codes")
    common = _common(row, name, types)
    key = str(slug).strip()
    return [
        FeedMeeting(
            key=key if len(days) == 1 else f"{key}#{day}",
            weekday=(day - 1) % 7,
            start=start,
            end=end,
            **common,
        )
        for day in days
    ]


def _days(value: Any) -> list[int]:
    if value is None or value == "":
        raise ValueError("no day and time (by appointment): not listed")
    days = value if isinstance(value, list) else [value]
    found = []
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int | str) or not str(day).isdigit():
            raise ValueError(f"the day {str(day)[:10]!r} is not 0 (Sunday) to 6 (Saturday)")
        if not 0 <= int(day) <= 6:
            raise ValueError(f"the day {day} is not 0 (Sunday) to 6 (Saturday)")
        found.append(int(day))
    if not found:
        raise ValueError("no day and time (by appointment): not listed")
    return sorted(set(found))


def _common(row: dict, name: str, types: list[str]) -> dict[str, Any]:
    option = str(row.get("attendance_option") or "")
    conference_url = web_link(row.get("conference_url"))
    conference_phone = one_line(row.get("conference_phone"), 40)
    place = _place(row)
    if option in ATTENDANCE:
        attendance = ATTENDANCE[option]
    elif conference_url or conference_phone:
        approximate = str(row.get("approximate", "")).lower() == "yes"
        attendance = "hybrid" if place.street and not approximate else "online"
    else:
        attendance = ""
    group = one_line(row.get("group"), 200)
    return {
        "name": name,
        "codes": tuple(dict.fromkeys(t.strip() for t in types if t.strip())),
        "attendance": attendance,
        "closed": option == "inactive",
        "place": place,
        "online_url": conference_url,
        "online_phone": conference_phone,
        "note": one_line(row.get("notes"), 200),
        "group": group,
        "group_name": group,
        "website": web_link(row.get("url")),
        "email": one_line(row.get("contact_1_email") or row.get("entity_email"), 254),
        "phone": one_line(row.get("contact_1_phone"), 40),
        "description": text(row.get("group_notes")),
        "updated": _updated(row.get("updated")),
    }


def _place(row: dict) -> Place:
    latitude, longitude = point(row.get("latitude"), row.get("longitude"))
    formatted = one_line(row.get("formatted_address"), 300)
    postcode = one_line(row.get("postal_code"), 10)
    street = one_line(row.get("address"), 300)
    town = one_line(row.get("city"), 100)
    if formatted and not (street or town or postcode):
        street, town, postcode = _split_address(formatted)
    return Place(
        venue=one_line(row.get("location"), 200),
        street=street,
        town=town,
        postcode=postcode.upper(),
        latitude=latitude,
        longitude=longitude,
    )


def _split_address(formatted: str) -> tuple[str, str, str]:
    """'12 High Street, Leeds LS6 2AA, UK' into street, town and postcode."""
    parts = [p.strip() for p in formatted.split(",") if p.strip()]
    if parts and parts[-1].upper() in {"UK", "GB", "UNITED KINGDOM"}:
        parts.pop()
    postcode = ""
    if parts and (match := UK_POSTCODE_RE.search(parts[-1])):
        postcode = f"{match.group(1)} {match.group(2)}".upper()
        parts[-1] = (parts[-1][: match.start()] + parts[-1][match.end() :]).strip()
        if not parts[-1]:
            parts.pop()
    town = parts.pop() if len(parts) > 1 else ""
    return ", ".join(parts), town, postcode


def _updated(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
