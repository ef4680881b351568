"""A search's total is counted up to a cap (settings.SEARCH_COUNT_CAP, or the end of the
page asked for): past it the API says count_is_lower_bound and the page "More than N
groups", and Next still leads on while a page exists.

Here a page holds 2 groups and the cap is 4, so a handful of groups shows each case.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import LS6, offset

API = "/api/groups/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_pages(settings):
    settings.SEARCH_PAGE_SIZE = 2
    settings.SEARCH_COUNT_CAP = 4


@pytest.fixture
def groups_near(make_group, ls6):
    def make(n: int) -> None:
        for i in range(n):
            make_group(f"Group {i:02d}", at=offset(LS6, km_north=(i + 1) / 10))

    return make


def api_page(client, page: int) -> dict:
    response = client.get(API, {"near": "LS6", "condition": "alcohol", "page": str(page)})
    assert response.status_code == 200, response.content
    return response.json()


def totals(client, pages: int) -> list[tuple[int, bool, bool]]:
    """(count, count_is_lower_bound, has a next link) of each page."""
    return [
        (data["count"], data["count_is_lower_bound"], data["next"] is not None)
        for data in (api_page(client, n) for n in range(1, pages + 1))
    ]


def test_it_says_the_count_is_a_lower_bound_past_the_cap(client, groups_near):
    groups_near(5)
    assert totals(client, 3) == [(4, True, True), (4, True, True), (5, False, False)]
    names = [r["name"] for n in (1, 2, 3) for r in api_page(client, n)["results"]]
    assert names == [f"Group {i:02d}" for i in range(5)]


def test_a_page_past_the_cap_counts_to_its_own_end(client, groups_near):
    groups_near(7)
    assert totals(client, 4) == [
        (4, True, True),
        (4, True, True),
        (6, True, True),
        (7, False, False),
    ]
    assert client.get(API, {"near": "LS6", "page": "5"}).status_code == 404


def test_exactly_the_cap_is_an_exact_count(client, groups_near):
    groups_near(4)
    assert totals(client, 2) == [(4, False, True), (4, False, False)]
    assert client.get(API, {"near": "LS6", "page": "3"}).status_code == 404


def test_fewer_than_the_cap_is_an_exact_count(client, groups_near):
    groups_near(3)
    assert totals(client, 2) == [(3, False, True), (3, False, False)]


def test_the_openapi_document_describes_the_lower_bound(client):
    listing = client.get("/api/schema/").json()["paths"]["/api/groups/"]["get"]
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert "count_is_lower_bound" in schema["required"]
    assert schema["properties"]["count_is_lower_bound"]["type"] == "boolean"
    assert "up to 4" in schema["properties"]["count"]["description"]


def texts(content: bytes) -> dict[str, str]:
    html = content.decode()

    def first(pattern: str) -> str:
        found = re.search(pattern, html, re.S)
        assert found, pattern
        return " ".join(unescape(found.group(1)).split())

    return {
        "title": first(r"<title>(.*?)</title>"),
        "data-title": first(r'id="results"[^>]*data-title="([^"]*)"'),
        "heading": first(r'<div class="app-results__count">\s*<h2[^>]*>(.*?)</h2>'),
        "next": first(r"nhsuk-pagination__link--next.*?nhsuk-pagination__page\">(.*?)</span>"),
    }


def test_the_page_says_more_than_the_cap(client, groups_near):
    groups_near(5)
    first = client.get("/", {"near": "LS6", "condition": "alcohol"})
    shown = texts(first.content)
    assert shown["title"].startswith("More than 4 groups found")
    assert shown["data-title"].startswith("More than 4 groups found")
    assert shown["heading"].startswith("More than 4 groups within")
    # How many pages there are is not known: the link names the next page only.
    assert shown["next"] == "Page 2"
    last = client.get("/", {"near": "LS6", "condition": "alcohol", "page": "3"})
    assert "Group 04" in last.content.decode()
    assert re.search(r"<h2[^>]*>\s*5 groups within", last.content.decode())
    assert "nhsuk-pagination__link--next" not in last.content.decode()


def test_the_page_at_exactly_the_cap_counts_them(client, groups_near):
    groups_near(4)
    shown = texts(client.get("/", {"near": "LS6", "condition": "alcohol"}).content)
    assert shown["title"].startswith("4 groups found")
    assert shown["heading"].startswith("4 groups within")
    assert shown["next"] == "Page 2 of 2"
