"""What the staff upload takes: files a web request can check and import in well under
gunicorn's timeout. Larger ones go through `manage.py import_groups` on the server. The
size, header and row checks run before the import reads a single row; a file within them
that is still too slow to import is stopped by a deadline."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Iterator

from groups.importing import ALL_COLUMNS
from groups.progress import Track

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
# Every column of the import format, once: a longer header cannot be right.
MAX_COLUMNS = len(ALL_COLUMNS)
LARGE_FILES = (
    "Import a larger file on the server with “manage.py import_groups FILE” "
    "(see “Loading data” in the README)."
)


def _records(text: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""))


def too_many_rows(data: bytes) -> bool:
    # Each row takes a line at least: only a file with more lines needs counting.
    if data.count(b"\n") <= MAX_ROWS + 1:
        return False
    text = data.decode("utf-8-sig", errors="replace")
    try:
        return sum(1 for record in _records(text) if record) - 1 > MAX_ROWS
    except csv.Error:
        return False  # the import itself says what is wrong with the file


def header_columns(data: bytes) -> int:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        return len(next(_records(text), []))
    except csv.Error:
        return 0


def size_problem(size: int) -> str | None:
    if size > MAX_BYTES:
        return f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. {LARGE_FILES}"
    return None


def problem(data: bytes) -> str | None:
    """Why the upload refuses data, or None if it may go on to the import's dry run."""
    if size_problem(len(data)):
        return size_problem(len(data))
    columns = header_columns(data)
    if columns > MAX_COLUMNS:
        return (
            f"The first row names {columns:,} columns, but the import format has "
            f"{MAX_COLUMNS}: check that it is the header row, naming the columns."
        )
    if too_many_rows(data):
        return f"The file has more than {MAX_ROWS:,} rows. {LARGE_FILES}"
    return None


class TooSlow(Exception):
    """The import ran past the time a web request may take."""


TOO_SLOW = f"This file takes too long to import on the web. {LARGE_FILES}"


def deadline(seconds: float) -> Track:
    """A Track for groups.importing.import_groups that stops it (raising TooSlow) once
    seconds have passed, before gunicorn's timeout would: the import's transaction rolls
    back, so nothing is written, and a bare 500 becomes a message."""
    end = time.monotonic() + seconds

    def track[T](items: Iterable[T], *, total: int | None, desc: str) -> Iterator[T]:
        for item in items:
            if time.monotonic() >= end:
                raise TooSlow
            yield item

    return track
