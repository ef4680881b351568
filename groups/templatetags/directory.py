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
    unit = "mile" if round(miles, 1) == 1 else "miles"
    return f"{miles:.1f} {unit} ({km:.1f} km)"


@register.filter
def miles(km: float) -> str:
    value = km_to_miles(km)
    return f"{value:.0f}" if abs(value - round(value)) < 0.1 else f"{value:.1f}"


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
