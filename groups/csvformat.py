"""The text of the CSV format's cells: values as people type them (codes or names, with
"did you mean" for near misses), the meetings grammar, and the guard against
spreadsheet formulas. groups/importing.py reads files with these; the export writes them.

A meetings cell holds items separated by `;`, each

    [alt | 1st | 2nd | 3rd | 4th | last] DAY HH:MM-HH:MM [from YYYY-MM-DD] [[VALUES]] [(NOTE)]

`alt` is every other week (`from` the date of one meeting, if known), `2nd` or `last` a
monthly meeting; a meeting may end after midnight (`Mon 23:00-01:00`). VALUES, in square
brackets, say how this meeting runs where it differs from the group, as `key: value`
pairs separated by `;`: format, address, town, postcode, latitude, longitude, step_free,
online_url (a link, or `on request`), dial_in, joining_notes, audiences and languages
(each a `,`-separated list). Inside the brackets a `\\` goes before any of `\\ [ ] ( ) ;`,
and inside the note's round brackets before any of `\\ ( )`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import taxonomy
from .fields import CSV, field_names
from .languages import language_code
from .models import WEEKDAY_CODES, Format, Group, Recurrence, StepFree, Term, Weekday
from .services import MeetingSpec

# Where a spreadsheet may start a formula: OWASP's list for CSV injection.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ON_REQUEST = "on request"
TRUE_WORDS = {"true", "yes", "y"}
FALSE_WORDS = {"false", "no", "n"}


class CellError(ValueError):
    """A cell's text is not a value of its column; each message says why."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


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


class Vocabulary:
    """The values of a column, each by its code or its name, in any case."""

    def __init__(self, what: str, entries: Iterable[tuple[str, str]]) -> None:
        self.what = what
        self.names: dict[str, str] = {}
        self.by_word: dict[str, str] = {}
        for code, name in entries:
            self.names[code] = name
            for word in (code, code.replace("_", " "), name):
                self.by_word.setdefault(_word(word), code)

    def code(self, text: str) -> str:
        found = self.by_word.get(_word(text))
        if found is None:
            raise CellError(self.unknown(text))
        return found

    def unknown(self, text: str) -> str:
        message = f"“{text[:60]}” is not {self.what}."
        close = difflib.get_close_matches(_word(text), list(self.by_word), n=1, cutoff=0.75)
        if close:
            return f"{message} Did you mean “{self.names[self.by_word[close[0]]]}”?"
        return f"{message} Write one of: {', '.join(self.names.values())}."


def _word(text: str) -> str:
    return " ".join(text.replace("-", " ").split()).casefold()


def choices(what: str, options: Iterable[tuple[str, str]]) -> Vocabulary:
    return Vocabulary(what, [(str(code), str(name)) for code, name in options])


def terms(what: str, found: Sequence[Term]) -> Vocabulary:
    return Vocabulary(what, [(t.slug, t.name) for t in found])


def listed(text: str, separator: str = ";") -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


def truth(text: str, *, blank: bool | None = None) -> bool | None:
    word = text.strip().lower()
    if not word:
        return blank
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"“{text[:60]}” is not true or false.")


def iso_date(text: str) -> dt.date:
    # fromisoformat alone also takes 20250107 and 2025-W02-2, which the format does not.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise CellError(f"“{text[:60]}” is not a date (YYYY-MM-DD).")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(f"“{text}” is not a date (YYYY-MM-DD).") from None


def languages(text: str, separator: str = ";") -> list[str]:
    codes, unknown = [], []
    for item in listed(text, separator):
        code = language_code(item)
        if code is None:
            unknown.append(item)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CellError(
            f"“{'”, “'.join(unknown)}”: not a language we know. Write its name in English "
            "(such as Polish) or its ISO 639 code (such as pl)."
        )
    return codes


def number(text: str) -> str:
    """A float as text that reads back as exactly the same float."""
    return repr(float(text))


# The meetings grammar.

DAY_WORDS = (
    r"mon(?:day)?|tues?(?:day)?|wed(?:s|nesday)?|thu(?:rs?)?(?:day)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?"
)
HEAD_RE = re.compile(
    r"^(?:(?P<alt>alt)\s+|(?P<nth>1st|2nd|3rd|4th|last)\s+)?"
    rf"(?P<day>{DAY_WORDS})\.?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+from\s+(?P<anchor>\S+))?\s*",
    re.IGNORECASE,
)
NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": -1}
NTH_TEXT = {n: text for text, n in NTH.items()}
ESCAPED_RE = re.compile(r"\\(.)", re.DOTALL)
MEETING_KEYS = (
    "format", "address", "town", "postcode", "latitude", "longitude", "step_free",
    "online_url", "dial_in", "joining_notes", "audiences", "languages",
)  # fmt: skip
EXAMPLES = "“Tue 19:00-20:30”, “alt Wed 14:00-15:30 from 2026-01-07” or “2nd Mon 18:00-19:30”"


