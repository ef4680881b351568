"""The Open Referral UK list endpoints (issue 14, point 4; issue 11, point 9's HSDS list
parameters): /api/hsds/services and /api/hsds/service_at_locations take the UK profile's
parameters, are answered by the one search and paged in the database, nearest first
with a postcode; their output passes the strict HSDS schemas."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exchange import hsds
from groups.models import Group
from tests.conftest import LS6, offset
from tests.test_hsds import check, schemas  # noqa: F401  (the strict schema fixture)

pytestmark = pytest.mark.django_db

SERVICES = "/api/hsds/services/"
LOCATIONS = "/api/hsds/service_at_locations/"


def names(client, url: str, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    key = "service" if url == LOCATIONS else None
    return [(item[key] if key else item)["name"] for item in response.json()["contents"]]


@pytest.mark.parametrize("url", [SERVICES, LOCATIONS, "/api/hsds/organizations/",
                                 "/api/hsds/taxonomies/", "/api/hsds/taxonomy_terms/"])  # fmt: skip
def test_an_unknown_parameter_is_refused(client, db, url):
    response = client.get(url, {"postcod": "LS6"})

    assert response.status_code == 400
    assert response.json() == {"errors": {"postcod": ["unknown parameter"]}}


@pytest.mark.parametrize("name", ["minimum_age", "maximum_age", "minimal", "full_service"])
def test_a_parameter_hsds_defines_that_we_do_not_support_says_so(client, db, name):
    response = client.get(SERVICES, {name: "18"})

    assert response.status_code == 400
    assert response.json() == {"errors": {name: ["not supported"]}}


def test_format_json_is_what_we_send_and_other_formats_are_not_supported(client, db):
    assert client.get(SERVICES, {"format": "json"}).status_code == 200
    response = client.get(SERVICES, {"format": "ndjson"})
    assert response.json() == {"errors": {"format": ["not supported"]}}
    assert client.get("/api/hsds/organizations/", {"search": "x"}).json() == {
        "errors": {"search": ["not supported"]}
    }


@pytest.fixture
def near_ls6(make_group, ls6):
    """Groups 1, 3 and 9 km from LS6's centre, and one online."""
    return {
        "far": make_group("Far", at=offset(LS6, km_north=9)),
        "near": make_group("Near", at=offset(LS6, km_east=1)),
        "middle": make_group("Middle", at=offset(LS6, km_north=-3), format="hybrid"),
        "online": make_group("Online", format="online"),
    }


def test_a_postcode_puts_the_nearest_first_and_proximity_is_in_metres(client, near_ls6):
    assert names(client, SERVICES, postcode="LS6") == ["Near", "Middle", "Far"]
    assert names(client, SERVICES, postcode="ls6", proximity="5000") == ["Near", "Middle"]
    assert names(client, SERVICES) == ["Far", "Middle", "Near", "Online"]


def test_near_a_postcode_hsds_lists_in_the_order_the_page_shows(client, make_group, ls6):
    """Issue 11 point 8: one order near a place (distance band; in a band current listings
    first; then distance) for the page and both HSDS lists, page after page."""
    mile, old = 1.609344, dt.date.today() - dt.timedelta(days=400)
    make_group("Stale 1 mile", at=offset(LS6, km_north=1 * mile), last_verified=old)
    make_group("Current 1.5 miles", at=offset(LS6, km_north=1.5 * mile))
    make_group("Stale 0.5 miles", at=offset(LS6, km_north=0.5 * mile), last_verified=None)
    make_group("Current 3 miles", at=offset(LS6, km_north=3 * mile), format="hybrid")
    make_group("Stale 4 miles", at=offset(LS6, km_north=4 * mile), last_verified=old)
    make_group("Current 12 miles", at=offset(LS6, km_north=12 * mile))
    make_group("Online", format="online")
    page = client.get("/", {"near": "LS6", "radius_km": "100"}).content.decode()
    shown = sorted(
        (page.index(f">{g.name}</a>"), g.name)
        for g in Group.objects.all()
        if f">{g.name}</a>" in page
    )
    expected = [name for _, name in shown]
    assert expected[:3] == ["Current 1.5 miles", "Stale 0.5 miles", "Stale 1 mile"]

    params = {"postcode": "LS6", "proximity": "100000", "per_page": 2}
    services = [n for p in (1, 2, 3) for n in names(client, SERVICES, **params, page=p)]
    located = [n for p in (1, 2, 3) for n in names(client, LOCATIONS, **params, page=p)]

    assert services == located == expected


