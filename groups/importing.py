"""The CSV import format: parsing, validation and an all-or-nothing import.

Every problem is reported with the physical line its record starts on (the header
is line 1) and its column, and nothing is written unless every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone

from . import geo
from .models import (
    LANGUAGE_CODE_RE,
    WEEKDAY_CODES,
    Audience,
    Condition,
    Format,
    Group,
    GroupType,
    Leadership,
    Orientation,
    Place,
    Recurrence,
    Referral,
    Sector,
    Status,
    Weekday,
    web_url,
)
from .progress import Track, untracked
from .services import GroupValues, MeetingSpec, save_group

COLUMNS = [
    "external_id",
    "name",
    "summary",
    "description",
    "orientation",
    "group_type",
    "conditions",
    "audiences",
    "format",
    "address",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "online_url",
    "website",
    "email",
    "phone",
    "meetings",
    "leadership",
    "sector",
    "referral",
    "cost",
    "step_free",
    "access_notes",
    "languages",
    "last_verified",
]
# Columns an export adds so that exporting and importing again loses nothing: the
# group's address on this site (a new group gets it, an existing one must match) and
# its status (blank keeps the import's rule: pending, or published with --publish).
LOSSLESS_COLUMNS = ["slug", "status"]
ALL_COLUMNS = [*COLUMNS, *LOSSLESS_COLUMNS]
REQUIRED = ["name", "orientation", "conditions"]
# Never altered by the formula guard: they are numbers, and "-1.57" is a longitude.
NUMERIC_COLUMNS = {"latitude", "longitude"}
# Where a spreadsheet may start a formula: OWASP's list for CSV injection.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A last_verified of "never" keeps a group that has never been verified that way.
NEVER = "never"

MEETING_RE = re.compile(
    r"^(?:(?P<alt>alt)\s+|(?P<nth>1st|2nd|3rd|4th|last)\s+)?"
    r"(?P<day>mon(?:day)?|tues?(?:day)?|wed(?:s|nesday)?|thu(?:rs?)?(?:day)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)\.?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+from\s+(?P<anchor>\d{4}-\d{2}-\d{2}))?"
    r"(?:\s*\((?P<note>(?:[^()\\]|\\.)*)\))?$",
    re.IGNORECASE,
)
NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": -1}
NTH_TEXT = {n: text for text, n in NTH.items()}
ESCAPED_RE = re.compile(r"\\(.)", re.DOTALL)
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Bytes that are not UTF-8, as decoding with errors="surrogateescape" keeps them.
UNDECODED_RE = re.compile("[\udc80-\udcff]")


class _RollBack(Exception):
    """Raised inside the transaction to roll back an import that found problems."""


class _UnreadableCSV(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Row:
    line: int
    external_id: str | None
    values: dict[str, Any]
    conditions: list[Condition]
    audiences: list[Audience]
    meetings: list[MeetingSpec]
    slug: str = ""
    status: str = ""


def guard_cell(value: str) -> str:
    """A text cell as written to a CSV file: one that a spreadsheet would run as a
    formula (=, +, -, @, tab or carriage return first) gets a leading ', as does one that
    already starts with ' before such a character, so that unguard_cell() gives back
    exactly the original."""
    if value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def unguard_cell(value: str) -> str:
    """Takes off the ' that guard_cell() (or a careful spreadsheet user) put there."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def format_meetings(meetings: list[Any]) -> str:
    """Meetings (Meeting or MeetingSpec) in the import format, parse_meetings()'s inverse.
    A note goes in brackets, with backslashes before any \\, ( or ) in it."""
    items = []
    for m in meetings:
        day = WEEKDAY_CODES[m.weekday].capitalize()
        item = f"{day} {m.start_time:%H:%M}-{m.end_time:%H:%M}"
        if m.recurrence == Recurrence.FORTNIGHTLY:
            item = f"alt {item}" + (f" from {m.anchor_date.isoformat()}" if m.anchor_date else "")
        elif m.recurrence == Recurrence.MONTHLY:
            item = f"{NTH_TEXT[m.week_of_month]} {item}"
        if m.note:
            note = m.note.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            item += f" ({note})"
        items.append(item)
    return "; ".join(items)


def _meeting_items(text: str) -> list[str]:
    """Splits a meetings cell on the semicolons outside brackets (a note may hold them)."""
    items: list[str] = []
    current: list[str] = []
    depth, escaped = 0, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == ";" and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items]


