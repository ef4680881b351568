"""BMLT's semantic API, switcher=GetSearchResults, as JSON: an array of meetings whose
values are all strings.

`weekday_tinyint` is 1 (Sunday) to 7 (Saturday); `start_time` and `duration_time` are
HH:MM:SS; `venue_type` is 1 in person, 2 virtual, 3 hybrid; `formats` is a comma-separated
list of format codes; `latitude` and `longitude` (0 when unknown) and the `location_*`
fields say where; `virtual_meeting_link` is the joining link; `published` is 0 for a
meeting its area has withdrawn (left out here, so it counts as gone). `worldid_mixed`,
NA World Services' id for the group, gathers a group's meetings; without it, meetings of
the same name at the same place are one group. The response of
`&get_used_formats=1` (an object with `meetings`) is read too.
"""

from __future__ import annotations

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
    web_link,
)

VENUE_TYPES = {"1": "in_person", "2": "online", "3": "hybrid"}
DURATION_RE = re.compile(r"^(\d{1,2}):([0-5]\d)(?::[0-5]\d)?$")


def parse(rows: Iterable[Any]) -> ParsedFeed:
    """The meetings of an answer's array (a list, or its elements one by one), or of the
    `meetings` of a `get_used_formats` answer."""
    if isinstance(rows, dict) and isinstance(rows.get("meetings"), list):
        rows = rows["meetings"]
    if isinstance(rows, dict | str | bytes) or not isinstance(rows, Iterable):
        raise FeedError("A BMLT GetSearchResults response is a JSON array of meetings.")
    found = Collector()
    for row in rows:
        found.feed.rows += 1
        key = str(row.get("id_bigint", ""))[:100] if isinstance(row, dict) else ""
        try:
            meeting = _meeting(row)
        except (ValueError, TypeError) as exc:
            found.problem(key, str(exc))
            continue
        if meeting is not None:
            found.meeting(meeting)
    return found.feed


def _meeting(row: Any) -> FeedMeeting | None:
    if not isinstance(row, dict):
        raise ValueError("a meeting is a JSON object")
    key = str(row.get("id_bigint") or "").strip()
    if not key:
        raise ValueError("no id_bigint")
    if str(row.get("published", "1")) == "0":
        return None
    name = one_line(row.get("meeting_name"), 200)
    if not name:
        raise ValueError("no meeting_name")
    weekday = str(row.get("weekday_tinyint", "")).strip()
    if weekday not in {"1", "2", "3", "4", "5", "6", "7"}:
        raise ValueError(f"the weekday {weekday[:10]!r} is not 1 (Sunday) to 7 (Saturday)")
    start = clock(row.get("start_time"))
    end = plus(start, _minutes(row.get("duration_time")))
    if end == start:
        raise ValueError("the meeting lasts no time, or a whole day")
    codes = tuple(
        dict.fromkeys(c.strip() for c in str(row.get("formats") or "").split(",") if c.strip())
    )
    latitude, longitude = point(row.get("latitude"), row.get("longitude"))
    link = web_link(row.get("virtual_meeting_link"))
    group = one_line(row.get("worldid_mixed"), 100)
    return FeedMeeting(
        key=key,
        name=name,
        weekday=(int(weekday) - 2) % 7,
        start=start,
        end=end,
        codes=codes,
        attendance=VENUE_TYPES.get(str(row.get("venue_type") or ""), ""),
        place=Place(
            venue=one_line(row.get("location_text"), 200),
            street=one_line(row.get("location_street"), 300),
            town=one_line(
                row.get("location_municipality") or row.get("location_city_subsection"), 100
            ),
            postcode=one_line(row.get("location_postal_code_1"), 10).upper(),
            latitude=latitude,
            longitude=longitude,
        ),
        online_url=link,
        online_phone=one_line(row.get("phone_meeting_number"), 40),
        note=one_line(row.get("comments") or row.get("location_info"), 200),
        group=group,
        group_name=name if group else "",
        email=one_line(row.get("contact_email_1"), 254),
        phone=one_line(row.get("contact_phone_1"), 40),
    )


def _minutes(value: Any) -> int:
    if value in (None, ""):
        return 60
    match = DURATION_RE.match(str(value).strip())
    if not match:
        raise ValueError(f"the duration {str(value)[:20]!r} is not HH:MM:SS")
    return int(match.group(1)) * 60 + int(match.group(2))
