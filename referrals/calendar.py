"""A group's meetings as an iCalendar feed, in the Europe/London time zone.

Meeting times are UK local time, so each event carries TZID=Europe/London and the
feed defines that zone (with its yearly rules, valid for any year), leaving the shift
between GMT and BST to the calendar program.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vRecur,
    vText,
)

from groups.models import WEEKDAY_CODES, Group, Meeting, Recurrence, london_now
from groups.services import MeetingSpec

from .sheets import sentence

LONDON = ZoneInfo("Europe/London")
TZID = "Europe/London"
# Fixed for ever: event UIDs are derived from it, so calendars recognise the same event.
UID_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4f8e-9b7a-2d5c0e4a9f31")
UID_DOMAIN = "mutual-aid-directory"
ICAL_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def london_timezone() -> Timezone:
    """Europe/London by its rules (last Sunday of March and of October), for any year."""
    tz = Timezone()
    tz.add("tzid", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("dtstart", dt.datetime(1970, 3, 29, 1, 0))
    summer.add("tzoffsetfrom", dt.timedelta(hours=0))
    summer.add("tzoffsetto", dt.timedelta(hours=1))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("dtstart", dt.datetime(1970, 10, 25, 2, 0))
    winter.add("tzoffsetfrom", dt.timedelta(hours=1))
    winter.add("tzoffsetto", dt.timedelta(hours=0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def rrule(meeting: Meeting, until: dt.date | None = None) -> vRecur:
    """The meeting's rhythm; a group that no longer meets (or is paused with no date to
    come back) stops before `until` (in UTC, as RFC 5545 asks when DTSTART has a time
    zone)."""
    day = ICAL_DAYS[meeting.weekday]
    rule: dict[str, object]
    if meeting.recurrence == Recurrence.MONTHLY:
        rule = {"freq": "MONTHLY", "byday": f"{meeting.week_of_month}{day}"}
    elif meeting.recurrence == Recurrence.FORTNIGHTLY:
        rule = {"freq": "WEEKLY", "interval": 2, "byday": day}
    else:
        rule = {"freq": "WEEKLY", "byday": day}
    if until is not None:
        rule["until"] = dt.datetime.combine(until, dt.time(0, 0), tzinfo=LONDON).astimezone(dt.UTC)
    return vRecur(rule)


def paused_since(group: Group) -> dt.date | None:
    """For a group paused with no date to come back: its meetings stop today."""
    if group.is_paused() and group.paused_until is None:
        return london_now().date()
    return None


def first_date(meeting: Meeting, group: Group) -> dt.date | None:
    """The first meeting in the feed: a fortnightly one starts on its anchor date; others
    on the first meeting on or after the day the group last confirmed its details (a
    fixed date, so the feed does not change from one day to the next). None when it
    cannot be known (fortnightly without an anchor date)."""
    if meeting.recurrence == Recurrence.FORTNIGHTLY:
        return meeting.anchor_date
    since = group.last_verified or group.created_at.astimezone(LONDON).date()
    return meeting.next_date(since)


def meeting_uids(group: Group, meetings: list[Meeting]) -> list[str]:
    """Stable UIDs: the same meeting (same day and rhythm) keeps its UID when its time
    or note changes, so calendar programs update the event rather than add another."""
    seen: Counter[str] = Counter()
    uids = []
    for meeting in meetings:
        key = f"{WEEKDAY_CODES[meeting.weekday]}-{meeting.recurrence}-{meeting.week_of_month or ''}"
        seen[key] += 1
        if seen[key] > 1:
            key += f"-{seen[key]}"
        uids.append(f"{uuid.uuid5(UID_NAMESPACE, f'group:{group.pk}:{key}')}@{UID_DOMAIN}")
    return uids


def location_text(group: Group, meeting: Meeting | None = None) -> str:
    """Where a meeting is (its own venue, else the group's) and how to join it online; a
    hidden venue is never written."""
    parts = []
    venue = meeting.venue if meeting is not None else None
    if group.hides_venue and (venue or group.meets_in_person):
        parts.append("Address given when you contact the group")
    elif venue is not None:
        parts.append(", ".join(p for p in (venue.address, venue.town, venue.postcode) if p))
    elif meeting is None and group.meets_in_person:
        parts.append(", ".join(p for p in (group.address, group.town, group.postcode) if p))
    joining = meeting.joining if meeting is not None else None
    url = joining.online_url if joining is not None else group.online_url
    if url:
        parts.append(f"Online: {url}")
    elif joining is not None and joining.on_request:
        parts.append("Online: contact the group for the link")
    return "; ".join(p for p in parts if p)


def paused_dates(group: Group, meeting: Meeting) -> list[dt.datetime]:
    """The starts of the meetings a group paused until a date will miss, from the start of
    today (today's, even once it is over, did not happen)."""
    if not group.is_paused() or group.paused_until is None:
        return []
    skipped = []
    start_of_today = london_now().replace(hour=0, minute=0, second=0, microsecond=0)
    for occurrence in meeting.occurrences(start_of_today):
        if occurrence.start.date() >= group.paused_until:
            break
        skipped.append(occurrence.start)
    return skipped


def calendar_for(group: Group, *, page_url: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Mutual aid directory//Group meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # An X- property is not known to be text, so icalendar would not escape a line break
    # in the name (and would refuse to write it).
    cal.add("x-wr-calname", vText(group.name))
    cal.add("x-wr-timezone", TZID)
    meetings = group.sorted_meetings()
    events = []
    stamp = group.updated_at.astimezone(dt.UTC)
    for meeting, uid in zip(meetings, meeting_uids(group, meetings), strict=True):
        start = first_date(meeting, group)
        if start is None:
            continue
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("summary", group.name)
        event.add("dtstart", dt.datetime.combine(start, meeting.start_time, tzinfo=LONDON))
        # A meeting from 23:00 to 01:00 ends the next day.
        end_day = start + dt.timedelta(days=1) if meeting.crosses_midnight else start
        event.add("dtend", dt.datetime.combine(end_day, meeting.end_time, tzinfo=LONDON))
        event.add("rrule", rrule(meeting, until=group.archived_on or paused_since(group)))
        for skipped in paused_dates(group, meeting):
            event.add("exdate", skipped)
        description = [meeting.describe() + " (UK time)."]
        if meeting.note:
            description.append(meeting.note)
        how = MeetingSpec.of(meeting).how_it_runs(hide_venue=group.hides_venue)
        if how:
            description.append(sentence("; ".join(how)))
        if group.summary:
            description.append(group.summary)
        description.append(f"Check with the group before you go: {page_url}")
        event.add("description", "\n".join(description))
        if location := location_text(group, meeting):
            event.add("location", location)
        event.add("url", page_url)
        events.append(event)
    if events:
        cal.add_component(london_timezone())
    for event in events:
        cal.add_component(event)
    return cal


def left_out(group: Group) -> list[Meeting]:
    """Meetings the feed cannot hold: fortnightly ones whose weeks we do not know."""
    return [m for m in group.sorted_meetings() if first_date(m, group) is None]
