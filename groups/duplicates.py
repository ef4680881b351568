"""The one rule for "these two listings look like the same group", used when a moderator
reviews a listing and when a feed or an import brings groups in.

Two listings look like one group when
- their names are the same once normalised (case-folded, without punctuation and without
  the words "the", "group" and "meeting") and they are within 200 m of each other; or
- they meet at the same venue (the same postcode, or within 50 m) with a meeting on the
  same weekday at the same start time. A meeting's venue is its own, else its group's.

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
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from . import geo
from .models import MEETING_VENUE_FIELDS, Group, Meeting, Status, Weekday, format_time

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
    """When a meeting starts, and where (its own venue, else its group's): the part of it
    the rule compares."""

    weekday: int
    start_time: dt.time
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def of(cls, meeting: Any) -> Slot:
        """A meeting's slot (a Meeting, a MeetingSpec), with its venue if it has its own."""
        slot = cls(meeting.weekday, meeting.start_time)
        if not getattr(meeting, "has_own_venue", False):
            return slot
        return replace(
            slot,
            postcode=meeting.postcode or "",
            latitude=meeting.latitude,
            longitude=meeting.longitude,
        )

    def at_venue_of(self, candidate: Candidate) -> Slot:
        """The slot where it meets: a meeting with no venue of its own is at its group's."""
        if self.point is not None or self.postcode.strip():
            return self
        return replace(
            self,
            postcode=candidate.postcode,
            latitude=candidate.latitude,
            longitude=candidate.longitude,
        )

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

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
            slots=frozenset(Slot.of(m) for m in group.meetings.all()),
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
            slots=frozenset(Slot.of(m) for m in meetings),
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
    for slot, other in _same_times(a, b):
        where = _same_venue(slot, other)
        if where:
            return f"The same venue ({where}), meeting on {slot.describe()}"
    return None


def _same_times(a: Candidate, b: Candidate) -> list[tuple[Slot, Slot]]:
    """Pairs of their meetings on the same weekday at the same start time, in week order."""
    pairs = [
        (x.at_venue_of(a), y.at_venue_of(b))
        for x in a.slots
        for y in b.slots
        if (x.weekday, x.start_time) == (y.weekday, y.start_time)
    ]
    return sorted(pairs, key=lambda pair: (pair[0].weekday, pair[0].start_time))


def _same_venue(a: Slot, b: Slot) -> str:
    """How two meetings' venues are the same ("at LS6 3HN", "20 m away"); "" if not."""
    if a.postcode.strip() and _postcode_key(a.postcode) == _postcode_key(b.postcode):
        return f"at {b.postcode.strip()}"
    if a.point is None or b.point is None:
        return ""
    km = geo.haversine_km(*a.point, *b.point)
    return f"{round(km * 1000)} m away" if km <= SAME_VENUE_WITHIN_KM else ""


@dataclass(frozen=True)
class Duplicate:
    group: Group
    reason: str


def _nearby(candidate: Candidate) -> Q:
    """Groups that could match: within 200 m (the name rule's reach, which holds the venue
    rule's 50 m) or at the same postcode, of the candidate or of any of its meetings'
    venues; or with a meeting at a venue of its own there."""
    venues = {(candidate.point, candidate.postcode)}
    venues |= {(slot.point, slot.postcode) for slot in candidate.slots}
    wanted = Q(pk__in=[])
    for point, postcode in venues:
        if point is None and not _postcode_key(postcode):
            continue
        wanted |= _near(point, postcode)
        # A meeting's own venue has its point (located from its postcode): the box alone,
        # which an index on the meetings serves, finds it.
        at_meetings = Meeting.objects.filter(_near(point, "" if point else postcode))
        wanted |= Q(pk__in=at_meetings.values("group_id"))
    return wanted


def _near(point: tuple[float, float] | None, postcode: str) -> Q:
    wanted = Q(pk__in=[])
    if point is not None:
        wanted |= geo.box_around(*point, SAME_NAME_WITHIN_KM)
    key = _postcode_key(postcode)
    if key:
        wanted |= Q(postcode__in={key, geo.format_postcode(key)})
    return wanted


def possible_duplicates(
    candidate: Candidate, among: QuerySet[Group] | None = None
) -> list[Duplicate]:
    """The groups in `among` (by default those listed or waiting for review) that look like
    the candidate, nearest first. Two queries: the groups near it or at its postcode, and
    their meetings."""
    if among is None:
        among = Group.objects.filter(status__in=DEFAULT_STATUSES)
    places = [(candidate.point, candidate.postcode)]
    places += [(slot.point, slot.postcode) for slot in candidate.slots]
    if all(point is None and not _postcode_key(postcode) for point, postcode in places):
        return []
    if candidate.pk is not None:
        among = among.exclude(pk=candidate.pk)
    rows = (
        among.filter(_nearby(candidate))
        .prefetch_related(
            Prefetch(
                "meetings",
                Meeting.objects.only("group", "weekday", "start_time", *MEETING_VENUE_FIELDS[:5]),
            )
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
