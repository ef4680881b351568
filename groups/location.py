"""Where a group or a meeting is, from its postcode or town: one lookup, with one postcode
normalisation, for the organiser form and the CSV import alike (offline, from the
places table)."""

from __future__ import annotations

from . import geo
from .models import Place


def normalise_postcode(text: str) -> str:
    """As a postcode is written and stored: LS63HN and ls6  3hn are LS6 3HN; text that is
    not a full postcode is tidied (upper case, single spaces)."""
    return geo.format_postcode(text) if text.strip() else ""


def locate(postcode: str, town: str) -> tuple[float, float] | None:
    """The point of the postcode (or its district), else of the town, else None."""
    for text in (postcode, town):
        place = Place.objects.lookup(text) if text.strip() else None
        if place is not None:
            return (place.latitude, place.longitude)
    return None
