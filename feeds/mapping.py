"""From a source's FeedGroup to our fields: the listing a source gives for one group.

A Listing holds only what the source speaks for (SOURCE_FIELDS and the meetings) and the
tags its codes mean; its JSON form is what SourceListing.data keeps, and its fingerprint
tells an unchanged listing from a changed one without reading the group.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from groups.geo import format_postcode
from groups.models import Format, Place, StepFree
from groups.services import MeetingSpec

from .intermediate import FeedGroup, FeedMeeting
from .models import CodeMapping, Effect

# What a source says about a group, field by field. Times and address change directly;
# links, phone and email wait for a moderator when the source is not trusted.
DIRECT_FIELDS = (
    "name", "format", "address", "town", "postcode", "latitude", "longitude", "step_free",
    "languages",
)  # fmt: skip
CONTACT_FIELDS = ("online_url", "website", "email", "phone")
SOURCE_FIELDS = DIRECT_FIELDS + CONTACT_FIELDS
# Set from the source when a listing is new, and never again: people curate these.
CREATED_ONLY = ("description",)

Mappings = dict[str, list[CodeMapping]]


@dataclass(frozen=True)
class Listing:
    key: str
    values: dict[str, Any]
    meetings: tuple[MeetingSpec, ...]
    audiences: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    description: str = ""
    paused: bool = False
    located_by: str = ""  # "feed", "postcode" or "town" (a centre), or "" when unknown

    def to_json(self) -> dict[str, Any]:
        return {
            **{name: self.values[name] for name in SOURCE_FIELDS},
            "meetings": [meeting_json(m) for m in self.meetings],
            "audiences": list(self.audiences),
            "conditions": list(self.conditions),
            "paused": self.paused,
        }

    @cached_property
    def fingerprint(self) -> str:
        data = {**self.to_json(), "description": self.description}
        encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


# What a source says of a meeting: when it meets. The rest of a meeting (its format,
# own venue, joining details, audiences, languages) is what an organiser or moderator
# added here; a sync keeps it (see keep_own_values).
FEED_MEETING_FIELDS = (
    "weekday", "start_time", "end_time", "recurrence", "anchor_date", "week_of_month", "note",
)  # fmt: skip


def meeting_json(spec: MeetingSpec) -> dict[str, Any]:
    """The source's fields of a meeting (FEED_MEETING_FIELDS), as JSON."""
    return {
        "weekday": spec.weekday,
        "start_time": spec.start_time.strftime("%H:%M"),
        "end_time": spec.end_time.strftime("%H:%M"),
        "recurrence": spec.recurrence,
        "anchor_date": spec.anchor_date.isoformat() if spec.anchor_date else None,
        "week_of_month": spec.week_of_month,
        "note": spec.note,
    }


def meeting_from_json(data: dict[str, Any]) -> MeetingSpec:
    return MeetingSpec(
        weekday=data["weekday"],
        start_time=dt.time.fromisoformat(data["start_time"]),
        end_time=dt.time.fromisoformat(data["end_time"]),
        recurrence=data["recurrence"],
        anchor_date=dt.date.fromisoformat(data["anchor_date"]) if data["anchor_date"] else None,
        week_of_month=data["week_of_month"],
        note=data["note"],
    )


# How a source's meeting finds the group's meeting it is, stage by stage: each stage pairs
# only meetings the stages before left unpaired, so an unchanged meeting is never taken
# by a changed one. 1. every field the source gives is the same (unchanged); 2. the same
# day and start time (its end, recurrence or note changed); 3. the same day (its time
# changed; the nearest start wins); 4. the same start and end time (it moved day).
_MATCH_STAGES: tuple[Callable[[MeetingSpec], tuple[Any, ...]], ...] = (
    lambda m: tuple(getattr(m, name) for name in FEED_MEETING_FIELDS),
    lambda m: (m.weekday, m.start_time),
    lambda m: (m.weekday,),
    lambda m: (m.start_time, m.end_time),
)


def keep_own_values(
    from_source: Iterable[MeetingSpec], current: Iterable[MeetingSpec]
) -> list[MeetingSpec]:
    """The source's meetings, each carrying the per-meeting values of the group's meeting
    it matches (_MATCH_STAGES): the source speaks for when a meeting meets, organisers
    for how it runs. A source meeting that matches none is new; a group meeting that no
    source meeting matches has left the list and goes."""
    wanted, left = list(from_source), list(current)
    matched: dict[int, MeetingSpec] = {}
    for key in _MATCH_STAGES:
        for index, spec in enumerate(wanted):
            if index in matched:
                continue
            candidates = [m for m in left if key(m) == key(spec)]
            if candidates:
                best = min(candidates, key=lambda m: _minutes_apart(m.start_time, spec.start_time))
                matched[index] = best
                left.remove(best)
    return [
        replace(matched[i], **{n: getattr(spec, n) for n in FEED_MEETING_FIELDS})
        if i in matched
        else spec
        for i, spec in enumerate(wanted)
    ]


def _minutes_apart(a: dt.time, b: dt.time) -> int:
    return abs((a.hour * 60 + a.minute) - (b.hour * 60 + b.minute))


@dataclass
class Locator:
    """Coordinates for a postcode or town the feed gives without them: offline, from our
    places, each asked once a sync."""

    found: dict[str, Place | None] = field(default_factory=dict)

    def __call__(self, text: str) -> Place | None:
        if text not in self.found:
            self.found[text] = Place.objects.lookup(text) if text else None
        return self.found[text]


