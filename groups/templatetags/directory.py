from __future__ import annotations

import datetime as dt

from django import template
from django.conf.locale import LANG_INFO

from groups.geo import km_to_miles
from groups.models import Group

register = template.Library()

# ISO 639 codes that Django's locale table lacks or names differently.
LANGUAGE_NAMES = {
    "bfi": "British Sign Language",
    "en": "English",
    "cy": "Welsh",
    "gd": "Scottish Gaelic",
    "so": "Somali",
    "pa": "Punjabi",
    "ur": "Urdu",
    "bn": "Bengali",
    "gu": "Gujarati",
    "ar": "Arabic",
    "pl": "Polish",
    "ro": "Romanian",
    "ps": "Pashto",
    "ti": "Tigrinya",
    "ku": "Kurdish",
    "fa": "Persian (Farsi)",
}


@register.filter
def distance(km: float | None) -> str:
    """0.4 miles (0.7 km): clinicians in the UK think in miles; km for the API's users."""
    if km is None:
        return ""
    miles = km_to_miles(km)
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


@register.filter
def language_name(code: str) -> str:
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    return LANG_INFO.get(code, {}).get("name", code)


@register.simple_tag
def next_meeting_text(group: Group, today: dt.date) -> str:
    found = group.next_meeting(today)
    if found is None:
        return "Ask the group" if group.meetings.all() else "No fixed meetings: contact the group"
    date, meeting = found
    if date == today:
        when = "Today"
    elif date == today + dt.timedelta(days=1):
        when = "Tomorrow"
    else:
        when = f"{date:%A} {date.day} {date:%B}"
    return f"{when}, {meeting.describe().split(', ', 1)[1]}"


@register.filter
def next_date(meeting, today: dt.date) -> str:
    date = meeting.next_date(today)
    return f"{date:%A} {date.day} {date:%B %Y}" if date else ""


@register.simple_tag
def is_stale(group: Group, today: dt.date) -> bool:
    return group.is_stale(today)
