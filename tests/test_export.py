"""CSV export in the import format, lossless (issue 5, point 4): downloads of search
results and of the whole directory, the formula guard, and the staff upload with its
dry run."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.csv_export import groups_csv
from exchange.views import CAPPED_NOTE, PUBLIC_EXPORT_ROWS
from groups.importing import (
    ALL_COLUMNS,
    COLUMNS,
    guard_cell,
    import_groups,
    parse_meetings,
    unguard_cell,
)
from groups.models import Audience, Group, Meeting
from groups.services import GroupValues, MeetingSpec, save_group
from tests.conftest import LS6
from tests.support.demo import load_demo
from tests.support.legacy import legacy_values

pytestmark = pytest.mark.django_db

GROUP_FIELDS = [
    f.attname
    for f in Group._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at"}
]
MEETING_FIELDS = [f.attname for f in Meeting._meta.concrete_fields if f.name not in {"id", "group"}]


def snapshot() -> dict[str, dict]:
    """Every field of every group, with its tags and meetings, by slug."""
    found = {}
    for group in Group.objects.with_cards():
        data = {name: getattr(group, name) for name in GROUP_FIELDS}
        data["conditions"] = sorted(c.slug for c in group.conditions.all())
        data["audiences"] = sorted(a.slug for a in group.audiences.all())
        data["meetings"] = sorted(
            (
                (
                    *(getattr(m, name) for name in MEETING_FIELDS),
                    sorted(a.slug for a in m.audiences.all()),
                )
                for m in group.meetings.all()
            ),
            key=repr,
        )
        found[group.slug] = data
    return found


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.fixture
def directory(db, make_group):
    """The demo data and groups that test every corner of the format."""
    load_demo()
    make_group(
        '=HYPERLINK("https://evil.example")',
        summary="+44 is the code; -dash first; @mention",
        description="-- starts with dashes\n'=already quoted\nline three",
        phone="+44 113 496 0000",
        cost="@cost",
        access_notes="=1+1",
        meetings="Tue 19:00-20:30 (Women only \\(16+\\); bring ID \\\\ a backslash); "
        "alt Thu 10:00-11:00; alt Wed 14:00-15:30 from 2026-01-07 (Hall B); "
        "1st Sat 09:00-10:00; last Fri 19:00-20:30",
        at=(53.8195, -1.5755),
        languages=["en", "bfi"],
        external_id="-minus-id",
    )
    make_group("No meetings, never verified", meetings="", last_verified=None, sector="private")
    make_group("Waiting for review", status="pending", step_free="no", leadership="peer_led")
    make_group("Archived group", status="archived", audiences=("women", "lgbtq"))
    make_group(
        "Online only",
        format="online",
        referral="professional_referral",
        conditions=("gambling", "anxiety"),
    )
    make_group("Hybrid", format="hybrid", at=(51.5, -0.12))
    # A draft with only its name, which exports with its status and imports as a draft.
    save_group(values=GroupValues(name="A draft with only a name", status="draft"))
    every_new_field = make_group(
        "Every new field",
        format="hybrid",
        online_url="",
        online_on_request=True,
        dial_in="0113 496 0999",
        joining_notes="Ask for Sam; the meeting ID is 123 [not 456]",
        what_to_expect="Someone meets you.\nNobody has to speak.",
        venue_hidden=False,
        paused=True,
        paused_until=dt.date(2031, 1, 6),
        meetings="Mon 23:00-01:00",
    )
    save_group(
        group=every_new_field,
        values=GroupValues(),
        meetings=[
            *parse_meetings("Mon 23:00-01:00 (Night owls)"),
            MeetingSpec(
                weekday=2,
                start_time=dt.time(18),
                end_time=dt.time(19, 30),
                recurrence="monthly",
                week_of_month=2,
                note="Family session (with children]",
                format="in_person",
                address="St Mary's Hall; Room [2]",
                town="Leeds",
                postcode="LS7 1AB",
                latitude=53.8301234567,
                longitude=-1.5401234567,
                step_free="yes",
                online_url="https://example.org/family?a=1;b=2",
                dial_in="0113 496 0998",
                joining_notes="Ring the bell \\ twice",
                audiences=tuple(
                    Audience.objects.filter(slug__in=["carers_family", "women"]).order_by("pk")
                ),
                languages=("pl", "en"),
            ),
            MeetingSpec(
                weekday=4,
                start_time=dt.time(10),
                end_time=dt.time(11),
                format="online",
                online_on_request=True,
            ),
        ],
    )
    make_group("Hidden venue", conditions=("domestic_abuse",), address="1 Safe Street")
    return snapshot()


def test_export_then_import_changes_nothing(directory):
    text = groups_csv(Group.objects.with_cards().order_by("name", "id"))

    result = import_groups(text.encode("utf-8"))

    assert result.ok, [str(p) for p in result.problems]
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(directory))
    assert result.changes == []
    assert snapshot() == directory


def test_export_then_import_into_an_empty_directory_reproduces_it(directory):
    text = groups_csv(Group.objects.with_cards().order_by("name", "id"))
    Group.objects.all().delete()

    result = import_groups(text.encode("utf-8"))

    assert result.ok, [str(p) for p in result.problems]
    assert result.created == len(directory) > 60
    assert snapshot() == directory


def test_the_export_has_every_column_of_the_import_format(directory):
    header = next(csv.reader(io.StringIO(groups_csv(Group.objects.all()[:1]).lstrip("\ufeff"))))
    assert header == ALL_COLUMNS
    assert set(COLUMNS) <= set(header)
    assert {"slug", "status", "sector", "what_to_expect", "venue_hidden"} <= set(header)


def test_text_cells_that_look_like_formulas_are_guarded(directory):
    row = next(
        r for r in rows(groups_csv(Group.objects.with_cards())) if r["phone"].startswith("'+")
    )

    assert row["name"] == '\'=HYPERLINK("https://evil.example")'
    assert row["summary"] == "'+44 is the code; -dash first; @mention"
    assert row["description"].startswith("'-- starts")
    assert (row["phone"], row["cost"], row["access_notes"]) == (
        "'+44 113 496 0000",
        "'@cost",
        "'=1+1",
    )
    assert row["external_id"] == "'-minus-id"
    # Numbers are never altered, minus sign and all.
    assert (row["latitude"], row["longitude"]) == ("53.8195", "-1.5755")
    for r in rows(groups_csv(Group.objects.with_cards())):
        for name, value in r.items():
            if name not in {"latitude", "longitude"}:
                assert not value.startswith(("=", "+", "-", "@")), (name, value)


def test_cells_starting_with_a_tab_or_carriage_return_are_guarded_too(make_group):
    # OWASP's advice on CSV injection: a spreadsheet may read either as a formula's start.
    group = make_group(
        description="\r=1+1 after a carriage return",
        access_notes="Tab\tinside is fine",
    )
    # One-line fields refuse tabs now, but rows saved before may hold them.
    group = legacy_values(group, name="\tTabbed name", cost="'\tquoted already")

    (row,) = rows(groups_csv([group]))

    assert row["name"] == "'\tTabbed name"
    assert row["description"] == "'\r=1+1 after a carriage return"
    assert row["cost"] == "''\tquoted already"
    assert row["access_notes"] == "Tab\tinside is fine"


@pytest.mark.parametrize(
    "value", ["\tx", "\rx", "'\tx", "''\rx", "=x", "'=x", "x", "'x", "", "-", "'"]
)
def test_the_guard_comes_off_exactly(value):
    assert unguard_cell(guard_cell(value)) == value


def test_the_import_takes_off_the_guard(db, tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text(
        "name,orientation,conditions,phone,summary,latitude,longitude\n"
        "'=Circle,inward,alcohol,'+44 113 496 0000,''=kept one quote,53.8,-1.5\n",
        encoding="utf-8",
    )
    call_command("import_groups", str(path), stdout=io.StringIO())

    group = Group.objects.get()
    assert (group.name, group.phone, group.summary) == (
        "=Circle",
        "+44 113 496 0000",
        "'=kept one quote",
    )


def test_meeting_notes_round_trip_through_the_meetings_column(directory):
    group = Group.objects.get(external_id="-minus-id")
    notes = {m.note for m in group.meetings.all()}
    assert "Women only (16+); bring ID \\ a backslash" in notes
    row = next(r for r in rows(groups_csv([group])))
    assert "(Women only \\(16+\\); bring ID \\\\ a backslash)" in row["meetings"]
    assert "alt Thu 10:00-11:00" in row["meetings"]


def test_search_results_download_through_the_same_search(client, directory):
    params = {"near": "LS6", "condition": "alcohol", "radius_km": "10"}
    response = client.get("/export.csv", params)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    exported = [r["slug"] for r in rows(response.getvalue().decode("utf-8"))]
    api = []
    page = client.get("/api/groups/", params).json()
    while True:
        api += [g["slug"] for g in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert exported == api
    assert exported


def test_search_download_has_only_published_groups(client, directory):
    statuses = {r["status"] for r in rows(client.get("/export.csv").getvalue().decode("utf-8"))}
    assert statuses == {"published"}


def test_a_bad_search_download_says_what_is_wrong(client, db):
    response = client.get("/export.csv", {"near": "Atlantis"})
    assert response.status_code == 400
    assert "Atlantis" in response.getvalue().decode()


def test_staff_download_the_whole_directory(client, admin_client, directory):
    assert client.get("/staff/export.csv").status_code == 302

    response = admin_client.get("/staff/export.csv")

    assert response.status_code == 200
    found = rows(response.getvalue().decode("utf-8"))  # streamed: it can be read once
    assert {r["status"] for r in found} == {"published", "pending", "archived", "draft"}
    assert len(found) == len(directory)


def copies_of(group: Group, n: int) -> None:
    """n more published groups like this one, a few metres apart northwards."""
    others = []
    for i in range(n):
        other = copy.copy(group)
        other.pk, other.slug = None, f"copy-{i}"
        other.latitude = LS6[0] + i * 1e-5
        others.append(other)
    Group.objects.bulk_create(others)


def test_the_public_download_streams_at_most_500_groups_and_says_so(client, make_group, ls6):
    copies_of(make_group("Headingley Recovery Circle"), PUBLIC_EXPORT_ROWS)

    response = client.get("/export.csv", {"near": "LS6"})

    assert response.status_code == 200 and response.streaming
    assert response["Cache-Control"] == "private, no-store"
    text = response.getvalue().decode("utf-8")
    found = rows(text)
    assert len(found) == PUBLIC_EXPORT_ROWS + 1  # the groups, and the closing line
    assert found[-1]["external_id"].startswith("# More than 500 groups matched")
    assert text.endswith(CAPPED_NOTE)
    page = client.get("/", {"near": "LS6"}).content.decode()
    # The page counts only up to SEARCH_COUNT_CAP (100): it cannot say how many past that.
    assert "up to 500 of the more than 100 groups that match; narrow the search" in page


def test_a_download_within_the_cap_has_every_group_and_no_closing_line(client, make_group, ls6):
    copies_of(make_group("Headingley Recovery Circle"), PUBLIC_EXPORT_ROWS - 1)

    text = client.get("/export.csv", {"near": "LS6"}).getvalue().decode("utf-8")

    assert len(rows(text)) == PUBLIC_EXPORT_ROWS
    assert "# More than" not in text
    page = client.get("/", {"near": "LS6"}).content.decode()
    # The page counts only up to SEARCH_COUNT_CAP (100), so says what it knows.
    assert "(CSV)</a>: up to 500 of the more than 100 groups that match;" in page


def test_the_staff_download_streams_the_directory_2000_groups_at_a_time(admin_client, make_group):
    copies_of(make_group("Headingley Recovery Circle"), 2_000)

    response = admin_client.get("/staff/export.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Cache-Control"] == "private, no-store"
    pieces = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(pieces)
    meetings = [q for q in queries if 'FROM "groups_meeting"' in q["sql"]]
    assert len(meetings) == 1  # only the first 2,000 groups have been read
    assert first.startswith("\ufeff".encode() + b"external_id,")
    with CaptureQueriesContext(connection) as queries:
        rest = b"".join(pieces)
    assert len([q for q in queries if 'FROM "groups_meeting"' in q["sql"]]) == 1
    assert len(rows((first + rest).decode("utf-8"))) == 2_001


def upload(admin_client, text: str, **extra):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = "groups.csv"
    return admin_client.post("/staff/import/", {"file": file, **extra})


GOOD_CSV = (
    "name,orientation,conditions,latitude,longitude,meetings\n"
    "Headingley Circle,inward,alcohol,53.8195,-1.5755,Tue 19:00-20:30\n"
    "Hyde Park Circle,outward,drugs,53.81,-1.57,\n"
)


def test_the_upload_lists_every_problem_with_its_line_and_writes_nothing(admin_client):
    text = (
        "name,orientation,conditions,latitude,longitude\n"
        "Fine,inward,alcohol,53.8,-1.5\n"
        ",sideways,alcohol,53.8,-1.5\n"
        "Bad,inward,wine,53.8,-1.5\n"
    )
    html = upload(admin_client, text).content.decode()

    problems = re.findall(r"<tr><td>(\d+)</td><td>\d+</td><td>(.*?)</td>", html)
    assert ("3", "name") in problems
    assert ("3", "orientation") in problems
    assert ("4", "conditions") in problems
    assert "Nothing was imported" in html
    assert "Import these groups" not in html
    assert not Group.objects.exists()


def test_the_upload_shows_a_dry_run_then_imports_on_confirmation(admin_client):
    response = upload(admin_client, GOOD_CSV, publish="on")
    html = response.getvalue().decode()

    assert "2 new" in html
    assert not Group.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    confirmed = admin_client.post("/staff/import/confirm/", {"token": token})

    assert confirmed.status_code == 302
    assert set(Group.objects.values_list("name", "status")) == {
        ("Headingley Circle", "published"),
        ("Hyde Park Circle", "published"),
    }
    # The token is spent: confirming again imports nothing more.
    again = admin_client.post("/staff/import/confirm/", {"token": token})
    assert again.status_code == 302
    assert Group.objects.count() == 2


def test_confirmation_imports_the_checked_bytes_never_a_file_posted_again(admin_client):
    html = upload(admin_client, GOOD_CSV).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    other = io.BytesIO(
        b"name,orientation,conditions,latitude,longitude\nSneaky,inward,alcohol,53.8,-1.5\n"
    )
    other.name = "other.csv"

    admin_client.post("/staff/import/confirm/", {"token": token, "file": other})

    assert set(Group.objects.values_list("name", flat=True)) == {
        "Headingley Circle",
        "Hyde Park Circle",
    }
    assert set(Group.objects.values_list("status", flat=True)) == {"pending"}


def test_a_wrong_token_imports_nothing(admin_client):
    upload(admin_client, GOOD_CSV)
    response = admin_client.post("/staff/import/confirm/", {"token": "guess"})
    assert response.status_code == 302
    assert not Group.objects.exists()


def test_only_staff_can_upload(client, db):
    assert client.get("/staff/import/").status_code == 302
    file = io.BytesIO(GOOD_CSV.encode())
    file.name = "g.csv"
    assert client.post("/staff/import/", {"file": file}).status_code == 302
    assert not Group.objects.exists()


def test_the_admin_links_to_import_and_export(admin_client):
    html = admin_client.get("/admin/groups/group/").content.decode()
    assert "/staff/import/" in html
    assert "/staff/export.csv" in html


def test_slug_and_status_cells_are_checked(db):
    text = (
        "name,orientation,conditions,latitude,longitude,slug,status\n"
        f"Newer,inward,alcohol,{LS6[0]},{LS6[1]},Not a slug!,\n"
        f"Newest,inward,alcohol,{LS6[0]},{LS6[1]},,retired\n"
        f"Twin,inward,alcohol,{LS6[0]},{LS6[1]},twin,\n"
        f"Twin,inward,alcohol,{LS6[0]},{LS6[1]},twin,\n"
    )
    problems = {(p.line, p.column) for p in import_groups(text.encode()).problems}

    assert problems == {(2, "slug"), (3, "status"), (5, "slug")}


def test_a_slug_never_moves_to_another_group(db, make_group):
    existing = make_group("Existing", external_id="x-1")
    labelled = make_group("Labelled", external_id="x-9")
    make_group("Unlabelled")
    text = (
        "external_id,name,orientation,conditions,latitude,longitude,slug\n"
        f"x-1,Existing,inward,alcohol,{LS6[0]},{LS6[1]},other-slug\n"
        f"x-2,New,inward,alcohol,{LS6[0]},{LS6[1]},{existing.slug}\n"
        f",Blank id,inward,alcohol,{LS6[0]},{LS6[1]},{labelled.slug}\n"
        f",Unlabelled renamed,inward,alcohol,{LS6[0]},{LS6[1]},unlabelled\n"
    )
    result = import_groups(text.encode())

    assert {(p.line, p.column) for p in result.problems} == {
        (2, "slug"),
        (3, "slug"),
        (4, "external_id"),
    }
    assert Group.objects.get(slug="unlabelled").name == "Unlabelled"


def test_a_row_with_a_known_slug_and_no_external_id_updates_that_group(db, make_group):
    make_group("Unlabelled")
    text = (
        "name,orientation,conditions,latitude,longitude,slug\n"
        f"Unlabelled renamed,inward,alcohol,{LS6[0]},{LS6[1]},unlabelled\n"
    )
    result = import_groups(text.encode())

    assert (result.created, result.updated) == (0, 1)
    assert Group.objects.get(slug="unlabelled").name == "Unlabelled renamed"


def test_never_verified_round_trips_and_blank_still_means_today(db, tmp_path):
    text = (
        "name,orientation,conditions,latitude,longitude,last_verified\n"
        "A,inward,alcohol,53.8,-1.5,never\nB,inward,alcohol,53.8,-1.5,\n"
    )
    assert import_groups(text.encode()).ok
    assert dict(Group.objects.values_list("name", "last_verified")) == {
        "A": None,
        "B": dt.date.today(),
    }


def test_a_download_reads_its_tags_as_ids_and_its_meetings_as_values(client, make_group, ls6):
    """The terms come from the taxonomies each process holds and each meeting is read as
    values: a model for each tag and meeting cost most of a download of 500 groups."""
    women = Audience.objects.get(slug="women")
    group = make_group("Headingley Recovery Circle", audiences=("carers_family",))
    save_group(
        group=group,
        values=GroupValues(),
        meetings=[
            MeetingSpec(weekday=1, start_time=dt.time(19), end_time=dt.time(20), audiences=(women,))
        ],
    )
    copies_of(group, 20)
    client.get("/export.csv", {"near": "LS6"}).getvalue()  # the process reads its taxonomies
    with CaptureQueriesContext(connection) as queries:
        text = client.get("/export.csv", {"near": "LS6"}).getvalue().decode("utf-8")
    read = " ".join(q["sql"] for q in queries)
    for table in ("groups_condition", "groups_audience", "groups_grouptype"):
        assert f'"{table}"' not in read
    (row,) = [r for r in rows(text) if r["slug"] == group.slug]
    assert (row["conditions"], row["audiences"]) == ("alcohol", "carers_family")
    assert row["meetings"] == "Tue 19:00-20:00 [audiences: women]"
