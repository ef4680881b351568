"""Groups as CSV in the import format (groups/csvformat.py), so that exporting and
importing again changes nothing. Text cells are guarded against spreadsheet formulas;
latitude and longitude are written as numbers, never altered."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence

from groups import taxonomy
from groups.csvformat import group_cells, guard_cell
from groups.fields import CSV, field_names
from groups.importing import ALL_COLUMNS, NUMERIC_COLUMNS
from groups.models import Group
from groups.services import MeetingSpec

# What the CSV reads of a group's own row (the rest of it, such as its search vector,
# only costs the reading): for .only() on what is exported.
COLUMNS = (*field_names(CSV, on_group=True), "online_on_request")


# The first characters of a cell that guard_cell() may change: most cells start with none.
GUARDED_START = frozenset("'=+-@\t\r")


def guarded(row: dict[str, str]) -> dict[str, str]:
    return {
        name: guard_cell(value)
        if value[:1] in GUARDED_START and name not in NUMERIC_COLUMNS
        else value
        for name, value in row.items()
    }


def csv_pieces(groups: Iterable[Group], *, rows_per_piece: int = 2_000) -> Iterator[str]:
    """The CSV a piece at a time (the byte-order mark and header, then rows_per_piece
    rows), so that a response can stream it: only one piece is held at once. Each
    piece's tags and meetings are read in four queries, as ids and values (whatever the
    groups have prefetched): a model for each tag and meeting cost most of an export."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=ALL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    rows = iter(groups)
    while piece := list(itertools.islice(rows, rows_per_piece)):
        for group, meetings in _with_tags_and_meetings(piece):
            writer.writerow(guarded(group_cells(group, meetings)))
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def _with_tags_and_meetings(groups: Sequence[Group]) -> Iterator[tuple[Group, list[MeetingSpec]]]:
    """Each group with its type, conditions and audiences set from the taxonomies held in
    memory (condition_terms and audience_terms in their order, as with_cards() gives
    them) and its meetings as specs."""
    ids = [group.pk for group in groups]
    conditions_of = taxonomy.tag_ids(Group.conditions.through, "group", "condition", ids)
    audiences_of = taxonomy.tag_ids(Group.audiences.through, "group", "audience", ids)
    conditions = taxonomy.conditions(covering=itertools.chain(*conditions_of.values()))
    audiences = taxonomy.audiences(covering=itertools.chain(*audiences_of.values()))
    meetings = MeetingSpec.of_groups(ids)
    types = taxonomy.group_types().by_id
    condition_rank = {c.pk: n for n, c in enumerate(conditions.all)}
    audience_rank = {a.pk: n for n, a in enumerate(audiences.all)}
    for group in groups:
        if group.group_type_id in types:  # else (new since this process read them) its own
            group.group_type = types[group.group_type_id]
        ranks = sorted(condition_rank[i] for i in conditions_of.get(group.pk, ()))
        group.condition_terms = [conditions.all[n] for n in ranks]
        ranks = sorted(audience_rank[i] for i in audiences_of.get(group.pk, ()))
        group.audience_terms = [audiences.all[n] for n in ranks]
        yield group, meetings.get(group.pk, [])


def groups_csv(groups: Iterable[Group]) -> str:
    """UTF-8 CSV text with a byte-order mark, so that spreadsheets read it as UTF-8."""
    return "".join(csv_pieces(groups))
