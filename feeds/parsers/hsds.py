"""Open Referral HSDS 3.0 (and the Open Referral UK profile): the pages of
`/services?full=true`, each `{"contents": [service, ...], "last_page": ...}`.

A service is a group. Its schedules (RFC 5545 style: `freq`, `interval`, `byday`,
`opens_at`, `closes_at`, `dtstart`) are its meetings: WEEKLY is weekly (fortnightly with
an interval of 2, anchored on `dtstart`), MONTHLY with `byday` such as 2MO or -1FR is
monthly. Its physical location says where, a virtual location's `url` is its joining link,
its attributes' taxonomy term codes go through the source's code mapping, and a status of
"temporarily closed" pauses it. Inactive and defunct services are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from ..intermediate import (
    Collector,
    FeedError,
    FeedGroup,
    FeedMeeting,
    ParsedFeed,
    Place,
    clock,
    one_line,
    point,
    text,
    web_link,
)

DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
BYDAY_RE = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")
LEFT_OUT = {"inactive", "defunct"}


def parse(pages: Iterable[Any]) -> ParsedFeed:
    """The services of every page (a list, or pages one by one as they are fetched)."""
    found = Collector()
    for page in pages:
        read_page(found, page)
    return found.feed


def read_page(found: Collector, page: Any) -> None:
    if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
        raise FeedError("An HSDS page is a JSON object with a contents array.")
    for service in page["contents"]:
        found.feed.rows += 1
        key = str(service.get("id", ""))[:100] if isinstance(service, dict) else ""
        try:
            group = _group(service)
        except (ValueError, TypeError) as exc:
            found.problem(key, str(exc))
            continue
        if group is not None:
            found.group(group)


def _group(service: Any) -> FeedGroup | None:
    if not isinstance(service, dict):
        raise ValueError("a service is a JSON object")
    key = one_line(service.get("id"), 300)
    name = one_line(service.get("name"), 200)
    if not key or not name:
        raise ValueError("a service needs an id and a name")
    status = str(service.get("status") or "active").strip().lower()
    if status in LEFT_OUT:
        return None
    physical, online_url = _locations(service)
    schedules = _list(service.get("schedules")) + [
        schedule
        for link in _list(service.get("service_at_locations"))
        for schedule in _list(link.get("schedules") if isinstance(link, dict) else None)
    ]
    meetings = []
    for index, schedule in enumerate(schedules):
        meetings += _meetings(schedule, index, key, name, physical, online_url)
    phones = [p for p in _list(service.get("phones")) if isinstance(p, dict)]
    return FeedGroup(
        key=key,
        name=name,
        meetings=tuple(sorted(meetings, key=lambda m: (m.weekday, m.start, m.key))),
        codes=_codes(service),
        description=text(service.get("description")),
        website=web_link(service.get("url")),
        email=one_line(service.get("email"), 254),
        phone=one_line(phones[0].get("number"), 40) if phones else "",
        online_url=online_url,
        place=physical or Place(),
        closed=status == "temporarily closed",
        languages=tuple(
            str(lang.get("code")).lower()
            for lang in _list(service.get("languages"))
            if isinstance(lang, dict) and lang.get("code")
        ),
    )


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _locations(service: dict) -> tuple[Place | None, str]:
    physical, online_url = None, ""
    for link in _list(service.get("service_at_locations")):
        location = link.get("location") if isinstance(link, dict) else None
        if not isinstance(location, dict):
            continue
        kind = str(location.get("location_type") or "physical")
        if kind == "virtual":
            online_url = online_url or web_link(location.get("url"))
        elif physical is None:
            physical = _place(location)
    return physical, online_url


def _place(location: dict) -> Place:
    latitude, longitude = point(location.get("latitude"), location.get("longitude"))
    addresses = [a for a in _list(location.get("addresses")) if isinstance(a, dict)]
    address = addresses[0] if addresses else {}
    street = ", ".join(
        part for part in (one_line(address.get(k), 150) for k in ("address_1", "address_2")) if part
    )
    return Place(
        venue=one_line(location.get("name"), 200),
        street=street,
        town=one_line(address.get("city"), 100),
        postcode=one_line(address.get("postal_code"), 10).upper(),
        latitude=latitude,
        longitude=longitude,
    )


def _codes(service: dict) -> tuple[str, ...]:
    codes = []
    for attribute in _list(service.get("attributes")):
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict) and term.get("code"):
            codes.append(one_line(term["code"], 30))
    return tuple(dict.fromkeys(codes))


def _meetings(
    schedule: Any, index: int, key: str, name: str, physical: Place | None, online_url: str
) -> list[FeedMeeting]:
    if not isinstance(schedule, dict):
        raise ValueError("a schedule is a JSON object")
    freq = str(schedule.get("freq") or "").upper()
    if freq not in {"WEEKLY", "MONTHLY"}:
        raise ValueError(f"the schedule's freq {freq[:10]!r} is not WEEKLY or MONTHLY")
    start = clock(str(schedule.get("opens_at") or "")[:8])
    end = clock(str(schedule.get("closes_at") or "")[:8])
    if end == start:
        raise ValueError("the schedule closes when it opens")
    interval = int(schedule.get("interval") or 1)
    if interval not in {1, 2} or (freq == "MONTHLY" and interval != 1):
        raise ValueError("only weekly, fortnightly and monthly schedules are read")
    anchor = _date(schedule.get("dtstart")) if interval == 2 else None
    attendance = _attendance(schedule.get("attending_type"))
    recurrence = "monthly" if freq == "MONTHLY" else ("fortnightly" if anchor else "weekly")
    found = []
    for token in str(schedule.get("byday") or "").upper().split(","):
        match = BYDAY_RE.match(token.strip())
        if not match:
            raise ValueError(f"the schedule's byday {token[:10]!r} is not MO to SU")
        week = int(match.group(1)) if match.group(1) else None
        if freq == "MONTHLY" and week not in {1, 2, 3, 4, -1}:
            raise ValueError("a monthly schedule needs a week: 1MO to 4MO, or -1MO")
        weekday = DAYS[match.group(2)]
        found.append(
            FeedMeeting(
                key=f"{schedule.get('id') or f'{key}:{index}'}:{match.group(0)}",
                name=name,
                weekday=weekday,
                start=start,
                end=end,
                recurrence=recurrence,
                week_of_month=week if freq == "MONTHLY" else None,
                anchor_date=anchor if anchor and anchor.weekday() == weekday else None,
                attendance=attendance,
                place=physical or Place(),
                online_url=online_url,
                note=one_line(schedule.get("notes"), 200),
            )
        )
    if not found:
        raise ValueError("the schedule has no byday")
    return found


def _attendance(value: Any) -> str:
    words = str(value or "").lower().replace("-", "_").replace(" ", "_")
    if "hybrid" in words:
        return "hybrid"
    if "online" in words or "virtual" in words:
        return "online"
    return "in_person" if "person" in words else ""


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