def test_a_place_we_cannot_measure_from_is_a_clear_400(client, near_ls6):
    unknown = client.get(SERVICES, {"postcode": "ZZ99"})
    alone = client.get(SERVICES, {"proximity": "1000"})
    negative = client.get(SERVICES, {"postcode": "LS6", "proximity": "-5"})

    assert unknown.status_code == alone.status_code == negative.status_code == 400
    assert "postcode" in unknown.json()["errors"]
    assert "proximity" in alone.json()["errors"] and "proximity" in negative.json()["errors"]


def test_day_start_time_and_end_time_match_one_meeting(client, make_group):
    make_group("Mornings and evenings", meetings="Mon 10:00-11:00; Tue 19:00-20:00")
    make_group("Monday evenings", meetings="Mon 18:30-20:00")

    assert names(client, SERVICES, day="MO", start_time="18:00") == ["Monday evenings"]
    assert names(client, SERVICES, day="monday", end_time="11:00") == ["Mornings and evenings"]
    assert names(client, SERVICES, start_time="19:00", end_time="20:00") == [
        "Mornings and evenings"
    ]
    bad = client.get(SERVICES, {"day": "Moonday", "start_time": "7pm"})
    assert bad.status_code == 400 and "day" in bad.json()["errors"]


def test_search_and_modified_after(client, make_group):
    make_group("Hearing Voices Leeds", conditions=("psychosis",))
    old = make_group("Old Drinkers Group")
    Group.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=30))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    assert names(client, SERVICES, search="voices") == ["Hearing Voices Leeds"]
    assert names(client, SERVICES, modified_after=since) == ["Hearing Voices Leeds"]
    assert client.get(SERVICES, {"modified_after": "last week"}).status_code == 400


def test_taxonomy_and_organization_filters_still_work(client, make_group):
    drinkers = make_group("Drinkers", conditions=("alcohol",), audiences=("women",))
    make_group("Gamblers", conditions=("gambling",))
    women = hsds.Term(hsds.AUDIENCES, "women", "", "").id

    assert names(client, SERVICES, taxonomy_term_id=women) == ["Drinkers"]
    assert names(client, SERVICES, taxonomy_id=hsds.AUDIENCES.id) == ["Drinkers"]
    assert names(client, SERVICES, organization_id=hsds.organization_id(drinkers)) == ["Drinkers"]
    assert names(client, SERVICES, taxonomy_term_id="not-a-term") == []