def to_listing(group: FeedGroup, mappings: Mappings, locate: Locator) -> Listing:
    """Raises ValueError when the group cannot be a listing (say, online with no link)."""
    effects = [_effects(m.codes, mappings) for m in group.meetings]
    own = _effects(group.codes, mappings)
    formats = [_attendance(m, e) for m, e in zip(group.meetings, effects, strict=True)]
    fmt = _group_format(group, formats, own)
    closed = [
        m.closed or Effect.TEMPORARILY_CLOSED in e
        for m, e in zip(group.meetings, effects, strict=True)
    ]
    paused = group.closed or Effect.TEMPORARILY_CLOSED in own or (bool(closed) and all(closed))
    meetings = [m for m, c in zip(group.meetings, closed, strict=True) if paused or not c]
    online_url = group.online_url or next((m.online_url for m in meetings if m.online_url), "")
    if fmt != Format.IN_PERSON and not online_url:
        raise ValueError("it meets online but gives no joining link")
    values: dict[str, Any] = {
        "name": group.name,
        "format": fmt,
        "online_url": online_url,
        "website": group.website,
        "email": group.email,
        "phone": group.phone,
        "step_free": StepFree.YES if _any(effects, own, Effect.STEP_FREE) else StepFree.UNKNOWN,
        "languages": _languages(group, mappings),
    }
    located_by = _place_values(group, fmt, values, locate)
    return Listing(
        key=group.key,
        values=values,
        meetings=tuple(dict.fromkeys(_spec(m) for m in meetings)),
        audiences=_common_terms(group, mappings, Effect.AUDIENCE),
        conditions=_common_terms(group, mappings, Effect.CONDITION),
        description=group.description,
        paused=paused,
        located_by=located_by,
    )


def _effects(codes: Iterable[str], mappings: Mappings) -> set[str]:
    return {row.effect for code in codes for row in mappings.get(code, ())}


def _attendance(meeting: FeedMeeting, effects: set[str]) -> str:
    if meeting.attendance:
        return meeting.attendance
    for effect in (Effect.HYBRID, Effect.ONLINE, Effect.IN_PERSON):
        if effect in effects:
            return str(effect)
    if meeting.online_url and not meeting.place.is_known:
        return Format.ONLINE
    return Format.IN_PERSON


def _group_format(group: FeedGroup, formats: list[str], own: set[str]) -> str:
    kinds = set(formats)
    if not kinds:
        for effect in (Effect.HYBRID, Effect.ONLINE, Effect.IN_PERSON):
            if effect in own:
                return str(effect)
        if group.online_url:
            return Format.HYBRID if group.place.is_known else Format.ONLINE
        return Format.IN_PERSON
    if kinds == {Format.ONLINE}:
        return Format.ONLINE
    if kinds == {Format.IN_PERSON}:
        return Format.IN_PERSON
    return Format.HYBRID


def _any(effects: list[set[str]], own: set[str], effect: str) -> bool:
    return effect in own or any(effect in e for e in effects)


def _terms(codes: Iterable[str], mappings: Mappings, effect: str) -> set[str]:
    found = set()
    for code in codes:
        for row in mappings.get(code, ()):
            if row.effect == effect:
                term = row.audience if effect == Effect.AUDIENCE else row.condition
                if term is not None:  # CodeMapping.clean() requires it for these effects
                    found.add(term.slug)
    return found


def _common_terms(group: FeedGroup, mappings: Mappings, effect: str) -> tuple[str, ...]:
    """Slugs of the audiences (or conditions) the group's own codes name, or that every
    one of its meetings names: a women's meeting does not make the group a women's group."""
    own = _terms(group.codes, mappings, effect)
    each = [_terms(m.codes, mappings, effect) for m in group.meetings]
    common = set.intersection(*each) if each else set()
    return tuple(sorted(own | common))


def _languages(group: FeedGroup, mappings: Mappings) -> list[str]:
    codes = [c for m in group.meetings for c in m.codes] + list(group.codes)
    found = [
        row.language
        for code in codes
        for row in mappings.get(code, ())
        if row.effect == Effect.LANGUAGE
    ]
    found += [code for code in group.languages if code.isalpha() and 2 <= len(code) <= 3]
    return list(dict.fromkeys(found))


def _place_values(group: FeedGroup, fmt: str, values: dict[str, Any], locate: Locator) -> str:
    place = group.place
    if fmt == Format.ONLINE:
        values.update(address="", town="", postcode="", latitude=None, longitude=None)
        return ""
    street = place.street
    if place.venue and street.startswith(place.venue):  # "Venue, street" in one field
        street = street[len(place.venue) :].lstrip(" ,")
    address = ", ".join(part for part in (place.venue, street) if part)
    values.update(
        address=address[:300],
        town=place.town[:100],
        postcode=format_postcode(place.postcode)[:10] if place.postcode else "",
    )
    if place.has_point:
        values.update(latitude=place.latitude, longitude=place.longitude)
        return "feed"
    for kind, text in (("postcode", place.postcode), ("town", place.town)):
        found = locate(text)
        if found is not None:
            values.update(latitude=found.latitude, longitude=found.longitude)
            return kind
    values.update(latitude=None, longitude=None)
    return ""


def _spec(meeting: FeedMeeting) -> MeetingSpec:
    """A meeting as save_group() takes it."""
    return MeetingSpec(
        weekday=meeting.weekday,
        start_time=meeting.start,
        end_time=meeting.end,
        recurrence=meeting.recurrence,
        anchor_date=meeting.anchor_date,
        week_of_month=meeting.week_of_month,
        note=meeting.note,
    )
