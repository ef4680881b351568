"""The CSV import format: parsing, validation and an all-or-nothing import.

Every problem is reported with the physical line its record starts on (the header
is line 1) and its column, and nothing is written unless every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone

from . import taxonomy
from .csvformat import (
    FORMULA_START,
    NEVER,
    ON_REQUEST,
    CellError,
    choices,
    format_meetings,
    group_cells,
    guard_cell,
    iso_date,
    languages,
    listed,
    parse_meetings,
    terms,
    truth,
    unguard_cell,
)
from .fields import CSV, field_names
from .location import locate, normalise_postcode
from .models import (
    CONTROL_CHARACTER_RE,
    Audience,
    Condition,
    Format,
    Group,
    Leadership,
    Orientation,
    Referral,
    Sector,
    Status,
    StepFree,
    web_url,
)
from .phones import check_phone
from .progress import Track, untracked
from .services import GroupValues, MeetingSpec, save_group

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "FORMULA_START",
    "NEVER",
    "NUMERIC_COLUMNS",
    "format_meetings",
    "guard_cell",
    "import_groups",
    "parse_meetings",
    "unguard_cell",
]

# Every column, in the order the export writes them (groups/fields.py). The export adds
# slug and status, so that exporting and importing again loses nothing: the group's
# address on this site (a new group gets it, an existing one must match) and its status
# (blank keeps the import's rule: pending, or published with --publish).
COLUMNS = list(field_names(CSV))
ALL_COLUMNS = COLUMNS
# A draft needs only its name; anything else, these too.
REQUIRED = ["name", "orientation", "conditions"]
# Never altered by the formula guard: they are numbers, and "-1.57" is a longitude.
NUMERIC_COLUMNS = {"latitude", "longitude"}
# Bytes that are not UTF-8, as decoding with errors="surrogateescape" keeps them.
UNDECODED_RE = re.compile("[\udc80-\udcff]")
# Where the values a row gives for its group's tags and meetings go.
TAGS_AND_MEETINGS = ("conditions", "audiences", "meetings")


class _RollBack(Exception):
    """Raised inside the transaction to roll back an import that found problems."""


class _UnreadableCSV(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Problem:
    """A problem with a cell (or a row, or the file), where a person finds it: the
    spreadsheet's row, and the text file's line when that differs (a cell holding line
    breaks makes the two part)."""

    line: int
    column: str
    message: str
    row: int | None = None

    @property
    def where(self) -> str:
        if self.row is None or self.row == self.line:
            where = f"row {self.row}" if self.row is not None else f"line {self.line}"
        else:
            where = f"row {self.row} (line {self.line} of the text)"
        return where + (f", column {self.column}" if self.column else "")

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class FieldChange:
    column: str
    before: str
    after: str


@dataclass(frozen=True)
class RowChange:
    """What a row would do to its group: a new group, or these fields changed."""

    row: int
    line: int
    name: str
    created: bool
    fields: tuple[FieldChange, ...]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Row:
    line: int
    row: int
    external_id: str | None
    values: dict[str, Any]
    conditions: list[Condition] | None
    audiences: list[Audience] | None
    meetings: list[MeetingSpec] | None
    slug: str = ""
    status: str = ""


def _records(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """CSV records with the spreadsheet row and the physical line each starts on. Lines
    with no text in any cell (spreadsheets write them as `,,,`) are no record, though a
    spreadsheet counts their rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 0
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _UnreadableCSV(start, f"Not a readable CSV record: {exc}.") from None
        row += 1
        if any(cell.strip() for cell in record):
            yield row, start, record


def _column(field_name: str) -> str:
    """The CSV column of a key in a ValidationError from the model or save_group()."""
    if field_name == NON_FIELD_ERRORS:
        return ""
    return re.split(r"[\[.]", field_name, maxsplit=1)[0]


# One parser per column: the cell's text (stripped, unless it keeps its layout) to the
# values it gives, or CellError. Values people type are accepted as well as codes.