def _escape(text: str, specials: str) -> str:
    return "".join("\\" + c if c in specials else c for c in text)


def _unescape(text: str) -> str:
    return ESCAPED_RE.sub(r"\1", text)


def format_meetings(meetings: Iterable[Any]) -> str:
    """Meetings (Meeting or MeetingSpec) as a cell, parse_meetings()'s inverse."""
    specs = (m if isinstance(m, MeetingSpec) else MeetingSpec.of(m) for m in meetings)
    return "; ".join(format_meeting(spec) for spec in specs)


def format_meeting(spec: MeetingSpec) -> str:
    item = (
        f"{WEEKDAY_CODES[spec.weekday].capitalize()} {spec.start_time:%H:%M}-{spec.end_time:%H:%M}"
    )
    if spec.recurrence == Recurrence.FORTNIGHTLY:
        item = f"alt {item}" + (f" from {spec.anchor_date.isoformat()}" if spec.anchor_date else "")
    elif spec.recurrence == Recurrence.MONTHLY and spec.week_of_month is not None:
        item = f"{NTH_TEXT[spec.week_of_month]} {item}"
    values = [f"{key}: {_escape(text, '\\[]();')}" for key, text in _meeting_values(spec)]
    if values:
        item += f" [{'; '.join(values)}]"
    if spec.note:
        item += f" ({_escape(spec.note, '\\()')})"
    return item


def _meeting_values(spec: MeetingSpec) -> list[tuple[str, str]]:
    shown = {
        "format": spec.format,
        "address": spec.address,
        "town": spec.town,
        "postcode": spec.postcode,
        "latitude": "" if spec.latitude is None else repr(spec.latitude),
        "longitude": "" if spec.longitude is None else repr(spec.longitude),
        "step_free": {"yes": "true", "no": "false"}.get(spec.step_free, ""),
        "online_url": ON_REQUEST if spec.online_on_request else spec.online_url,
        "dial_in": spec.dial_in,
        "joining_notes": spec.joining_notes,
        "audiences": ", ".join(a.slug for a in spec.audiences),
        "languages": ", ".join(spec.languages),
    }
    return [(key, shown[key]) for key in MEETING_KEYS if shown[key]]


def meeting_items(text: str) -> list[str]:
    """Splits a meetings cell on the semicolons outside brackets (a note may hold them)."""
    items: list[str] = []
    current: list[str] = []
    depth, escaped = 0, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif char == ";" and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def parse_meetings(text: str) -> list[MeetingSpec]:
    """Parses a meetings cell. Raises CellError naming every item that is not a meeting."""
    specs, errors = [], []
    for item in meeting_items(text):
        try:
            specs.append(parse_meeting(item))
        except CellError as exc:
            errors += exc.messages
    if errors:
        raise CellError(*errors)
    return specs


def parse_meeting(item: str) -> MeetingSpec:
    match = HEAD_RE.match(item)
    if not match:
        raise CellError(f"“{item}” is not a meeting. Write it like {EXAMPLES}.")
    values_text, note = _tail(item, item[match.end() :])
    start, end = _clock(item, match["start"]), _clock(item, match["end"])
    if end == start:
        raise CellError(f"“{item}” ends when it starts.")
    weekday = WEEKDAY_CODES.index(match["day"].lower()[:3])
    return MeetingSpec(
        weekday=weekday,
        start_time=start,
        end_time=end,
        **_rhythm(item, match, weekday),
        note=note,
        **_values(item, values_text),
    )


def _tail(item: str, rest: str) -> tuple[str, str]:
    """The [values] and (note) after a meeting's day and times."""
    values = note = ""
    for opening, closing in (("[", "]"), ("(", ")")):
        if rest.startswith(opening):
            inside, rest = _bracketed(item, rest, closing)
            if opening == "[":
                values = inside
            else:
                note = _unescape(inside).strip()
            rest = rest.lstrip()
    if rest:
        raise CellError(
            f"“{item}”: “{rest[:40]}” is not understood. Values go in [square brackets], "
            "then a note in (round brackets)."
        )
    return values, note


def _bracketed(item: str, text: str, closing: str) -> tuple[str, str]:
    escaped = False
    for index, char in enumerate(text[1:], start=1):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == closing:
            return text[1:index], text[index + 1 :]
    raise CellError(f"“{item}”: a bracket is not closed.")


def _clock(item: str, text: str) -> dt.time:
    hours, minutes = text.split(":")
    try:
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise CellError(f"“{item}” has a time that does not exist.") from None


