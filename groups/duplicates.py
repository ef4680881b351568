"""The one rule for "these two listings look like the same group", used when a moderator
reviews a listing and when a feed or an import brings groups in.

Two listings look like one group when
- their names are the same once normalised (case-folded, without punctuation and without
  the words "the", "group" and "meeting") and they are within 200 m of each other; or
- they meet at the same venue (the same postcode, or within 50 m) with a meeting on the
  same weekday at the same start time.

`duplicate_reason(a, b)` applies the rule to a pair. `possible_duplicates(candidate)`
finds the listings in the database that match one candidate: it reads only the groups in
a 200 m box around it (an index serves the box) or at its postcode, then applies the same
pair rule to each, so the rule is written once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from . import geo
from .models import Group, Meeting, Status, Weekday, format_time

SAME_NAME_WITHIN_KM = 0.2
SAME_VENUE_WITHIN_KM = 0.05
IGNORED_WORDS = frozenset({"the", "group", "meeting"})
# The groups a new listing is compared with unless the caller says otherwise: what is
# listed and what is waiting to be.
DEFAULT_STATUSES = (Status.PUBLISHED, Status.PENDING)


def normalise_name(name: str) -> str:
    """The part of a name that tells groups apart: "The Hyde-Park Group" and "hyde park"
    are both "hydepark". Punctuation goes (so "Al-Anon" is "Al Anon"), and so do the words
    "the", "group" and "meeting"; what is left is joined without spaces."""
    text = "".join(
        " " if unicodedata.category(ch).startswith(("P", "S")) else ch for ch in name.casefold()
    )
    return "".join(word for word in text.split() if word not in IGNORED_WORDS)


def _postcode_key(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode).upper()


@dataclass(frozen=True)
class Slot:
    """When a meeting starts: the part of it the rule compares."""

    weekday: int
    start_time: dt.time

    def describe(self) -> str:
        return f"{Weekday(self.weekday).label}s at {format_time(self.start_time)}"


@dataclass(frozen=True)
class Candidate:
    """A listing as the rule sees it. `pk` is the group's own id, if it is saved, so it is
    never its own duplicate."""

    name: str
    latitude: float | None = None
    longitude: float | None = None
    postcode: str = ""
    slots: frozenset[Slot] = frozenset()
    pk: int | None = None

    @classmethod
    def of_group(cls, group: Group) -> Candidate:
        return cls(
            name=group.name,
            latitude=group.latitude,
            longitude=group.longitude,
            postcode=group.postcode,
            slots=frozenset(Slot(m.weekday, m.start_time) for m in group.meetings.all()),
            pk=group.pk,
        )

    @classmethod
    def of_values(
        cls, values: Mapping[str, Any], meetings: Iterable[Any] = (), pk: int | None = None
    ) -> Candidate:
        """From a group's field values and its meetings (anything with weekday and
        start_time: MeetingSpec, Meeting), as an import or a revision holds them."""
        return cls(
            name=values.get("name") or "",
            latitude=values.get("latitude"),
            longitude=values.get("longitude"),
            postcode=values.get("postcode") or "",
            slots=frozenset(Slot(m.weekday, m.start_time) for m in meetings),
            pk=pk,
        )

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


def _distance_km(a: Candidate, b: Candidate) -> float | None:
    if a.point is None or b.point is None:
        return None
    return geo.haversine_km(*a.point, *b.point)


def duplicate_reason(a: Candidate, b: Candidate) -> str | None:
    """Why a and b look like the same group, in words a moderator reads; None if they do not."""
    if a.pk is not None and a.pk == b.pk:
        return None
    km = _distance_km(a, b)
    name = normalise_name(a.name)
    if name and name == normalise_name(b.name) and km is not None and km <= SAME_NAME_WITHIN_KM:
        return f"The same name, {round(km * 1000)} m away"
    same_postcode = bool(a.postcode.strip()) and _postcode_key(a.postcode) == _postcode_key(
        b.postcode
    )
    same_venue = same_postcode or (km is not None and km <= SAME_VENUE_WITHIN_KM)
    shared = sorted(a.slots & b.slots, key=lambda s: (s.weekday, s.start_time))
    if same_venue and shared:
        if same_postcode or km is None:
            where = f"at {b.postcode.strip()}"
        else:
            where = f"{round(km * 1000)} m away"
        return f"The same venue ({where}), meeting on {shared[0].describe()}"
    return None


@dataclass(frozen=True)
class Duplicate:
    group: Group
    reason: str


def _nearby(candidate: Candidate) -> Q:
    """Groups that could match: within 200 m (the name rule's reach, which holds the venue
    rule's 50 m) or at the same postcode."""
    wanted = Q(pk__in=[])
    if candidate.point is not None:
        lat, lng = candidate.point
        wanted |= geo.box_around(lat, lng, SAME_NAME_WITHIN_KM)
    key = _postcode_key(candidate.postcode)
    if key:
        spaced = geo.format_postcode(key)
        wanted |= Q(postcode__in={key, spaced})
    return wanted


def possible_duplicates(
    candidate: Candidate, among: QuerySet[Group] | None = None
) -> list[Duplicate]:
    """The groups in `among` (by default those listed or waiting for review) that look like
    the candidate, nearest first. Two queries: the groups near it or at its postcode, and
    their meetings."""
    if among is None:
        among = Group.objects.filter(status__in=DEFAULT_STATUSES)
    if candidate.point is None and not _postcode_key(candidate.postcode):
        return []
    if candidate.pk is not None:
        among = among.exclude(pk=candidate.pk)
    rows = (
        among.filter(_nearby(candidate))
        .prefetch_related(
            Prefetch("meetings", Meeting.objects.only("group", "weekday", "start_time"))
        )
        .order_by("id")
    )
    found = []
    for group in rows:
        other = Candidate.of_group(group)
        reason = duplicate_reason(candidate, other)
        if reason is not None:
            found.append((_distance_km(candidate, other) or 0.0, Duplicate(group, reason)))
    return [duplicate for _, duplicate in sorted(found, key=lambda pair: pair[0])]