Parsed = dict[str, Any]
Parser = Callable[[str, "RowContext"], Parsed]


@dataclass(frozen=True)
class RowContext:
    today: dt.date
    draft: bool


def _text(name: str) -> Parser:
    return lambda text, ctx: {name: text.strip()}


def _layout(name: str) -> Parser:
    """A text that keeps its line breaks and spacing (a description)."""
    return lambda text, ctx: {name: text}


def _choice(name: str, what: str, options: Any, default: str) -> Parser:
    def parse(text: str, ctx: RowContext) -> Parsed:
        text = text.strip()
        return {name: choices(what, options.choices).code(text) if text else default}

    return parse


def _external_id(text: str, ctx: RowContext) -> Parsed:
    return {"external_id": text.strip() or None}


def _group_type(text: str, ctx: RowContext) -> Parsed:
    text = text.strip()
    if not text:
        return {"group_type": None if ctx.draft else taxonomy.group_types().by_slug["other"]}
    slug = terms("a group type", taxonomy.group_types().all).code(text)
    return {"group_type": taxonomy.group_types().by_slug[slug]}


def _terms_of(name: str, what: str, found: Callable[[], taxonomy.Terms]) -> Parser:
    def parse(text: str, ctx: RowContext) -> Parsed:
        vocabulary = terms(what, found().all)
        codes, errors = [], []
        for item in listed(text):
            try:
                codes.append(vocabulary.code(item))
            except CellError as exc:
                errors += exc.messages
        if errors:
            raise CellError(*errors)
        return {name: [found().by_slug[code] for code in dict.fromkeys(codes)]}

    return parse


def _postcode(text: str, ctx: RowContext) -> Parsed:
    return {"postcode": normalise_postcode(text)}


def _coordinate(name: str, limit: int) -> Parser:
    def parse(text: str, ctx: RowContext) -> Parsed:
        text = text.strip()
        if not text:
            return {name: None}
        try:
            number = float(text)
        except ValueError:
            number = math.inf
        if not -limit <= number <= limit:
            raise CellError(f"“{text[:60]}” is not a {name}.")
        return {name: number}

    return parse


def _venue_hidden(text: str, ctx: RowContext) -> Parsed:
    return {"venue_hidden": truth(text)}


def _web_address(name: str) -> Parser:
    def parse(text: str, ctx: RowContext) -> Parsed:
        text = text.strip()
        if text:
            try:
                web_url(text)
            except ValidationError:
                raise CellError("Must be a web address starting http:// or https://.") from None
        return {name: text}

    return parse


def _online_url(text: str, ctx: RowContext) -> Parsed:
    text = text.strip()
    if text.lower() == ON_REQUEST:
        return {"online_url": "", "online_on_request": True}
    return {**_web_address("online_url")(text, ctx), "online_on_request": False}


def _email(text: str, ctx: RowContext) -> Parsed:
    text = text.strip()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise CellError(f"“{text[:60]}” is not an email address.") from None
    return {"email": text}


def _phone(name: str) -> Parser:
    def parse(text: str, ctx: RowContext) -> Parsed:
        text = text.strip()
        # Text too long, or not on one line, gets the model's own message.
        if text and len(text) <= 40 and not CONTROL_CHARACTER_RE.search(text):
            try:
                check_phone(text)
            except ValidationError as exc:
                raise CellError(" ".join(exc.messages)) from None
        return {name: text}

    return parse


def _meetings(text: str, ctx: RowContext) -> Parsed:
    return {"meetings": [_locate_meeting(spec) for spec in parse_meetings(text)]}


def _locate_meeting(spec: MeetingSpec) -> MeetingSpec:
    """A meeting at a venue of its own, found from its postcode or town, as a group is."""
    spec = replace(spec, postcode=normalise_postcode(spec.postcode))
    if spec.latitude is not None or not (spec.postcode or spec.town):
        return spec
    point = locate(spec.postcode, spec.town)
    return replace(spec, latitude=point[0], longitude=point[1]) if point else spec