def test_a_page_reads_only_its_own_groups(client, make_group):
    """Paged in the database: the queries do not grow with the directory."""
    for n in range(3):
        make_group(f"Group {n}")
    client.get(SERVICES)  # the process reads the taxonomies once
    with CaptureQueriesContext(connection) as few:
        client.get(SERVICES, {"per_page": 2, "full": "true"})
    for n in range(3, 30):
        make_group(f"Group {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(SERVICES, {"per_page": 2, "full": "true", "page": 3}).json()

    assert len(many) == len(few), [q["sql"][:150] for q in many.captured_queries]
    assert (page["total_items"], page["total_pages"], page["size"]) == (30, 15, 2)
    assert [s["name"] for s in page["contents"]] == ["Group 12", "Group 13"]


def test_services_at_locations_page_across_groups_exactly(client, make_group):
    """A hybrid group is at two locations (its venue and online): 6 in all here."""
    make_group("A", format="hybrid")
    make_group("B")
    make_group("C", format="online")
    make_group("D", format="hybrid")

    first = client.get(LOCATIONS, {"per_page": 4}).json()
    second = client.get(LOCATIONS, {"per_page": 4, "page": 2}).json()

    pairs = [
        (item["service"]["name"], item["location"]["location_type"])
        for page in (first, second)
        for item in page["contents"]
    ]
    assert pairs == [
        ("A", "physical"), ("A", "virtual"), ("B", "physical"),
        ("C", "virtual"), ("D", "physical"), ("D", "virtual"),
    ]  # fmt: skip
    assert first["total_items"] == second["total_items"] == 6
    assert (first["last_page"], second["last_page"]) == (False, True)
    three = client.get(LOCATIONS, {"per_page": 3, "page": 2}).json()
    assert [(i["service"]["name"], i["location"]["location_type"]) for i in three["contents"]] == [
        ("C", "virtual"), ("D", "physical"), ("D", "virtual"),
    ]  # fmt: skip


def test_services_at_locations_near_a_postcode_are_physical_and_nearest_first(client, near_ls6):
    page = client.get(LOCATIONS, {"postcode": "LS6", "proximity": "5000"}).json()

    assert [(i["service"]["name"], i["location"]["location_type"]) for i in page["contents"]] == [
        ("Near", "physical"), ("Middle", "physical"),
    ]  # fmt: skip
    assert page["total_items"] == 2


def test_lists_and_a_service_at_location_pass_the_strict_schemas(
    client,
    near_ls6,
    schemas,  # noqa: F811
    tmp_path,
):
    services = client.get(SERVICES, {"postcode": "LS6"}).json()["contents"]
    items = client.get(LOCATIONS).json()["contents"]
    full = [client.get(f"{LOCATIONS}{item['id']}").json() for item in items]

    for name, documents in (
        ("service_list", services),
        ("service_at_location_list", items),
        ("service_at_location", full),
    ):
        folder = tmp_path / name
        folder.mkdir()
        result = check(schemas(name), documents, folder)
        assert result.returncode == 0, result.stdout + result.stderr
    assert len(full) == 5 and all(d["service"]["name"] for d in full)
    assert client.get(f"{LOCATIONS}not-an-id").status_code == 404


def test_a_detail_finds_its_group_by_each_kind_of_id(client, make_group):
    online = make_group("Online", format="online", online_url="https://meet.example.org/x")
    hybrid = make_group("Hybrid", format="hybrid", online_url="https://meet.example.org/y")
    pending = make_group("Pending", status="pending")

    assert client.get(f"{SERVICES}{hsds.service_id(hybrid)}").json()["name"] == "Hybrid"
    organization = client.get(f"/api/hsds/organizations/{hsds.organization_id(online)}")
    assert organization.json()["name"] == "Online"
    for group, kind in [(hybrid, "physical"), (hybrid, "virtual"), (online, "virtual")]:
        found = client.get(f"{LOCATIONS}{hsds.service_at_location_id(group, kind)}").json()
        assert (found["service"]["name"], found["location"]["location_type"]) == (
            group.name,
            kind,
        )
    assert (
        client.get(f"{LOCATIONS}{hsds.service_at_location_id(online, 'physical')}").status_code
        == 404
    )
    assert client.get(f"{SERVICES}{hsds.service_id(pending)}").status_code == 404


def test_on_postgresql_a_detail_is_one_index_lookup(make_group):
    """Not a scan hashing every published group's id (about a second at 50,000)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    group = make_group("Headingley Group")
    # Enough groups, with statistics, that no plan can read them all as cheaply.
    others = [copy.copy(group) for _ in range(500)]
    for n, other in enumerate(others):
        other.pk, other.slug = None, f"other-{n}"
    Group.objects.bulk_create(others)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_group")
    for kind, value in [
        ("service", hsds.service_id(group)),
        ("organization", hsds.organization_id(group)),
        ("physical", hsds.service_at_location_id(group, "physical")),
    ]:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as queries:
            assert hsds._with_id(kind, value, lambda pk: "") == group
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert f"group_hsds_{kind}_idx" in plan, plan
