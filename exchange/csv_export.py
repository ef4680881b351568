"""Groups as CSV in the import format (groups/csvformat.py), so that exporting and
importing again changes nothing. Text cells are guarded against spreadsheet formulas;
latitude and longitude are written as numbers, never altered."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from groups.csvformat import group_cells, guard_cell
from groups.importing import ALL_COLUMNS, NUMERIC_COLUMNS
from groups.models import Group


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
        writer.writerow(guarded(group_cells(group)))
        if n % rows_per_piece == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def groups_csv(groups: Iterable[Group]) -> str:
    """UTF-8 CSV text with a byte-order mark, so that spreadsheets read it as UTF-8."""
    return "".join(csv_pieces(groups))