def _step_free(text: str, ctx: RowContext) -> Parsed:
    answer = truth(text)
    return {"step_free": {True: StepFree.YES, False: StepFree.NO, None: StepFree.UNKNOWN}[answer]}


def _languages(text: str, ctx: RowContext) -> Parsed:
    return {"languages": languages(text)}


def _date(name: str) -> Parser:
    return lambda text, ctx: {name: iso_date(text.strip()) if text.strip() else None}


def _paused(text: str, ctx: RowContext) -> Parsed:
    return {"paused": bool(truth(text, blank=False))}


def _last_verified(text: str, ctx: RowContext) -> Parsed:
    text = text.strip()
    if text.lower() == NEVER:
        return {"last_verified": None}
    if not text:
        return {"last_verified": ctx.today}
    day = iso_date(text)
    if day > ctx.today:
        raise CellError("Cannot be in the future.")
    return {"last_verified": day}


def _slug(text: str, ctx: RowContext) -> Parsed:
    slug = text.strip()
    if slug:
        try:
            validate_slug(slug)
            max_length = Group._meta.get_field("slug").max_length
            if max_length is not None and len(slug) > max_length:
                raise ValidationError("too long")
        except ValidationError:
            raise CellError(f"“{slug[:60]}” is not a slug (letters, numbers, - and _).") from None
    return {"slug": slug}


def _status(text: str, ctx: RowContext) -> Parsed:
    text = text.strip()
    return {"status": choices("a status", Status.choices).code(text) if text else ""}


PARSERS: dict[str, Parser] = {
    "external_id": _external_id,
    "name": _text("name"),
    "summary": _text("summary"),
    "description": _layout("description"),
    "what_to_expect": _layout("what_to_expect"),
    "orientation": _choice("orientation", "an orientation", Orientation, ""),
    "group_type": _group_type,
    "conditions": _terms_of("conditions", "a condition", taxonomy.conditions),
    "audiences": _terms_of("audiences", "an audience", taxonomy.audiences),
    "format": _choice("format", "a format", Format, Format.IN_PERSON),
    "address": _text("address"),
    "town": _text("town"),
    "postcode": _postcode,
    "latitude": _coordinate("latitude", 90),
    "longitude": _coordinate("longitude", 180),
    "venue_hidden": _venue_hidden,
    "online_url": _online_url,
    "dial_in": _phone("dial_in"),
    "joining_notes": _text("joining_notes"),
    "website": _web_address("website"),
    "email": _email,
    "phone": _phone("phone"),
    "meetings": _meetings,
    "leadership": _choice("leadership", "a kind of leadership", Leadership, ""),
    "sector": _choice("sector", "a sector", Sector, Sector.VOLUNTARY_COMMUNITY),
    "referral": _choice("referral", "a referral route", Referral, Referral.EITHER),
    "cost": _text("cost"),
    "step_free": _step_free,
    "access_notes": _layout("access_notes"),
    "languages": _languages,
    "paused": _paused,
    "paused_until": _date("paused_until"),
    "last_verified": _last_verified,
    "slug": _slug,
    "status": _status,
}
assert set(PARSERS) == set(COLUMNS), "every CSV column of groups/fields.py has a parser"


