"""A meeting at a venue of its own is a location of its own in HSDS (issue 15 point 2):
a service_at_location with its location (address, point, step-free answer) and the
meeting's schedule attached, counted and paged in SQL with the group's own locations,
found by its id, and passing the strict HSDS schemas. Hidden venues stay hidden."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange import hsds
from groups.models import Group, Meeting, StepFree
from groups.services import GroupValues, MeetingSpec, save_group
from tests.conftest import LS6, offset
from tests.test_hsds import check, read_table, schemas  # noqa: F401  (the strict schemas)

pytestmark = pytest.mark.django_db

SERVICES = "/api/hsds/services/"
LOCATIONS = "/api/hsds/service_at_locations/"
MONDAY = {"weekday": 0, "start_time": dt.time(19), "end_time": dt.time(20)}
WEDNESDAY = {"weekday": 2, "start_time": dt.time(18), "end_time": dt.time(19, 30)}
OTHER_HALL = offset(LS6, km_north=2)


def at_other_hall(**values) -> MeetingSpec:
    return MeetingSpec(
        **WEDNESDAY, address="Other Hall", town="Leeds", postcode="LS6 2BB",
        latitude=OTHER_HALL[0], longitude=OTHER_HALL[1], step_free="yes", **values,
    )  # fmt: skip


def with_meetings(group: Group, *specs: MeetingSpec) -> Group:
    return save_group(group=group, values=GroupValues(), meetings=list(specs))


@pytest.fixture
def two_venues(make_group) -> Group:
    """Mondays at the group's hall, Wednesdays at another hall of the meeting's own."""
    group = make_group("Two Venues", address="St Michael's Hall", step_free="no")
    return with_meetings(group, MeetingSpec(**MONDAY), at_other_hall())


def service(client, group: Group) -> dict:
    return client.get(f"{SERVICES}{hsds.service_id(group)}").json()


def pairs(page: dict) -> list[tuple[str, str]]:
    """(service name, location name) of each item of a page."""
    return [(i["service"]["name"], i["location"]["name"]) for i in page["contents"]]


def test_a_meeting_at_its_own_venue_is_a_location_with_its_schedule(client, two_venues):
    document = service(client, two_venues)

    group_place, hall = document["service_at_locations"]
    assert group_place["location"]["name"] == "St Michael's Hall"
    assert hall["location"]["name"] == "Other Hall"
    assert (hall["location"]["latitude"], hall["location"]["longitude"]) == OTHER_HALL
    (address,) = hall["location"]["addresses"]
    assert (address["address_1"], address["postal_code"]) == ("Other Hall", "LS6 2BB")
    assert hall["location"]["accessibility"][0]["description"] == StepFree.YES.label
    assert group_place["location"]["accessibility"][0]["description"] == StepFree.NO.label
    monday, wednesday = document["schedules"]
    assert wednesday["service_at_location_id"] == hall["id"]
    assert wednesday["location_id"] == hall["location"]["id"]
    assert "service_at_location_id" not in monday
    assert hall["schedules"] == [wednesday]
    assert "Wednesday" in hall["description"]


def test_locations_page_with_meetings_venues_counted_in_sql(client, make_group):
    """A: its venue, a meeting's own and online (3); B: its venue (1); C: online, with a
    meeting in person at a venue of its own (2); D: online, its meetings online (1)."""
    with_meetings(make_group("A", format="hybrid"), MeetingSpec(**MONDAY), at_other_hall())
    make_group("B")
    with_meetings(
        make_group("C", format="online"), MeetingSpec(**MONDAY), at_other_hall(format="in_person")
    )
    make_group("D", format="online")

    pages = [client.get(LOCATIONS, {"per_page": 2, "page": n}).json() for n in (1, 2, 3, 4)]

    assert [pairs(page) for page in pages] == [
        [("A", "Leeds"), ("A", "Other Hall")],
        [("A", "Online"), ("B", "Leeds")],
        [("C", "Other Hall"), ("C", "Online")],
        [("D", "Online")],
    ]
    assert {page["total_items"] for page in pages} == {7}
    past_the_end = client.get(LOCATIONS, {"per_page": 2, "page": 9}).json()
    assert past_the_end["total_items"] == 7 and past_the_end["contents"] == []


def test_near_a_postcode_a_meetings_own_venue_is_a_physical_location(client, two_venues, ls6):
    page = client.get(LOCATIONS, {"postcode": "LS6"}).json()

    assert pairs(page) == [("Two Venues", "St Michael's Hall"), ("Two Venues", "Other Hall")]
    assert page["total_items"] == 2


def test_each_meeting_location_is_found_by_its_id_and_passes_the_strict_schemas(
    client,
    two_venues,
    make_group,
    schemas,  # noqa: F811
    tmp_path,
):
    with_meetings(
        make_group("Online", format="online"), at_other_hall(format="in_person")
    )  # fmt: skip
    items = client.get(LOCATIONS).json()["contents"]
    full = [client.get(f"{LOCATIONS}{item['id']}").json() for item in items]

    assert [(d["service"]["name"], d["location"]["name"]) for d in full] == [
        ("Online", "Other Hall"), ("Online", "Online"),
        ("Two Venues", "St Michael's Hall"), ("Two Venues", "Other Hall"),
    ]  # fmt: skip
    documents = [
        ("service_at_location_list", items),
        ("service_at_location", full),
        ("service", [service(client, two_venues)]),
    ]
    for name, found in documents:
        folder = tmp_path / name
        folder.mkdir()
        result = check(schemas(name), found, folder)
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_meeting_location_of_a_group_no_longer_published_is_not_found(client, two_venues):
    wednesday = two_venues.sorted_meetings()[1]
    sal_id = hsds.service_at_location_id(two_venues, hsds.meeting_kind(wednesday))
    assert client.get(f"{LOCATIONS}{sal_id}").status_code == 200

    save_group(group=two_venues, values=GroupValues(status="archived", archived_reason="closed"))

    assert client.get(f"{LOCATIONS}{sal_id}").status_code == 404


def test_a_hidden_venue_stays_hidden_at_a_meetings_own_location(client, make_group):
    refuge = make_group(
        "Women's Refuge Group", conditions=("domestic_abuse",), address="7 Secret Street"
    )
    with_meetings(refuge, MeetingSpec(**MONDAY), at_other_hall())

    document = service(client, refuge)
    listed = client.get(LOCATIONS).json()

    for text in (str(document), str(listed)):
        for secret in ("Secret Street", "Other Hall", "LS6 2BB", "LS6 1AA", f"{OTHER_HALL[0]}"):
            assert secret not in text
    names = [s["location"]["name"] for s in document["service_at_locations"]]
    assert names == [hsds.HIDDEN_VENUE, hsds.HIDDEN_VENUE]


def test_the_tabular_package_carries_a_meetings_own_location(two_venues, tmp_path):
    call_command("export_hsds", str(tmp_path), stdout=io.StringIO())

    locations = {row["name"]: row for row in read_table(tmp_path, "locations")}
    links = read_table(tmp_path, "service_at_location")
    schedules = read_table(tmp_path, "schedules")

    hall = locations["Other Hall"]
    assert float(hall["latitude"]) == OTHER_HALL[0]
    assert any(link["location_id"] == hall["id"] for link in links)
    assert [s["location_id"] for s in schedules] == ["", hall["id"]]


def test_on_postgresql_a_meeting_location_is_one_index_lookup(two_venues):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    wednesday = two_venues.sorted_meetings()[1]
    kind = hsds.meeting_kind(wednesday)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as queries:
        found = hsds.service_at_location_for(hsds.service_at_location_id(two_venues, kind))
    assert found == (two_venues, kind)
    lookup = next(
        q["sql"]
        for q in queries.captured_queries
        if "uuid_generate_v5" in q["sql"] and "groups_meeting" in q["sql"]
    )
    # A table of a few rows, or one never analysed, leaves the planner free to read any
    # index whole (both are partial on the same predicate): give it a directory's worth
    # of meetings at venues of their own, and their statistics.
    extra = []
    for _ in range(400):
        copy = Meeting.objects.get(pk=wednesday.pk)
        copy.pk = None
        extra.append(copy)
    Meeting.objects.bulk_create(extra)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Meeting._meta.db_table}")
        cursor.execute("EXPLAIN " + lookup)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "meeting_hsds_location_idx" in plan, plan
