"""A CSV that round-trips (issue 15 point 8), as people meet it: values as they type them
with "did you mean" for near misses, errors that name the spreadsheet row and the text
line, and a dry run that shows the counts, then the rows that change, 100 a page, each
field with its old and new value."""

from __future__ import annotations

import re

import pytest

from groups.importing import import_groups
from groups.models import Group
from tests.test_export import upload

pytestmark = pytest.mark.django_db

HEADER = "name,orientation,conditions,audiences,languages,format,latitude,longitude,meetings\n"


def test_values_are_taken_as_people_type_them():
    text = HEADER + "Typed,Inward,Alcohol,Women,English,In person,53.8195,-1.5755,Tue 19:00-20:30\n"

    result = import_groups(text.encode())

    assert result.ok, [str(p) for p in result.problems]
    group = Group.objects.get(name="Typed")
    assert (group.orientation, group.format, group.languages) == ("inward", "in_person", ["en"])
    assert [c.slug for c in group.conditions.all()] == ["alcohol"]
    assert [a.slug for a in group.audiences.all()] == ["women"]


def test_a_near_miss_says_what_was_meant():
    text = HEADER + "Near miss,inward,Alcohl,Wimen,en,in_person,53.8,-1.5,Tue 19:00-20:30\n"

    problems = [str(p) for p in import_groups(text.encode()).problems]

    assert problems == [
        "row 2, column conditions: “Alcohl” is not a condition. Did you mean “Alcohol”?",
        "row 2, column audiences: “Wimen” is not an audience. Did you mean “Women”?",
    ]
    assert not Group.objects.exists()


def test_an_error_names_the_spreadsheet_row_and_the_line_of_the_text():
    text = (
        "name,orientation,conditions,latitude,longitude,description\n"
        'First,inward,alcohol,53.8,-1.5,"Tea.\nBiscuits."\n'
        "Second,sideways,alcohol,53.8,-1.5,\n"
    )

    (problem,) = import_groups(text.encode()).problems

    assert (problem.row, problem.line) == (3, 4)
    assert str(problem).startswith("row 3 (line 4 of the text), column orientation: ")


def test_the_dry_run_shows_the_counts_then_the_changes_100_a_page(
    admin_client, make_group, settings
):
    # The upload's time limit is for people's files on a quiet server; on a test machine
    # shared with other suites, 101 rows may take longer to check twice.
    settings.UPLOAD_SECONDS = 300
    make_group("Kept", external_id="kept-1", cost="Free")
    rows = [f"Group {n:03d},inward,alcohol,53.8,-1.5,,\n" for n in range(100)]
    text = "name,orientation,conditions,latitude,longitude,external_id,cost\n" + "".join(
        [*rows, "Kept,inward,alcohol,53.8195,-1.5755,kept-1,£2\n"]
    )

    first = upload(admin_client, text).content.decode()
    found = re.search(r'name="token" value="([^"]+)"', first)
    assert found, re.sub(r"<[^>]+>", " ", first)[:2000]
    token = found.group(1)
    second = admin_client.get("/staff/import/preview/", {"token": token, "page": 2})
    second = second.content.decode()

    counts = re.sub(r"<[^>]+>", "", re.search(r'<p id="import-counts">(.*?)</p>', first, re.S)[1])
    assert "would add 100 new groups, update 1 and leave 0 unchanged" in counts
    assert first.index('id="import-counts"') < first.index('id="import-changes"')
    assert "rows 1 to 100 of 101" in first and "Next 100 rows" in first
    assert "Group 099" in first and "Kept" not in first.split('id="import-changes"')[1]
    assert "rows 101 to 101 of 101" in second
    assert re.search(r"<td>cost</td><td>Free</td><td>£2</td>", second)
    assert not Group.objects.filter(name__startswith="Group ").exists()
