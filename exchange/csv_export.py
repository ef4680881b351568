"""Groups as CSV in the import format (groups/importing.py), so that exporting and
importing again changes nothing. Text cells are guarded against spreadsheet formulas;
latitude and longitude are written as numbers, never altered."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from groups.importing import ALL_COLUMNS, NEVER, NUMERIC_COLUMNS, format_meetings, guard_cell
from groups.models import Group, StepFree

STEP_FREE_CELL: dict[str, str] = {StepFree.YES: "true", StepFree.NO: "false", StepFree.UNKNOWN: ""}


def _number(value: float | None) -> str:
    # repr() is the shortest text that reads back as exactly the same float.
    return "" if value is None else repr(value)


def group_row(group: Group) -> dict[str, str]:
    """One group as CSV cells, before the formula guard."""
    return {
        "external_id": group.external_id or "",
        "name": group.name,
        "summary": group.summary,
        "description": group.description,
        "orientation": group.orientation,
        "group_type": group.group_type.slug,
        "conditions": ";".join(c.slug for c in group.condition_terms),
        "audiences": ";".join(a.slug for a in group.audience_terms),
        "format": group.format,
        "address": group.address,
        "town": group.town,
        "postcode": group.postcode,
        "latitude": _number(group.latitude),
        "longitude": _number(group.longitude),
        "online_url": group.online_url,
        "website": group.website,
        "email": group.email,
        "phone": group.phone,
        "meetings": format_meetings(group.sorted_meetings()),
        "leadership": group.leadership,
        "sector": group.sector,
        "referral": group.referral,
        "cost": group.cost,
        "step_free": STEP_FREE_CELL.get(group.step_free, ""),
        "access_notes": group.access_notes,
        "languages": ";".join(group.languages or []),
        "last_verified": group.last_verified.isoformat() if group.last_verified else NEVER,
        "slug": group.slug,
        "status": group.status,
    }


def guarded(row: dict[str, str]) -> dict[str, str]:
    return {
        name: value if name in NUMERIC_COLUMNS else guard_cell(value) for name, value in row.items()
    }


def csv_pieces(groups: Iterable[Group], *, rows_per_piece: int = 200) -> Iterator[str]:
    """The CSV a piece at a time (the byte-order mark and header, then rows_per_piece
    rows), so that a response can stream it: only one piece is held at once."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=ALL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for n, group in enumerate(groups, start=1):
        writer.writerow(guarded(group_row(group)))
        if n % rows_per_piece == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def groups_csv(groups: Iterable[Group]) -> str:
    """UTF-8 CSV text with a byte-order mark, so that spreadsheets read it as UTF-8."""
    return "".join(csv_pieces(groups))