def _rhythm(item: str, match: re.Match[str], weekday: int) -> dict[str, Any]:
    anchor = match["anchor"]
    if match["alt"]:
        anchor_date = iso_date(anchor) if anchor else None
        if anchor_date and anchor_date.weekday() != weekday:
            raise CellError(
                f"“{item}”: {anchor_date:%-d %B %Y} is a {anchor_date:%A}, "
                f"not a {Weekday(weekday).label}."
            )
        return {"recurrence": Recurrence.FORTNIGHTLY, "anchor_date": anchor_date}
    if anchor:
        raise CellError(f"“{item}”: only fortnightly (alt) meetings take a “from” date.")
    if match["nth"]:
        return {"recurrence": Recurrence.MONTHLY, "week_of_month": NTH[match["nth"].lower()]}
    return {"recurrence": Recurrence.WEEKLY}


def _values(item: str, text: str) -> dict[str, Any]:
    """The [key: value; ...] of one meeting, as MeetingSpec's fields."""
    given: dict[str, str] = {}
    for pair in meeting_items(text):
        key, colon, value = pair.partition(":")
        key = key.strip().lower().replace("-", "_").replace(" ", "_")
        if not colon or key not in MEETING_KEYS:
            raise CellError(
                f"“{item}”: “{pair[:40]}” is not a meeting's value. Write “key: value” with "
                f"one of these keys: {', '.join(MEETING_KEYS)}."
            )
        given[key] = _unescape(value).strip()
    try:
        return _meeting_fields(given)
    except CellError as exc:
        raise CellError(f"“{item}”: {exc}") from None


def _meeting_fields(given: Mapping[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        k: given[k]
        for k in ("address", "town", "postcode", "dial_in", "joining_notes")
        if k in given
    }
    if given.get("format"):
        fields["format"] = choices("a format", Format.choices).code(given["format"])
    for key in ("latitude", "longitude"):
        if given.get(key):
            try:
                fields[key] = float(given[key])
            except ValueError:
                raise CellError(f"“{given[key]}” is not a {key}.") from None
    if given.get("step_free"):
        fields["step_free"] = StepFree.YES if truth(given["step_free"]) else StepFree.NO
    link = given.get("online_url", "")
    if link.lower() == ON_REQUEST:
        fields["online_on_request"] = True
    elif link:
        fields["online_url"] = link
    if given.get("audiences"):
        vocabulary = terms("an audience", taxonomy.audiences().all)
        slugs = [vocabulary.code(a) for a in listed(given["audiences"], ",")]
        by_slug = taxonomy.audiences().by_slug
        fields["audiences"] = tuple(sorted((by_slug[s] for s in slugs), key=lambda a: a.pk))
    if given.get("languages"):
        fields["languages"] = tuple(languages(given["languages"], ","))
    return fields


# A group as cells: one formatter per column (groups/fields.py's CSV columns), the
# import's parsers' inverse.

STEP_FREE_CELL: dict[str, str] = {"yes": "true", "no": "false", "unknown": ""}
NEVER = "never"


def _float_cell(value: float | None) -> str:
    # repr() is the shortest text that reads back as exactly the same float.
    return "" if value is None else repr(value)


def _truth_cell(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


CELLS: dict[str, Callable[[Group], str]] = {
    "external_id": lambda g: g.external_id or "",
    "group_type": lambda g: g.group_type.slug if g.group_type else "",
    "conditions": lambda g: ";".join(c.slug for c in g.condition_terms),
    "audiences": lambda g: ";".join(a.slug for a in g.audience_terms),
    "latitude": lambda g: _float_cell(g.latitude),
    "longitude": lambda g: _float_cell(g.longitude),
    "venue_hidden": lambda g: _truth_cell(g.venue_hidden),
    "online_url": lambda g: ON_REQUEST if g.online_on_request else g.online_url,
    "meetings": lambda g: format_meetings(g.sorted_meetings()),
    "step_free": lambda g: STEP_FREE_CELL.get(g.step_free, ""),
    "languages": lambda g: ";".join(g.languages or []),
    "paused": lambda g: "true" if g.paused else "",
    "paused_until": lambda g: g.paused_until.isoformat() if g.paused_until else "",
    "last_verified": lambda g: g.last_verified.isoformat() if g.last_verified else NEVER,
}


def group_cells(group: Group, meetings: Sequence[MeetingSpec] | None = None) -> dict[str, str]:
    """One group as CSV cells (before the formula guard): with its meetings as given (in
    order), else its own, whose audiences are read for each meeting (with_cards()
    prefetches them for many groups)."""
    cells = {
        name: CELLS[name](group) if name in CELLS else str(getattr(group, name) or "")
        for name in field_names(CSV)
        if meetings is None or name != "meetings"
    }
    if meetings is not None:
        cells["meetings"] = format_meetings(meetings)
    return cells