def validate_row(
    line: int, row: int, cells: dict[str, str], *, today: dt.date
) -> tuple[Row | None, list[Problem]]:
    """A row's cells as the values of its group, or every problem with them. A column
    the file leaves out reads as blank."""
    ctx = RowContext(today=today, draft=cells.get("status", "").strip().lower() == Status.DRAFT)
    parsed: Parsed = {}
    errors: list[tuple[str, str]] = []
    for column in COLUMNS:
        try:
            parsed.update(PARSERS[column](cells.get(column, ""), ctx))
        except CellError as exc:
            errors += [(column, message) for message in exc.messages]
    flagged = {column for column, _ in errors}
    errors += [e for e in _row_rules(parsed, cells, ctx, flagged) if e[0] not in flagged]
    errors += _model_errors(parsed, flagged | {column for column, _ in errors})
    if errors:
        return None, [Problem(line, column, message, row) for column, message in errors]
    tags = {name: parsed.pop(name, None) for name in TAGS_AND_MEETINGS}
    return Row(
        line=line,
        row=row,
        external_id=parsed.pop("external_id", None),
        values=parsed,
        slug=parsed.pop("slug", ""),
        status=parsed.pop("status", ""),
        **tags,
    ), []


def _row_rules(
    parsed: Parsed, cells: dict[str, str], ctx: RowContext, flagged: set[str]
) -> list[tuple[str, str]]:
    """What a row needs as a whole: its required columns, and where it meets. A draft
    needs only its name."""
    required = ["name"] if ctx.draft else REQUIRED
    errors = [
        (c, "This column is required and is blank.")
        for c in required
        if not cells.get(c, "").strip()
    ]
    if bool(cells.get("latitude", "").strip()) != bool(cells.get("longitude", "").strip()):
        errors.append(("latitude", "Give both latitude and longitude, or neither."))
        flagged = flagged | {"latitude"}
    if ctx.draft:
        return errors
    fmt = parsed.get("format", Format.IN_PERSON)
    located = parsed.get("latitude") is not None or flagged & {"latitude", "longitude"}
    if fmt != Format.ONLINE and not located:
        point = locate(parsed.get("postcode", ""), parsed.get("town", ""))
        if point is None:
            errors.append(
                (
                    "postcode",
                    "An in-person or hybrid group needs latitude and longitude, or a postcode "
                    "or town that the places table knows (load it with load_places).",
                )
            )
        else:
            parsed["latitude"], parsed["longitude"] = point
    if fmt != Format.IN_PERSON and not (
        parsed.get("online_url") or parsed.get("online_on_request")
    ):
        errors.append(
            ("online_url", "Online and hybrid groups need a joining link, or “on request”.")
        )
    return errors