def parse_meetings(text: str) -> list[MeetingSpec]:
    """Parses `Tue 19:00-20:30; alt Wed 14:00-15:30 from 2026-01-07; last Fri 19:00-20:30`.
    Raises ValueError naming every item that is not a meeting."""
    specs, errors = _parse_meetings(text)
    if errors:
        raise ValueError(" ".join(errors))
    return specs


def _parse_meetings(text: str) -> tuple[list[MeetingSpec], list[str]]:
    specs, errors = [], []
    for item in _meeting_items(text):
        if not item:
            continue
        try:
            specs.append(_parse_meeting(item))
        except ValueError as exc:
            errors.append(str(exc))
    return specs, errors


def _parse_meeting(item: str) -> MeetingSpec:
    match = MEETING_RE.match(item)
    if not match:
        raise ValueError(
            f"“{item}” is not a meeting. Write it like “Tue 19:00-20:30”, "
            "“alt Wed 14:00-15:30 from 2026-01-07” or “2nd Mon 18:00-19:30”."
        )
    anchor = match["anchor"]
    if anchor and not match["alt"]:
        raise ValueError(f"“{item}”: only fortnightly (alt) meetings take a “from” date.")
    try:
        start, end = _clock(match["start"]), _clock(match["end"])
    except ValueError:
        raise ValueError(f"“{item}” has a time that does not exist.") from None
    if end <= start:
        raise ValueError(f"“{item}” ends before it starts.")
    try:
        anchor_date = dt.date.fromisoformat(anchor) if anchor else None
    except ValueError:
        raise ValueError(f"“{item}”: {anchor} is not a date (YYYY-MM-DD).") from None
    weekday = WEEKDAY_CODES.index(match["day"].lower()[:3])
    if anchor_date and anchor_date.weekday() != weekday:
        raise ValueError(
            f"“{item}”: {anchor_date:%-d %B %Y} is a {anchor_date:%A}, "
            f"not a {Weekday(weekday).label}."
        )
    if match["alt"]:
        recurrence, nth = Recurrence.FORTNIGHTLY, None
    elif match["nth"]:
        recurrence, nth = Recurrence.MONTHLY, NTH[match["nth"].lower()]
    else:
        recurrence, nth = Recurrence.WEEKLY, None
    return MeetingSpec(
        weekday=weekday,
        start_time=start,
        end_time=end,
        recurrence=recurrence,
        anchor_date=anchor_date,
        week_of_month=nth,
        note=ESCAPED_RE.sub(r"\1", (match["note"] or "").strip()),
    )


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _iso_date(text: str) -> dt.date:
    # fromisoformat alone also takes 20250107 and 2025-W02-2, which the format does not.
    if not ISO_DATE_RE.match(text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on. Lines with no text in any
    cell (spreadsheets write them as `,,,`) are no record."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _UnreadableCSV(start, f"Not a readable CSV record: {exc}.") from None
        if any(cell.strip() for cell in record):
            yield start, record


class _Taxonomies:
    def __init__(self) -> None:
        self.conditions = {c.slug: c for c in Condition.objects.all()}
        self.audiences = {a.slug: a for a in Audience.objects.all()}
        self.group_types = {g.slug: g for g in GroupType.objects.all()}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _choice(value: str, choices: list[str], default: str, column: str, errors: list) -> str:
    if not value:
        return default
    if value not in choices:
        errors.append((column, f"“{value}” is not one of: {', '.join(choices)}."))
        return default
    return value


def _column(field_name: str) -> str:
    """The CSV column of a key in a ValidationError from the model or save_group()."""
    if field_name == NON_FIELD_ERRORS:
        return ""
    return re.split(r"[\[.]", field_name, maxsplit=1)[0]


def validate_row(
    line: int, cells: dict[str, str], tax: _Taxonomies, *, today: dt.date
) -> tuple[Row | None, list[Problem]]:
    errs: list[tuple[str, str]] = []
    get = lambda name: (cells.get(name) or "").strip()  # noqa: E731

    for name in REQUIRED:
        if not get(name):
            errs.append((name, "This column is required and is blank."))

    orientation = _choice(get("orientation"), Orientation.values, "", "orientation", errs)
    fmt = _choice(get("format"), Format.values, Format.IN_PERSON, "format", errs)
    referral = _choice(get("referral"), Referral.values, Referral.EITHER, "referral", errs)
    leadership = _choice(get("leadership"), Leadership.values, "", "leadership", errs)
    sector = _choice(get("sector"), Sector.values, Sector.VOLUNTARY_COMMUNITY, "sector", errs)

    group_type = tax.group_types.get(get("group_type") or "other")
    if group_type is None:
        errs.append(("group_type", f"“{get('group_type')}” is not a group type."))

    conditions, audiences = [], []
    for slug in _split(get("conditions")):
        if slug in tax.conditions:
            conditions.append(tax.conditions[slug])
        else:
            errs.append(("conditions", f"“{slug}” is not a condition."))
    if get("conditions") and not _split(get("conditions")):
        errs.append(("conditions", "Name at least one condition."))
    for slug in _split(get("audiences")):
        if slug in tax.audiences:
            audiences.append(tax.audiences[slug])
        else:
            errs.append(("audiences", f"“{slug}” is not an audience."))

    for column in ("online_url", "website"):
        if get(column):
            try:
                web_url(get(column))
            except ValidationError:
                errs.append((column, "Must be a web address starting http:// or https://."))
    if get("email"):
        try:
            validate_email(get("email"))
        except ValidationError:
            errs.append(("email", f"“{get('email')}” is not an email address."))

    step_free = {"true": "yes", "false": "no", "": "unknown"}.get(get("step_free").lower())
    if step_free is None:
        errs.append(("step_free", "Must be true, false or blank."))

    languages = [code.lower() for code in _split(get("languages"))]
    for code in languages:
        if not LANGUAGE_CODE_RE.match(code):
            errs.append(("languages", f"“{code}” is not an ISO 639 code (such as en, cy, bfi)."))

    last_verified: dt.date | None = today
    if get("last_verified").lower() == NEVER:
        last_verified = None
    elif get("last_verified"):
        try:
            last_verified = _iso_date(get("last_verified"))
            if last_verified and last_verified > today:
                errs.append(("last_verified", "Cannot be in the future."))
        except ValueError:
            errs.append(("last_verified", f"“{get('last_verified')}” is not a date (YYYY-MM-DD)."))

    meetings, meeting_errors = _parse_meetings(get("meetings"))
    errs.extend(("meetings", message) for message in meeting_errors)

    latitude = longitude = None
    for column in ("latitude", "longitude"):
        if get(column):
            try:
                number = float(get(column))
                limit = 90 if column == "latitude" else 180
                if not -limit <= number <= limit:
                    raise ValueError
            except ValueError:
                errs.append((column, f"“{get(column)}” is not a {column}."))
                continue
            if column == "latitude":
                latitude = number
            else:
                longitude = number
    if bool(get("latitude")) != bool(get("longitude")):
        errs.append(("latitude", "Give both latitude and longitude, or neither."))
    if fmt != Format.ONLINE and latitude is None and not any(c == "latitude" for c, _ in errs):
        place = None
        if get("postcode"):
            place = Place.objects.lookup(get("postcode"))
        if place is None and get("town"):
            place = Place.objects.lookup(get("town"))
        if place is None:
            errs.append(
                (
                    "postcode",
                    "An in-person or hybrid group needs latitude and longitude, or a postcode "
                    "or town that the places table knows (load it with load_places).",
                )
            )
        else:
            latitude, longitude = place.latitude, place.longitude
    if fmt != Format.IN_PERSON and not get("online_url"):
        errs.append(("online_url", "Online and hybrid groups need a joining link."))

    values = {
        "name": get("name"),
        "summary": get("summary"),
        "description": cells.get("description") or "",
        "orientation": orientation,
        "group_type": group_type,
        "format": fmt,
        "address": get("address"),
        "town": get("town"),
        "postcode": geo.format_postcode(get("postcode")) if get("postcode") else "",
        "latitude": latitude,
        "longitude": longitude,
        "online_url": get("online_url"),
        "website": get("website"),
        "email": get("email"),
        "phone": get("phone"),
        "leadership": leadership,
        "sector": sector,
        "referral": referral,
        "cost": get("cost"),
        "step_free": step_free or "",
        "access_notes": cells.get("access_notes") or "",
        "languages": languages,
        "last_verified": last_verified,
        "external_id": get("external_id") or None,
    }
    # The model's own rules (lengths, blank fields) too, so that one run lists every
    # problem instead of finding these only when the rows are saved.
    try:
        Group(**values).full_clean(
            exclude=["slug", "group_type", "status"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        flagged = {column for column, _ in errs}
        if flagged & {"latitude", "longitude"}:
            flagged |= {"latitude", "longitude"}
        for field_name, messages in exc.message_dict.items():
            if _column(field_name) not in flagged:
                errs.extend((_column(field_name), message) for message in messages)

    slug = get("slug")
    if slug:
        try:
            validate_slug(slug)
            max_length = Group._meta.get_field("slug").max_length
            if max_length is not None and len(slug) > max_length:
                raise ValidationError("too long")
        except ValidationError:
            errs.append(("slug", f"“{slug[:60]}” is not a slug (letters, numbers, - and _)."))
    status = get("status")
    if status and status not in Status.values:
        errs.append(("status", f"“{status}” is not one of: {', '.join(Status.values)}."))

    problems = [Problem(line, column, message) for column, message in errs]
    if problems:
        return None, problems
    del values["external_id"]
    row = Row(
        line,
        get("external_id") or None,
        values,
        conditions,
        audiences,
        meetings,
        slug=slug,
        status=status,
    )
    return row, []


def read_rows(
    text: str, *, today: dt.date, track: Track = untracked
) -> tuple[list[Row], list[Problem]]:
    try:
        return _read_rows(text, today=today, track=track)
    except _UnreadableCSV as exc:
        return [], [Problem(exc.line, "", str(exc))]


def _count_records(text: str) -> int | None:
    """How many records follow the header (None if the file is not readable CSV)."""
    try:
        return max(sum(1 for _ in _records(text)) - 1, 0)
    except _UnreadableCSV:
        return None


def _read_rows(
    text: str, *, today: dt.date, track: Track = untracked
) -> tuple[list[Row], list[Problem]]:
    records = _records(text)
    try:
        header_line, header = next(records)
    except StopIteration:
        return [], [Problem(1, "", "The file is empty: it needs a header row naming the columns.")]
    header = [name.strip() for name in header]
    problems = []
    for name in header:
        if name not in ALL_COLUMNS:
            problems.append(Problem(header_line, name, f"Unknown column “{name}”."))
        elif header.count(name) > 1:
            problems.append(Problem(header_line, name, f"Column “{name}” appears more than once."))
    for name in REQUIRED:
        if name not in header:
            problems.append(Problem(header_line, name, f"The required column “{name}” is missing."))
    if problems:
        return [], sorted(set(problems), key=lambda p: (p.line, p.column))

    tax = _Taxonomies()
    rows: list[Row] = []
    seen_ids: dict[str, int] = {}
    seen_slugs: dict[str, int] = {}
    for line, record in track(records, total=_count_records(text), desc="Checking rows"):
        if len(record) != len(header):
            # Name the first column that is missing, or the first cell too many.
            column = header[len(record)] if len(record) < len(header) else str(len(header) + 1)
            problems.append(
                Problem(line, column, f"Has {len(record)} cells; the header has {len(header)}.")
            )
            continue
        cells = {
            name: cell if name in NUMERIC_COLUMNS else unguard_cell(cell)
            for name, cell in zip(header, record, strict=True)
        }
        external_id = (cells.get("external_id") or "").strip()
        if external_id in seen_ids:
            problems.append(
                Problem(
                    line,
                    "external_id",
                    f"“{external_id}” is also on line {seen_ids[external_id]}.",
                )
            )
        elif external_id:
            seen_ids[external_id] = line
        slug = (cells.get("slug") or "").strip()
        if slug in seen_slugs:
            problems.append(Problem(line, "slug", f"“{slug}” is also on line {seen_slugs[slug]}."))
        elif slug:
            seen_slugs[slug] = line
        row, row_problems = validate_row(line, cells, tax, today=today)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    return rows, problems


def _undecodable_cells(text: str) -> list[Problem]:
    """Where the bytes that are not UTF-8 are: the line of the first bad byte in each cell
    that has one, and that cell's column."""
    problems = []
    header: list[str] = []
    try:
        for start, record in _records(text):
            for index, cell in enumerate(record):
                bad = UNDECODED_RE.search(cell)
                if bad is None:
                    continue
                line = start + sum(c.count("\n") for c in record[:index])
                line += cell[: bad.start()].count("\n")
                column = header[index].strip() if index < len(header) else str(index + 1)
                if UNDECODED_RE.search(column):
                    column = str(index + 1)
                problems.append(
                    Problem(
                        line,
                        column,
                        "This is not UTF-8 text. Save the file as “CSV UTF-8” and import it again.",
                    )
                )
            header = header or record
    except _UnreadableCSV as exc:
        problems.append(Problem(exc.line, "", str(exc)))
    return problems


def _match(
    row: Row, by_id: dict[str, Group], by_slug: dict[str, Group]
) -> tuple[Group | None, Problem | None]:
    """The group a row updates (None: a new one), by external_id, else by slug."""
    if row.external_id:
        group = by_id.get(row.external_id)
        if group is not None and row.slug and row.slug != group.slug:
            return None, Problem(
                row.line,
                "slug",
                f"The group with external_id “{row.external_id}” has the slug “{group.slug}”, "
                "and a group's slug never changes.",
            )
        if group is None and row.slug in by_slug:
            return None, Problem(
                row.line, "slug", f"“{row.slug}” is the slug of another group already."
            )
        return group, None
    group = by_slug.get(row.slug) if row.slug else None
    if group is not None and group.external_id:
        return None, Problem(
            row.line,
            "external_id",
            f"The group with the slug “{row.slug}” has the external_id “{group.external_id}”: "
            "give it in this row too.",
        )
    return group, None


NOT_A_MODERATOR = (
    "Only moderators (the approve permission) can publish a group through an import: "
    "leave status blank or make it pending, and the group waits for review."
)


def _publishes(group: Group | None, values: dict) -> bool:
    was_published = group is not None and group.status == Status.PUBLISHED
    return values.get("status") == Status.PUBLISHED and not was_published


def import_groups(
    source: IO[bytes] | bytes,
    *,
    publish: bool = False,
    may_publish: bool = True,
    dry_run: bool = False,
    today: dt.date | None = None,
    track: Track = untracked,
) -> ImportResult:
    """Imports a CSV file all or nothing. New groups are pending unless publish is set
    (or the row's status column says otherwise); a row whose external_id exists updates
    that group, keeping its slug (and its status unless publish is set or the status
    column gives one). Without an external_id, a row whose slug exists updates that group.
    Unless may_publish (the moderators' approve permission), nothing may become published:
    publish is refused, and so is a row whose status column publishes a group."""
    if publish and not may_publish:
        raise PermissionError("Publishing an import needs the moderators' approve permission.")
    today = today or timezone.localdate()
    data = source if isinstance(source, bytes) else source.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="surrogateescape")
        return ImportResult(problems=_undecodable_cells(text))
    rows, problems = read_rows(text, today=today, track=track)
    result = ImportResult(problems=problems)
    if problems:
        return result
    try:
        with transaction.atomic():
            by_id = {
                g.external_id: g
                for g in Group.objects.filter(
                    external_id__in=[r.external_id for r in rows if r.external_id]
                )
                if g.external_id
            }
            by_slug = {
                g.slug: g for g in Group.objects.filter(slug__in=[r.slug for r in rows if r.slug])
            }
            saving = "Trying groups (dry run)" if dry_run else "Saving groups"
            for row in track(rows, total=len(rows), desc=saving):
                group, problem = _match(row, by_id, by_slug)
                if problem is not None:
                    result.problems.append(problem)
                    continue
                values = dict(row.values, external_id=row.external_id)
                if group is None and row.slug:
                    values["slug"] = row.slug
                if publish:
                    values["status"] = Status.PUBLISHED
                elif row.status:
                    values["status"] = row.status
                elif group is None:
                    values["status"] = Status.PENDING
                if not may_publish and _publishes(group, values):
                    result.problems.append(Problem(row.line, "status", NOT_A_MODERATOR))
                    continue
                try:
                    save_group(
                        group=group,
                        values=GroupValues(**values),
                        conditions=row.conditions,
                        audiences=row.audiences,
                        meetings=row.meetings,
                    )
                except ValidationError as exc:
                    for field_name, messages in exc.message_dict.items():
                        for message in messages:
                            result.problems.append(Problem(row.line, _column(field_name), message))
                    continue
                if group is None:
                    result.created += 1
                else:
                    result.updated += 1
            if result.problems or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return result
