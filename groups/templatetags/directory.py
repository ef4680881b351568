from __future__ import annotations

import datetime as dt

from django import template

from groups.geo import km_to_miles
from groups.languages import language_name
from groups.models import LONDON, Group, Meeting, Occurrence, format_time

register = template.Library()


@register.filter
def distance(km: float | None, rough: bool = False) -> str:
    """0.4 miles (0.7 km): clinicians in the UK think in miles; km for the API's users.
    Rough (a hidden venue): to the nearest mile, as distances to a few places would
    otherwise pin the venue down."""
    if km is None:
        return ""
    miles = km_to_miles(km)
    if rough:
        return f"About {max(round(miles), 1)} mile{'s' if round(miles) > 1 else ''}"
    if miles < 0.05:
        # "0.0 miles" reads as "here"; it never is.
        return "Less than 0.1 miles (under 0.1 km)"
    unit = "mile" if round(miles, 1) == 1 else "miles"
    return f"{miles:.1f} {unit} ({km:.1f} km)"


@register.filter
def radius(km: float) -> str:
    """The radius as it was chosen: "50 miles" for the page's choices (km to 0.1, so
    within 1% of a whole number of miles), else the km asked for ("12.5 km")."""
    miles = km_to_miles(km)
    whole = round(miles)
    if whole >= 1 and abs(miles - whole) <= whole * 0.01:
        return f"{whole} mile{'s' if whole != 1 else ''}"
    return f"{km:g} km"


@register.filter
def in_text(name: str) -> str:
    """A term's name as it reads mid-sentence: "young people", but "LGBTQ+ people" and
    "ME/CFS" keep their capitals."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


register.filter("language_name", language_name)


@register.simple_tag
def next_meeting_text(group: Group, now: dt.datetime) -> str:
    """The next meeting that has not ended (UK time); after a search on a meeting's day,
    time, format or audience, the next of the meetings that matched."""
    meetings = getattr(group, "matched_meetings", None)
    found = group.next_meeting(now, meetings=meetings)
    if found is None:
        if group.is_paused(now.date()):
            return group.paused_text()
        return "Ask the group" if group.meetings.all() else "No fixed meetings: contact the group"
    return occurrence_text(found, now)


def occurrence_text(occurrence: Occurrence, now: dt.datetime) -> str:
    """ "Today, 7pm to 8:30pm", "Tomorrow, ...", "Friday 9 January, 11pm to 1am"."""
    today = now.astimezone(LONDON).date()
    day = occurrence.start.date()
    if day == today:
        when = "Today"
    elif day == today + dt.timedelta(days=1):
        when = "Tomorrow"
    else:
        when = f"{day:%A} {day.day} {day:%B}"
    times = f"{format_time(occurrence.start.time())} to {format_time(occurrence.end.time())}"
    return f"{when}, {times}"


@register.filter
def paused_text(group: Group) -> str:
    return group.paused_text()


@register.filter
def next_date(meeting: Meeting, now: dt.datetime) -> str:
    """The date of this meeting's next meeting that has not ended (paused days skipped)."""
    found = meeting.group.next_meeting(now, meetings=[meeting])
    if found is None:
        return ""
    day = found.start.date()
    return f"{day:%A} {day.day} {day:%B %Y}"


@register.filter
def paused_on(group: Group, today: dt.date) -> bool:
    return group.is_paused(today)


@register.simple_tag
def is_stale(group: Group, today: dt.date) -> bool:
    return group.is_stale(today)
