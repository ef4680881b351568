"""One typed form for every format's meetings, between a feed's JSON and our groups.

Each parser turns its format into FeedGroups (Meeting Guide and BMLT list meetings, which
are gathered into groups; HSDS lists services, which are groups already). Parsed meetings
wait in a Spool, a temporary file, until every row is read: the sync then takes one group
at a time from it, so its memory does not grow with the feed. Everything here is plain
data, with no database.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError

from groups.models import CONTROL_CHARACTER_RE, web_url

RECURRENCES = ("weekly", "fortnightly", "monthly")
SPOOL_BYTES = 4 * 1024 * 1024


class FeedError(Exception):
    """The feed as a whole cannot be read (not JSON, not the format's shape): a sync that
    meets one changes nothing."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a meeting is, as the feed says it. Any part may be missing."""

    venue: str = ""
    street: str = ""
    town: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_known(self) -> bool:
        return self.has_point or bool(self.postcode or self.street)

    def key(self) -> str:
        """What makes two meetings' places the same place, for gathering."""
        if self.postcode:
            return fold(self.postcode).replace(" ", "")
        if self.has_point:
            return f"{self.latitude:.4f},{self.longitude:.4f}"
        return fold(f"{self.street} {self.town}")


@dataclass(frozen=True, slots=True)
class FeedMeeting:
    """One regular meeting. Weekdays are ours: 0 is Monday. Times are UK local time."""

    key: str
    name: str
    weekday: int
    start: dt.time
    end: dt.time
    recurrence: str = "weekly"
    week_of_month: int | None = None
    anchor_date: dt.date | None = None
    codes: tuple[str, ...] = ()
    attendance: str = ""  # in_person, online, hybrid, or "" when the feed does not say
    closed: bool = False  # temporarily closed (or "inactive")
    place: Place = field(default_factory=Place)
    online_url: str = ""
    online_phone: str = ""
    note: str = ""
    group: str = ""  # the feed's name or id for the group this meeting belongs to
    group_name: str = ""
    website: str = ""
    email: str = ""
    phone: str = ""
    description: str = ""
    updated: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedGroup:
    """A group as one source lists it, with its meetings in a stable order."""

    key: str
    name: str
    meetings: tuple[FeedMeeting, ...]
    codes: tuple[str, ...] = ()  # codes that belong to the group itself (HSDS attributes)
    description: str = ""
    website: str = ""
    email: str = ""
    phone: str = ""
    online_url: str = ""
    place: Place = field(default_factory=Place)
    closed: bool = False
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row of the feed that was left out, and why."""

    row: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.key})" if self.key else "")
        return f"{where}: {self.message}"


class Spool:
    """Parsed meetings (or whole groups) on a temporary file, by group key, with only each
    one's place in the file kept in memory."""

    def __init__(self) -> None:
        # In memory until it grows past SPOOL_BYTES, then on disk (closed by the sync).
        self.file: BinaryIO = io.BytesIO()
        self.index: dict[str, list[int]] = {}

    def add(self, key: str, item: FeedMeeting | FeedGroup) -> None:
        self.file.seek(0, 2)
        self.index.setdefault(key, []).append(self.file.tell())
        pickle.dump(item, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        if isinstance(self.file, io.BytesIO) and self.file.tell() > SPOOL_BYTES:
            disk = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
            disk.write(self.file.getbuffer())
            self.file = disk

    def __len__(self) -> int:
        return len(self.index)

    def groups(self) -> Iterator[FeedGroup]:
        """Each group, in key order, its meetings in a stable order."""
        for key in sorted(self.index):
            found = []
            for offset in self.index[key]:
                self.file.seek(offset)
                found.append(pickle.load(self.file))  # noqa: S301  (our own temporary file)
            if isinstance(found[0], FeedGroup):
                yield found[0]
            else:
                yield _group_of(key, sorted(found, key=lambda m: (m.weekday, m.start, m.key)))

    def close(self) -> None:
        self.file.close()


@dataclass
class ParsedFeed:
    spool: Spool
    problems: list[RowProblem]
    rows: int = 0  # rows the feed held, good or bad
    size: int = 0  # meetings, counting a group without any as one

    @property
    def groups(self) -> list[FeedGroup]:
        """Every group at once (for tests and small feeds; a sync takes them one by one)."""
        return list(self.spool.groups())

    @property
    def group_count(self) -> int:
        return len(self.spool)


class Collector:
    """What a parser fills as it reads rows: meetings into a spool by group, problems."""

    def __init__(self) -> None:
        self.feed = ParsedFeed(Spool(), [])

    def problem(self, key: str, message: str) -> None:
        self.feed.problems.append(RowProblem(self.feed.rows, key, message))

    def meeting(self, meeting: FeedMeeting) -> None:
        self.feed.spool.add(group_key(meeting), meeting)
        self.feed.size += 1

    def group(self, group: FeedGroup) -> None:
        self.feed.spool.add(group.key, group)
        self.feed.size += max(1, len(group.meetings))


# --- Helpers the parsers share ------------------------------------------------------

# What our one-line fields refuse (text-direction controls included), in runs.
CONTROL_RE = re.compile(CONTROL_CHARACTER_RE.pattern + "+")
CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def fold(text: str) -> str:
    """A key for comparing names: case, accents, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if c.isalnum() or c.isspace())
    return " ".join(kept.split())


def one_line(value: object, limit: int) -> str:
    """A feed's text as one tidy line (our one-line fields refuse control characters)."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    text = " ".join(CONTROL_RE.sub(" ", str(value)).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def text(value: object, limit: int = 5000) -> str:
    """Free text, line breaks kept, other control characters dropped."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    lines = [" ".join(CONTROL_RE.sub(" ", line).split()) for line in str(value).splitlines()]
    return "\n".join(line for line in lines if line)[:limit]


def clock(value: object) -> dt.time:
    """HH:MM or HH:MM:SS, 24-hour. Raises ValueError."""
    match = CLOCK_RE.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"the time {str(value)[:20]!r} is not HH:MM")
    return dt.time(int(match.group(1)), int(match.group(2)))


def plus(start: dt.time, minutes: int) -> dt.time:
    moment = dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=minutes)
    return moment.time()


def coordinate(value: object, limit: float) -> float | None:
    """A latitude or longitude from a number or a numeric string; None when missing.
    Raises ValueError when given but not a coordinate."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a coordinate is not true or false")
    not_a_number = ValueError(f"the coordinate {str(value)[:20]!r} is not a number")
    if not isinstance(value, int | float | str):
        raise not_a_number
    try:
        number = float(value)
    except ValueError:
        raise not_a_number from None
    if number != number or not -limit <= number <= limit:
        raise ValueError(f"{value!r} is out of range")
    return round(number, 6)


def point(lat: object, lng: object) -> tuple[float | None, float | None]:
    """Both coordinates or neither. (0, 0) is in the Atlantic: BMLT writes it for 'none'."""
    latitude, longitude = coordinate(lat, 90), coordinate(lng, 180)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


def web_link(value: object) -> str:
    """The feed's link if we would accept it from an organiser (groups.models.web_url),
    else none: a link that hides where it goes costs the listing its link, not its place."""
    link = one_line(value, 500)
    try:
        web_url(link)
    except ValidationError:
        return ""
    return link


def group_key(meeting: FeedMeeting) -> str:
    """Which group a meeting belongs to: the group the feed names, else the same name at
    the same place. Keys are stable, so the same feed always makes the same groups."""
    if meeting.group:
        return "group:" + fold(meeting.group)
    place = meeting.place.key() if meeting.attendance != "online" else "online"
    return f"meeting:{fold(meeting.name)}@{place}"


def _group_of(key: str, meetings: list[FeedMeeting]) -> FeedGroup:
    first = meetings[0]
    located = [m for m in meetings if m.place.has_point and m.attendance != "online"]
    described = [m for m in meetings if m.place.is_known and m.attendance != "online"]
    place = (located or described or [first]).pop(0).place
    return FeedGroup(
        key=key,
        name=first.group_name or first.name,
        meetings=tuple(meetings),
        description=next((m.description for m in meetings if m.description), ""),
        website=next((m.website for m in meetings if m.website), ""),
        email=next((m.email for m in meetings if m.email), ""),
        phone=next((m.phone for m in meetings if m.phone), ""),
        online_url=next((m.online_url for m in meetings if m.online_url), ""),
        place=place,
        closed=all(m.closed for m in meetings),
    )
