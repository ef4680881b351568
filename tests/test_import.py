"""The CSV import: `manage.py import_groups FILE [--publish] [--dry-run]` (issue 2, point 6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from groups.importing import COLUMNS, import_groups
from groups.models import (
    Condition,
    Group,
    GroupType,
    Orientation,
    Place,
    Recurrence,
    Status,
)
from tests.conftest import LS6
from tests.support.organisers import publish_as_moderator

pytestmark = pytest.mark.django_db

GOOD = {
    "external_id": "",
    "name": "Headingley Recovery Circle",
    "summary": "Weekly recovery meeting for anyone who wants to stop drinking.",
    "orientation": "inward",
    "conditions": "alcohol",
    "latitude": "53.8195",
    "longitude": "-1.5755",
    "meetings": "Tue 19:00-20:30",
}
PROBLEM_RE = re.compile(
    r": (?:row (\d+)(?: \(line (\d+) of the text\))?|line (\d+))(?:, column (.+?))?: (.*)$"
)


def good(**cells: str) -> dict[str, str]:
    return {**GOOD, **cells}


def to_csv(*rows: dict[str, str], columns: list[str] | None = None) -> str:
    columns = columns or list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write(tmp_path: Path, *rows: dict[str, str], columns: list[str] | None = None) -> Path:
    path = tmp_path / "groups.csv"
    path.write_text(to_csv(*rows, columns=columns), encoding="utf-8")
    return path


def write_bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "groups.csv"
    path.write_bytes(data)
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_groups", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(path: Path, *args: str) -> list[tuple[int, str | None, str]]:
    """Runs an import that must fail; returns its problems as (line, column, message)."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported") as caught:
        call_command("import_groups", str(path), *args, stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines, "the problems are listed"
    assert f"{len(lines)} problem(s)" in str(caught.value)
    problems = []
    for text in lines:
        match = PROBLEM_RE.match(text, len(str(path)))
        assert match, text
        line = match[2] or match[1] or match[3]
        problems.append((int(line), match[4], match[5]))
    return problems


def where(problems: list[tuple[int, str | None, str]]) -> list[tuple[int, str | None]]:
    return [(line, column) for line, column, _ in problems]


# Every import error path. Each row is the second in its file (line 3) after a good one.
BAD_CELLS = [
    pytest.param({"name": ""}, "name", "required", id="blank-name"),
    pytest.param({"name": "   "}, "name", "required", id="whitespace-name"),
    pytest.param({"orientation": ""}, "orientation", "required", id="blank-orientation"),
    pytest.param({"conditions": ""}, "conditions", "required", id="blank-conditions"),
    pytest.param({"conditions": ";"}, "conditions", "condition", id="no-conditions-in-list"),
    pytest.param({"orientation": "sideways"}, "orientation", "sideways", id="orientation"),
    pytest.param({"format": "pigeon"}, "format", "pigeon", id="format"),
    pytest.param({"referral": "gp_only"}, "referral", "gp_only", id="referral"),
    pytest.param({"leadership": "anarchic"}, "leadership", "anarchic", id="leadership"),
    pytest.param({"sector": "charity"}, "sector", "charity", id="sector"),
    pytest.param({"group_type": "knitting"}, "group_type", "knitting", id="group-type"),
    pytest.param({"conditions": "alcohol;unicorns"}, "conditions", "unicorns", id="condition"),
    pytest.param({"audiences": "women;martians"}, "audiences", "martians", id="audience"),
    pytest.param({"meetings": "Xyz 19:00-20:30"}, "meetings", "Xyz", id="meeting-bad-day"),
    pytest.param({"meetings": "Monkey 19:00-20:30"}, "meetings", "Monkey", id="meeting-not-day"),
    pytest.param({"meetings": "Tue 25:00-26:00"}, "meetings", "time", id="meeting-25:00"),
    pytest.param({"meetings": "Tue 19:60-20:30"}, "meetings", "time", id="meeting-19:60"),
    pytest.param({"meetings": "Tue 7pm-9pm"}, "meetings", "7pm", id="meeting-7pm"),
    pytest.param(
        {"meetings": "Tue 19:00-19:00"}, "meetings", "ends when", id="meeting-ends-at-start"
    ),
    pytest.param({"meetings": "Tue 19:00-19:00"}, "meetings", "ends", id="meeting-no-length"),
    pytest.param(
        {"meetings": "Tue 19:00-20:30; Tue 19:00-20:30 from 2026-01-06"},
        "meetings",
        "only fortnightly",
        id="meeting-weekly-from",
    ),
    pytest.param(
        {"meetings": "2nd Mon 18:00-19:30 from 2026-01-12"},
        "meetings",
        "only fortnightly",
        id="meeting-monthly-from",
    ),
    pytest.param(
        {"meetings": "alt Wed 14:00-15:30 from 2026-01-08"},
        "meetings",
        "is a Thursday, not a Wednesday",
        id="meeting-anchor-wrong-weekday",
    ),
    pytest.param(
        {"meetings": "alt Wed 14:00-15:30 from 2026-02-30"},
        "meetings",
        "not a date",
        id="meeting-anchor-not-a-date",
    ),
    pytest.param(
        {"meetings": "alt Wed 14:00-15:30 from next week"},
        "meetings",
        "next week",
        id="meeting-anchor-words",
    ),
    pytest.param({"meetings": "5th Mon 18:00-19:30"}, "meetings", "5th", id="meeting-5th"),
    pytest.param({"step_free": "maybe"}, "step_free", "true or false", id="step-free"),
    pytest.param({"languages": "en;englsh"}, "languages", "englsh", id="language-word"),
    pytest.param({"languages": "e1"}, "languages", "e1", id="language-digit"),
    pytest.param({"last_verified": "14/10/2025"}, "last_verified", "YYYY-MM-DD", id="date-uk"),
    pytest.param({"last_verified": "2025-02-30"}, "last_verified", "YYYY-MM-DD", id="date-30-feb"),
    pytest.param({"last_verified": "20250107"}, "last_verified", "YYYY-MM-DD", id="date-basic"),
    pytest.param({"latitude": "north"}, "latitude", "north", id="latitude-word"),
    pytest.param({"latitude": "91"}, "latitude", "91", id="latitude-range"),
    pytest.param({"latitude": "nan"}, "latitude", "nan", id="latitude-nan"),
    pytest.param({"longitude": "-181"}, "longitude", "-181", id="longitude-range"),
    pytest.param({"longitude": ""}, "latitude", "both", id="latitude-without-longitude"),
    pytest.param({"latitude": ""}, "latitude", "both", id="longitude-without-latitude"),
    pytest.param(
        {"latitude": "", "longitude": "", "postcode": "ZZ99 9ZZ", "town": "Nowhere"},
        "postcode",
        "places table",
        id="unknown-place",
    ),
    pytest.param(
        {"latitude": "", "longitude": ""}, "postcode", "places table", id="no-place-at-all"
    ),
    pytest.param({"format": "online"}, "online_url", "joining link", id="online-without-link"),
    pytest.param({"format": "hybrid"}, "online_url", "joining link", id="hybrid-without-link"),
    pytest.param(
        {"format": "online", "online_url": "javascript:alert(1)"},
        "online_url",
        "http",
        id="online-url-javascript",
    ),
    pytest.param(
        {"format": "online", "online_url": "JavaScript://%0aalert(1)"},
        "online_url",
        "http",
        id="online-url-javascript-slashes",
    ),
    pytest.param(
        {"format": "online", "online_url": "data:text/html,<script>alert(1)</script>"},
        "online_url",
        "http",
        id="online-url-data",
    ),
    pytest.param(
        {"format": "online", "online_url": "vbscript:msgbox(1)"},
        "online_url",
        "http",
        id="online-url-vbscript",
    ),
    pytest.param({"website": "javascript:alert(1)"}, "website", "http", id="website-javascript"),
    pytest.param(
        {"website": "data:text/html;base64,PHNjcmlwdD4="}, "website", "http", id="website-data"
    ),
    pytest.param({"website": "vbscript:msgbox(1)"}, "website", "http", id="website-vbscript"),
    pytest.param({"website": "example.org"}, "website", "http", id="website-no-scheme"),
    pytest.param({"email": "not-an-email"}, "email", "not-an-email", id="email"),
    pytest.param({"email": "a@b@example.org"}, "email", "a@b@example.org", id="email-two-at"),
    pytest.param({"summary": "x" * 201}, "summary", "200", id="summary-too-long"),
    pytest.param({"name": "x" * 201}, "name", "200", id="name-too-long"),
    pytest.param({"phone": "0" * 41}, "phone", "40", id="phone-too-long"),
    pytest.param({"name": "Circle\nBcc: x"}, "name", "single line", id="name-line-break"),
    pytest.param({"summary": "One\r\nTwo"}, "summary", "single line", id="summary-crlf"),
    pytest.param({"address": "1 High St\tLeeds"}, "address", "single line", id="address-tab"),
    pytest.param({"town": "Leeds\x00"}, "town", "single line", id="town-nul"),
    pytest.param({"postcode": "LS6\x1b1AA"}, "postcode", "single line", id="postcode-escape"),
    pytest.param({"phone": "0113\u2028496"}, "phone", "single line", id="phone-line-separator"),
    pytest.param({"cost": "Free\x85Donations"}, "cost", "single line", id="cost-nel"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_CELLS)
def test_it_rejects_a_bad_cell_and_imports_nothing(tmp_path, cells, column, message):
    path = write(tmp_path, good(name="A good group"), good(**cells))

    problems = fails(path)

    assert where(problems) == [(3, column)]
    assert message in problems[0][2]
    assert Group.objects.count() == 0


def test_it_rejects_a_last_verified_date_in_the_future(tmp_path):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    path = write(tmp_path, good(), good(last_verified=tomorrow.isoformat()))

    problems = fails(path)

    assert where(problems) == [(3, "last_verified")]
    assert "future" in problems[0][2]
    assert Group.objects.count() == 0


def test_it_accepts_a_last_verified_date_of_today(tmp_path):
    run(write(tmp_path, good(last_verified=timezone.localdate().isoformat())))

    assert Group.objects.get().last_verified == timezone.localdate()


def test_it_rejects_an_unknown_column(tmp_path):
    path = write(tmp_path, good(colour="blue"))

    problems = fails(path)

    assert where(problems) == [(1, "colour")]
    assert "Unknown column" in problems[0][2]
    assert Group.objects.count() == 0


def test_it_rejects_a_column_named_twice(tmp_path):
    path = write_bytes(tmp_path, b"name,orientation,conditions,name\nA,inward,alcohol,B\n")

    assert where(fails(path)) == [(1, "name")]


@pytest.mark.parametrize("missing", ["name", "orientation", "conditions"])
def test_it_rejects_a_file_missing_a_required_column(tmp_path, missing):
    row = good()
    del row[missing]
    path = write(tmp_path, row)

    problems = fails(path)

    assert where(problems) == [(1, missing)]
    assert "required" in problems[0][2]
    assert Group.objects.count() == 0


def test_it_rejects_an_external_id_used_twice_in_the_file(tmp_path):
    path = write(
        tmp_path,
        good(external_id="leeds-1"),
        good(external_id="leeds-2"),
        good(external_id="leeds-1", name="Another group"),
    )

    problems = fails(path)

    assert where(problems) == [(4, "external_id")]
    assert "row 2" in problems[0][2]
    assert Group.objects.count() == 0


def test_it_reports_a_repeated_external_id_even_when_its_first_row_has_problems(tmp_path):
    path = write(
        tmp_path,
        good(external_id="leeds-1", orientation="sideways"),
        good(external_id="leeds-1"),
    )

    assert where(fails(path)) == [(2, "orientation"), (3, "external_id")]


def test_it_rejects_rows_with_the_wrong_number_of_cells(tmp_path):
    path = write_bytes(
        tmp_path,
        b"name,summary,orientation,conditions,latitude,longitude\n"
        b"Good group,Weekly meeting,inward,alcohol,53.8,-1.5\n"
        b"Short row,Weekly meeting,inward,alcohol\n"
        b"Long row,Weekly meeting,inward,alcohol,53.8,-1.5,surplus\n",
    )

    problems = fails(path)

    assert where(problems) == [(3, "latitude"), (4, "7")]
    assert "4 cells" in problems[0][2] and "6" in problems[0][2]
    assert "7 cells" in problems[1][2]
    assert Group.objects.count() == 0


def test_it_rejects_a_file_that_is_not_utf8_with_the_line_of_the_bad_byte(tmp_path):
    path = write_bytes(
        tmp_path,
        b"name,orientation,conditions,latitude,longitude\n"
        b"Good group,inward,alcohol,53.8,-1.5\n"
        b"Caf\xe9 group,inward,alcohol,53.8,-1.5\n",
    )

    problems = fails(path)

    assert where(problems) == [(3, "name")]
    assert "UTF-8" in problems[0][2]
    assert Group.objects.count() == 0


def test_it_counts_lines_of_a_bad_byte_after_a_byte_order_mark_and_a_multiline_record(db, tmp_path):
    path = write_bytes(
        tmp_path,
        b"\xef\xbb\xbfname,description,orientation,conditions,latitude,longitude\n"
        b'Good group,"Two\nlines",inward,alcohol,53.8,-1.5\n'
        b'Bad group,"First line\n\xe9 second line",inward,alcohol,53.8,-1.5\n',
    )

    assert where(fails(path)) == [(5, "description")]


def test_it_rejects_a_cell_too_large_to_read_with_its_line(tmp_path):
    path = write(tmp_path, good(description="One\nTwo"), good(description="x" * 200_000))

    problems = fails(path)

    assert where(problems) == [(4, None)]
    assert "field limit" in problems[0][2]


def test_it_judges_future_dates_against_the_day_of_the_import():
    data = to_csv(good(last_verified="2025-06-01"), good(last_verified="2025-06-02")).encode()

    result = import_groups(data, today=dt.date(2025, 6, 1))

    assert [(p.line, p.column) for p in result.problems] == [(3, "last_verified")]


def test_it_rejects_an_empty_file(tmp_path):
    problems = fails(write_bytes(tmp_path, b""))

    assert where(problems) == [(1, None)]
    assert "empty" in problems[0][2]


def test_it_imports_a_file_with_only_a_header_as_nothing(tmp_path):
    out = run(write_bytes(tmp_path, b"name,orientation,conditions\n"))

    assert "0 new and 0 updated" in out
    assert Group.objects.count() == 0


def test_it_gives_the_physical_line_a_record_starts_on_after_multiline_descriptions(db, tmp_path):
    path = write(
        tmp_path,
        good(description="Tea & biscuits.\nNewcomers welcome.\n\nNo need to book."),
        good(orientation="sideways"),
        good(description="One\r\nTwo"),
        good(format="pigeon"),
    )

    # Header 1; the first record takes lines 2-5, so the next starts on 6, then 7-8, then 9.
    assert where(fails(path)) == [(6, "orientation"), (9, "format")]
    assert Group.objects.count() == 0


def test_multi_line_fields_keep_their_line_breaks(tmp_path):
    run(write(tmp_path, good(description="One\nTwo\tthree", access_notes="Loop.\nRamp.")))

    group = Group.objects.get()
    assert (group.description, group.access_notes) == ("One\nTwo\tthree", "Loop.\nRamp.")


def test_it_counts_lines_in_a_file_with_windows_line_endings(tmp_path):
    text = to_csv(good(description="One\nTwo"), good(orientation="sideways"))
    path = write_bytes(tmp_path, text.replace("\n", "\r\n").encode())

    assert where(fails(path)) == [(4, "orientation")]


def test_it_skips_blank_lines_but_still_counts_them(tmp_path):
    text = to_csv(good(), good(orientation="sideways"))
    header, first, second = text.splitlines()
    columns = len(header.split(","))
    path = write_bytes(
        tmp_path, f"{header}\n\n{first}\n{',' * (columns - 1)}\n{second}\n\n".encode()
    )

    assert where(fails(path)) == [(5, "orientation")]


def test_it_reports_every_problem_in_every_row_in_one_run(tmp_path):
    path = write(
        tmp_path,
        good(orientation="sideways", email="nobody"),
        good(name="Fine group"),
        good(conditions="unicorns", meetings="Tue 25:00-26:00", step_free="maybe"),
        good(summary="x" * 201),
    )

    problems = fails(path)

    assert sorted(where(problems)) == [
        (2, "email"),
        (2, "orientation"),
        (4, "conditions"),
        (4, "meetings"),
        (4, "step_free"),
        (5, "summary"),
    ]
    assert Group.objects.count() == 0


def test_it_reports_every_bad_meeting_in_a_cell(tmp_path):
    path = write(tmp_path, good(meetings="Tue 25:00-26:00; Wed 19:00-20:30; Xyz 10:00-11:00"))

    problems = fails(path)

    assert where(problems) == [(2, "meetings"), (2, "meetings")]
    assert "25:00" in problems[0][2]
    assert "Xyz" in problems[1][2]


def test_it_leaves_existing_groups_alone_when_an_import_fails(tmp_path):
    run(write(tmp_path, good(external_id="leeds-1", name="Original name")))

    fails(write(tmp_path, good(external_id="leeds-1", name="New name"), good(format="pigeon")))

    assert Group.objects.get().name == "Original name"


def test_the_function_returns_problems_and_writes_nothing():
    data = to_csv(good(), good(orientation="sideways"), good(email="nobody")).encode()

    result = import_groups(data, publish=True)

    assert not result.ok
    assert [(p.line, p.column) for p in result.problems] == [(3, "orientation"), (4, "email")]
    assert str(result.problems[0]).startswith("row 3, column orientation: ")
    assert (result.created, Group.objects.count()) == (0, 0)


def test_it_accepts_a_byte_order_mark(tmp_path):
    path = write_bytes(tmp_path, b"\xef\xbb\xbf" + to_csv(good()).encode())

    run(path)

    assert Group.objects.get().name == GOOD["name"]


def test_it_accepts_columns_in_any_order(tmp_path):
    columns = list(reversed(COLUMNS))
    path = write(tmp_path, good(email="circle@example.org", town="Leeds"), columns=columns)

    run(path)

    group = Group.objects.get()
    assert (group.name, group.email, group.town) == (GOOD["name"], "circle@example.org", "Leeds")
    assert group.latitude == pytest.approx(53.8195)


def test_it_accepts_every_column_with_sensible_values(tmp_path):
    row = good(
        external_id="full-1",
        description="Long text.",
        group_type="twelve_step",
        conditions="alcohol;drugs",
        audiences="women;lgbtq",
        format="hybrid",
        address="St Columba's Church Hall, 14 Wood Lane",
        town="Leeds",
        postcode="ls63ab",
        online_url="https://meet.example.org/circle",
        website="http://example.org/circle",
        email="circle@example.org",
        phone="0113 496 0112",
        meetings="Tue 19:00-20:30",
        leadership="peer_led_professional_support",
        sector="nhs_statutory",
        referral="professional_referral",
        cost="Free; donations welcome",
        step_free="TRUE",
        access_notes="Hearing loop",
        languages="en;BFI;cy",
        last_verified="2025-10-14",
    )
    row.update(
        what_to_expect="Arrive ten minutes early.",
        venue_hidden="false",
        dial_in="0113 496 0113",
        joining_notes="Ask for Sam at the door.",
        paused="",
        paused_until="",
        slug="",
        status="",
    )
    assert set(row) == set(COLUMNS)
    run(write(tmp_path, row))

    group = Group.objects.get()
    assert group.external_id == "full-1"
    assert group.group_type.slug == "twelve_step"
    assert set(group.conditions.values_list("slug", flat=True)) == {"alcohol", "drugs"}
    assert set(group.audiences.values_list("slug", flat=True)) == {"women", "lgbtq"}
    assert group.format == "hybrid"
    assert group.postcode == "LS6 3AB"
    assert group.online_url == "https://meet.example.org/circle"
    assert group.leadership == "peer_led_professional_support"
    assert group.sector == "nhs_statutory"
    assert group.referral == "professional_referral"
    assert group.cost == "Free; donations welcome"
    assert group.step_free == "yes"
    assert group.languages == ["en", "bfi", "cy"]
    assert group.last_verified == dt.date(2025, 10, 14)


def test_it_treats_missing_optional_columns_as_blank_and_fills_the_defaults(tmp_path):
    run(write(tmp_path, good()))

    group = Group.objects.get()
    assert group.group_type.slug == "other"
    assert group.format == "in_person"
    assert group.referral == "either"
    assert group.leadership == ""
    assert group.sector == "voluntary_community"
    assert group.step_free == "unknown"
    assert group.last_verified == timezone.localdate()
    assert group.external_id is None
    assert (group.description, group.online_url, group.email, group.languages) == ("", "", "", [])
    assert list(group.audiences.all()) == []


def test_it_treats_blank_optional_cells_like_missing_columns(tmp_path):
    blanks = dict.fromkeys(COLUMNS, "")
    run(write(tmp_path, {**blanks, **good()}))

    group = Group.objects.get()
    assert (group.group_type.slug, group.format, group.referral) == ("other", "in_person", "either")
    assert (group.leadership, group.sector, group.step_free) == (
        "",
        "voluntary_community",
        "unknown",
    )
    assert group.last_verified == timezone.localdate()
    assert group.external_id is None


def test_it_reads_step_free_false_as_no(tmp_path):
    run(write(tmp_path, good(step_free="false")))

    assert Group.objects.get().step_free == "no"


def test_it_imports_a_file_with_only_the_required_columns_and_coordinates(tmp_path):
    path = write_bytes(
        tmp_path, b"name,orientation,conditions,latitude,longitude\nA,inward,alcohol,53.8,-1.5\n"
    )

    run(path)

    assert Group.objects.get().summary == ""


def test_it_makes_new_groups_pending_without_publish(tmp_path):
    out = run(write(tmp_path, good(), good(name="Second group")))

    assert "Imported 2 new and 0 updated" in out
    assert set(Group.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert Group.objects.published().count() == 0


def test_it_publishes_new_groups_with_publish(tmp_path):
    run(write(tmp_path, good(), good(name="Second group")), *publish_as_moderator())

    assert Group.objects.published().count() == 2


def test_it_gives_groups_with_the_same_name_different_slugs(tmp_path):
    run(write(tmp_path, good(), good()))

    slugs = set(Group.objects.values_list("slug", flat=True))
    assert slugs == {"headingley-recovery-circle", "headingley-recovery-circle-2"}


def test_it_updates_a_group_in_place_when_its_external_id_exists(tmp_path):
    run(
        write(
            tmp_path,
            good(
                external_id="leeds-1",
                name="Old name",
                conditions="alcohol",
                audiences="women",
                meetings="Tue 19:00-20:30",
            ),
        )
    )
    before = Group.objects.get()

    out = run(
        write(
            tmp_path,
            good(
                external_id="leeds-1",
                name="New name",
                conditions="drugs;gambling",
                audiences="",
                meetings="Wed 10:00-11:00; 2nd Mon 18:00-19:30",
                latitude="53.9",
            ),
            good(external_id="leeds-2", name="A new group"),
        )
    )

    assert "Imported 1 new and 1 updated" in out
    group = Group.objects.get(external_id="leeds-1")
    assert group.pk == before.pk
    assert group.slug == "old-name" == before.slug
    assert group.name == "New name"
    assert group.latitude == pytest.approx(53.9)
    assert group.status == Status.PENDING
    assert set(group.conditions.values_list("slug", flat=True)) == {"drugs", "gambling"}
    assert list(group.audiences.all()) == []
    assert [
        (m.weekday, m.start_time, m.recurrence, m.week_of_month) for m in group.sorted_meetings()
    ] == [
        (0, dt.time(18), Recurrence.MONTHLY, 2),
        (2, dt.time(10), Recurrence.WEEKLY, None),
    ]
    assert Group.objects.count() == 2


def test_it_keeps_a_published_group_published_on_reimport_without_publish(tmp_path):
    run(write(tmp_path, good(external_id="leeds-1")), *publish_as_moderator())

    run(write(tmp_path, good(external_id="leeds-1", name="Renamed")))

    group = Group.objects.get()
    assert (group.name, group.status) == ("Renamed", Status.PUBLISHED)


def test_it_keeps_an_archived_group_archived_on_reimport_without_publish(tmp_path):
    run(write(tmp_path, good(external_id="leeds-1")), *publish_as_moderator())
    Group.objects.update(status=Status.ARCHIVED)

    run(write(tmp_path, good(external_id="leeds-1")))

    assert Group.objects.get().status == Status.ARCHIVED


def test_it_publishes_a_pending_group_on_reimport_with_publish(tmp_path):
    run(write(tmp_path, good(external_id="leeds-1")))
    assert Group.objects.get().status == Status.PENDING

    run(write(tmp_path, good(external_id="leeds-1")), *publish_as_moderator())

    assert Group.objects.get().status == Status.PUBLISHED


def test_it_clears_meetings_when_a_reimport_leaves_them_blank(tmp_path):
    run(write(tmp_path, good(external_id="leeds-1", meetings="Tue 19:00-20:30")))

    run(write(tmp_path, good(external_id="leeds-1", meetings="")))

    assert Group.objects.get().meetings.count() == 0


def test_it_writes_nothing_on_a_dry_run_and_says_what_it_would_do(tmp_path):
    run(write(tmp_path, good(external_id="leeds-1", name="Original")))

    out = run(
        write(tmp_path, good(external_id="leeds-1", name="Changed"), good(name="New")),
        "--dry-run",
        *publish_as_moderator(),
    )

    assert "Would import 1 new and 1 updated" in out
    group = Group.objects.get()
    assert (group.name, group.status) == ("Original", Status.PENDING)


def test_it_reports_problems_on_a_dry_run(tmp_path):
    assert where(fails(write(tmp_path, good(format="pigeon")), "--dry-run")) == [(2, "format")]


def test_it_says_so_when_the_file_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command("import_groups", str(tmp_path / "missing.csv"))


def test_it_parses_every_shape_of_meeting(tmp_path):
    meetings = (
        "Tue 19:00-20:30; alt Wed 14:00-15:30; alt Wed 14:00-15:30 from 2026-01-07; "
        "2nd Mon 18:00-19:30; last Fri 19:00-20:30;Thursday 9:30 - 11:00 (in the café)"
    )
    run(write(tmp_path, good(meetings=meetings)))

    got = [
        (m.weekday, m.start_time, m.end_time, m.recurrence, m.anchor_date, m.week_of_month, m.note)
        for m in Group.objects.get().meetings.all()
    ]
    got.sort(key=lambda m: (m[0], m[1], m[4] or dt.date.max))
    assert got == [
        (0, dt.time(18), dt.time(19, 30), Recurrence.MONTHLY, None, 2, ""),
        (1, dt.time(19), dt.time(20, 30), Recurrence.WEEKLY, None, None, ""),
        (2, dt.time(14), dt.time(15, 30), Recurrence.FORTNIGHTLY, dt.date(2026, 1, 7), None, ""),
        (2, dt.time(14), dt.time(15, 30), Recurrence.FORTNIGHTLY, None, None, ""),
        (3, dt.time(9, 30), dt.time(11), Recurrence.WEEKLY, None, None, "in the café"),
        (4, dt.time(19), dt.time(20, 30), Recurrence.MONTHLY, None, -1, ""),
    ]


def test_it_stores_no_meetings_for_a_blank_meetings_cell(tmp_path):
    run(write(tmp_path, good(meetings="")))

    assert Group.objects.get().meetings.count() == 0


def test_it_takes_a_full_postcodes_coordinates_from_its_district(tmp_path, ls6):
    run(write(tmp_path, good(latitude="", longitude="", postcode="LS6 3AB", town="Leeds")))

    group = Group.objects.get()
    assert (group.latitude, group.longitude) == pytest.approx(LS6)
    assert group.postcode == "LS6 3AB"


def test_it_prefers_a_loaded_full_postcode_to_its_district(tmp_path, ls6, make_place):
    make_place("LS6 3AB", 53.8300, -1.5900, kind="postcode")

    run(write(tmp_path, good(latitude="", longitude="", postcode="ls63ab")))

    group = Group.objects.get()
    assert (group.latitude, group.longitude) == pytest.approx((53.83, -1.59))
    assert group.postcode == "LS6 3AB"


def test_it_resolves_a_town(tmp_path, make_place):
    make_place("Leeds", 53.7997, -1.5492, kind="town")

    run(write(tmp_path, good(latitude="", longitude="", town="leeds")))

    group = Group.objects.get()
    assert (group.latitude, group.longitude) == pytest.approx((53.7997, -1.5492))
    assert group.town == "leeds"


def test_it_falls_back_to_the_town_when_the_postcode_is_unknown(tmp_path, make_place):
    make_place("Leeds", 53.7997, -1.5492, kind="town")

    run(write(tmp_path, good(latitude="", longitude="", postcode="ZZ99 9ZZ", town="Leeds")))

    assert Group.objects.get().latitude == pytest.approx(53.7997)


def test_it_prefers_given_coordinates_to_the_postcode(tmp_path, ls6):
    run(write(tmp_path, good(latitude="54.0", longitude="-1.0", postcode="LS6 3AB")))

    group = Group.objects.get()
    assert (group.latitude, group.longitude) == (54.0, -1.0)


def test_it_imports_an_online_group_without_a_place(tmp_path):
    row = good(format="online", online_url="https://meet.example.org/x", latitude="", longitude="")
    run(write(tmp_path, row), *publish_as_moderator())

    group = Group.objects.get()
    assert (group.latitude, group.longitude, group.status) == (None, None, Status.PUBLISHED)


def test_it_needs_a_place_for_a_hybrid_group(tmp_path):
    row = good(format="hybrid", online_url="https://meet.example.org/x", latitude="", longitude="")

    assert where(fails(write(tmp_path, row))) == [(2, "postcode")]


def test_it_stores_organiser_text_exactly_as_given(tmp_path):
    description = "  <script>alert(1)</script>\nTea & biscuits <b>free</b>.\n\n"
    row = good(
        name="Tea & Talk <Leeds>",
        summary='Say "hello" & <i>relax</i>; it\'s free',
        description=description,
        access_notes="<img src=x onerror=alert(1)>",
        cost="£2 <small>",
    )
    run(write(tmp_path, row))

    group = Group.objects.get()
    assert group.name == "Tea & Talk <Leeds>"
    assert group.summary == 'Say "hello" & <i>relax</i>; it\'s free'
    assert group.description == description
    assert group.access_notes == "<img src=x onerror=alert(1)>"
    assert group.cost == "£2 <small>"


def test_the_shipped_demo_file_imports_cleanly():
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    published = Group.objects.published()
    assert published.count() >= 60
    assert published.count() == Group.objects.count()
    assert set(published.values_list("orientation", flat=True)) == set(Orientation.values)
    assert set(published.values_list("group_type__slug", flat=True)) == set(
        GroupType.objects.values_list("slug", flat=True)
    )
    covered = set(published.values_list("conditions__slug", flat=True))
    assert len(covered) >= 0.75 * Condition.objects.count()
    assert published.filter(meetings__isnull=False).distinct().count() >= 50
    assert Place.objects.lookup("LS6") is not None
    assert not published.exclude(format="online").filter(latitude__isnull=True).exists()


def test_loading_the_demo_twice_updates_rather_than_duplicates():
    call_command("load_demo", stdout=io.StringIO())
    count = Group.objects.count()
    slugs = set(Group.objects.values_list("slug", flat=True))

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert Group.objects.count() == count
    assert set(Group.objects.values_list("slug", flat=True)) == slugs
    assert f"0 new and 0 updated group(s); {count} unchanged" in out.getvalue()
