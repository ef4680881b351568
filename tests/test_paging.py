"""Pages of a search by name alone (no place, no keywords) are read from the name indexes,
the groups that meet now and then the paused ones (exchange/paging.py), in the search's
own order: HSDS pages and the public download."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange import paging
from groups.search import Criteria, search_groups
from groups.services import GroupValues, save_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(make_group, today):
    """Nine groups; three of them paused (one back by now), named to interleave."""
    for n in range(9):
        group = make_group(f"Group {n}")
        if n % 3 == 0:
            back = today - dt.timedelta(days=1) if n == 3 else None
            save_group(group=group, values=GroupValues(paused=True, paused_until=back))


def test_every_page_is_that_slice_of_the_search(directory):
    results = search_groups(Criteria())
    assert paging.by_name_alone(Criteria())
    everyone = list(results.values_list("pk", flat=True))
    assert len(everyone) == 9
    for limit in (1, 2, 4, 9, 20):
        for offset in range(0, 12):
            page = paging.ids_by_name(search_groups(Criteria()), offset, limit)
            assert page == everyone[offset : offset + limit], (offset, limit)


def test_a_place_or_keywords_keep_their_own_order():
    assert not paging.by_name_alone(Criteria(q="alcohol"))
    assert not paging.by_name_alone(Criteria(point=(53.8, -1.55)))


def test_an_hsds_page_and_the_download_sort_no_more_than_their_page(client, directory):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/hsds/services/", {"page": 2, "per_page": 4})
        body = client.get("/export.csv").getvalue().decode("utf-8")
    assert response.status_code == 200
    data = response.json()
    assert data["total_items"] == 9
    assert [item["name"] for item in data["contents"]] == [
        "Group 5",
        "Group 7",
        "Group 8",
        "Group 0",  # paused groups last
    ]
    assert body.count("\r\n") == 10  # the header and the nine
    # No window over every match, nor a sort of them all by whether they are paused today.
    read = [q["sql"] for q in queries if "groups_group" in q["sql"]]
    assert not any(" OVER " in sql for sql in read)
    assert not any("ORDER BY CASE" in sql for sql in read)


def test_services_at_locations_page_by_name_and_count_apart(client, directory, make_group):
    make_group("Group 4b", format="hybrid")  # two locations: its venue and online
    whole = client.get("/api/hsds/service_at_locations/", {"per_page": 100}).json()
    with CaptureQueriesContext(connection) as queries:
        pages = [
            client.get("/api/hsds/service_at_locations/", {"per_page": 3, "page": n}).json()
            for n in range(1, 6)
        ]
    assert whole["total_items"] == 11
    assert [p["total_items"] for p in pages] == [11] * 5
    assert [item["id"] for p in pages for item in p["contents"]] == [
        item["id"] for item in whole["contents"]
    ]
    read = [q["sql"] for q in queries if "groups_group" in q["sql"]]
    assert not any(" OVER " in sql for sql in read)