def _model_errors(parsed: Parsed, flagged: set[str]) -> list[tuple[str, str]]:
    """The model's own rules (lengths, blank fields) too, so that one run lists every
    problem instead of finding these only when the rows are saved."""
    values = {k: v for k, v in parsed.items() if k not in (*TAGS_AND_MEETINGS, "slug", "status")}
    if flagged & {"latitude", "longitude"}:
        flagged |= {"latitude", "longitude"}
    try:
        Group(**values).full_clean(
            exclude=["slug", "group_type", "status", "orientation"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        return [
            (_column(name), message)
            for name, messages in exc.message_dict.items()
            if _column(name) not in flagged
            for message in messages
        ]
    return []


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
        header_row, header_line, header = next(records)
    except StopIteration:
        return [], [Problem(1, "", "The file is empty: it needs a header row naming the columns.")]
    header = [name.strip() for name in header]
    problems = _header_problems(header, header_line, header_row)
    if problems:
        return [], problems
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    for row, line, record in track(records, total=_count_records(text), desc="Checking rows"):
        if len(record) != len(header):
            # Name the first column that is missing, or the first cell too many.
            column = header[len(record)] if len(record) < len(header) else str(len(header) + 1)
            message = f"Has {len(record)} cells; the header has {len(header)}."
            problems.append(Problem(line, column, message, row))
            continue
        cells = {
            name: cell if name in NUMERIC_COLUMNS else unguard_cell(cell)
            for name, cell in zip(header, record, strict=True)
        }
        problems += _repeats(cells, seen, line, row)
        parsed, row_problems = validate_row(line, row, cells, today=today)
        problems += row_problems
        if parsed is not None:
            rows.append(parsed)
    return rows, problems


def _header_problems(header: list[str], line: int, row: int) -> list[Problem]:
    problems = set()
    for name in header:
        if name not in ALL_COLUMNS:
            problems.add(Problem(line, name, f"Unknown column “{name}”.", row))
        elif header.count(name) > 1:
            problems.add(Problem(line, name, f"Column “{name}” appears more than once.", row))
    for name in REQUIRED:
        if name not in header:
            problems.add(Problem(line, name, f"The required column “{name}” is missing.", row))
    return sorted(problems, key=lambda p: (p.line, p.column))


def _repeats(cells: dict[str, str], seen: dict[tuple[str, str], int], line: int, row: int):
    """An external_id or slug that an earlier row also gives."""
    problems = []
    for column in ("external_id", "slug"):
        value = (cells.get(column) or "").strip()
        if not value:
            continue
        if (column, value) in seen:
            message = f"“{value}” is also on row {seen[column, value]} of the spreadsheet."
            problems.append(Problem(line, column, message, row))
        else:
            seen[column, value] = row
    return problems


def _undecodable_cells(text: str) -> list[Problem]:
    """Where the bytes that are not UTF-8 are: the line of the first bad byte in each cell
    that has one, and that cell's column."""
    problems = []
    header: list[str] = []
    try:
        for _, start, record in _records(text):
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
    The result counts what was (or, in a dry run, would be) created, updated and left
    unchanged, and lists each row's changes, field by field.

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
            _save_rows(
                rows,
                result,
                publish=publish,
                may_publish=may_publish,
                dry_run=dry_run,
                track=track,
            )
            if result.problems or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return result


def _save_rows(
    rows: list[Row],
    result: ImportResult,
    *,
    publish: bool,
    may_publish: bool,
    dry_run: bool,
    track: Track,
) -> None:
    by_id = {
        g.external_id: g
        for g in Group.objects.filter(
            external_id__in=[r.external_id for r in rows if r.external_id]
        )
        if g.external_id
    }
    by_slug = {g.slug: g for g in Group.objects.filter(slug__in=[r.slug for r in rows if r.slug])}
    saving = "Trying groups (dry run)" if dry_run else "Saving groups"
    for row in track(rows, total=len(rows), desc=saving):
        group, problem = _match(row, by_id, by_slug)
        if problem is not None:
            result.problems.append(problem)
            continue
        values = _values(row, group, publish=publish)
        if not may_publish and _publishes(group, values):
            result.problems.append(Problem(row.line, "status", NOT_A_MODERATOR, row.row))
            continue
        before = _as_cells(group) if group is not None else None
        try:
            saved = save_group(
                group=group,
                values=GroupValues(**values),
                conditions=row.conditions,
                audiences=row.audiences,
                meetings=row.meetings,
            )
        except ValidationError as exc:
            result.problems += [
                Problem(row.line, _column(name), message, row.row)
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
            continue
        _count(result, row, before, _as_cells(saved))


def _values(row: Row, group: Group | None, *, publish: bool) -> dict[str, Any]:
    values = dict(row.values, external_id=row.external_id)
    if group is None and row.slug:
        values["slug"] = row.slug
    if publish:
        values["status"] = Status.PUBLISHED
    elif row.status:
        values["status"] = row.status
    elif group is None:
        values["status"] = Status.PENDING
    return values


def _as_cells(group: Group) -> dict[str, str]:
    """The group as the export writes it, read afresh."""
    groups = Group.objects.with_cards()
    return group_cells(groups.get(pk=group.pk))


def _count(result: ImportResult, row: Row, before: dict[str, str] | None, after: dict[str, str]):
    changed = tuple(
        FieldChange(column, (before or {}).get(column, ""), after[column])
        for column in COLUMNS
        if before is None or before[column] != after[column]
    )
    if before is None:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1
        return
    result.changes.append(RowChange(row.row, row.line, after["name"], before is None, changed))
