"""The JSON API: its response shape, its errors, the single-group endpoint and its OpenAPI
document. What each filter finds is in test_search.py."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse, set_script_prefix

from groups.filters import SearchFilter
from groups.models import Group
from tests.conftest import LS6, offset

API = "/api/groups/"
# Explicit, so the database is ready before conftest's autouse fixture reads it.
pytestmark = pytest.mark.django_db

ITEM_KEYS = {
    "id",
    "slug",
    "name",
    "summary",
    "orientation",
    "group_type",
    "conditions",
    "audiences",
    "format",
    "address",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "distance_km",
    "meetings",
    "email",
    "phone",
    "website",
    "cost",
    "referral",
    "step_free",
    "languages",
    "last_verified",
    "may_be_out_of_date",
    "url",
    "venue_hidden",
    "online_url",
    "online_on_request",
    "dial_in",
    "joining_notes",
    "what_to_expect",
    "paused",
    "paused_until",
    "next_meeting",
}
QUERY_PARAMETERS = {
    "language",
    "q",
    "near",
    "lat",
    "lng",
    "radius_km",
    "condition",
    "orientation",
    "group_type",
    "format",
    "day",
    "time_of_day",
    "audience",
    "step_free",
    "referral",
    "include_online",
    "page",
}


def check(instance: Any, schema: dict, path: str = "$") -> None:
    """Asserts that instance matches an OpenAPI 3.0 schema (the subset our document uses).

    The jsonschema package is not a dependency, and OpenAPI 3.0's `nullable` and boolean
    `exclusiveMinimum` are not JSON Schema anyway.
    """
    if instance is None:
        assert schema.get("nullable"), f"{path} is null"
        return
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
    }
    kind = schema["type"]
    assert isinstance(instance, types[kind]), f"{path}: {instance!r} is not {kind}"
    assert kind == "boolean" or not isinstance(instance, bool), f"{path}: {instance!r} is a bool"
    if "enum" in schema:
        assert instance in schema["enum"], f"{path}: {instance!r} not in {schema['enum']}"
    if "pattern" in schema:
        assert re.search(schema["pattern"], instance), f"{path}: {instance!r}"
    if schema.get("format") == "date":
        dt.date.fromisoformat(instance)
    if schema.get("format") == "uri":
        assert re.match(r"^https?://[^/\s]+/", instance), f"{path}: {instance!r}"
    if "minimum" in schema:
        assert instance >= schema["minimum"], path
    if kind == "object":
        missing = set(schema.get("required", [])) - set(instance)
        assert not missing, f"{path} lacks {missing}"
        properties = schema.get("properties", {})
        for key, value in instance.items():
            if key in properties:
                check(value, properties[key], f"{path}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                check(value, schema["additionalProperties"], f"{path}.{key}")
    if kind == "array":
        for index, item in enumerate(instance):
            check(item, schema["items"], f"{path}[{index}]")


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return response.json()


def response_schema(document: dict, path: str, status: int) -> dict:
    responses = document["paths"][path]["get"]["responses"]
    return responses[str(status)]["content"]["application/json"]["schema"]


@pytest.fixture
def groups(make_group, published_group, ls6):
    """A variety of published groups near LS6, online and with every kind of meeting."""
    return [
        published_group,
        make_group(
            "Chapeltown Women's Circle",
            orientation="hybrid",
            group_type="self_management",
            conditions=("depression", "anxiety", "trauma"),
            audiences=("women", "minority_ethnic"),
            format="hybrid",
            meetings="alt Wed 14:00-15:30 from 2026-01-07; last Fri 09:30-11:00",
            step_free="yes",
            referral="professional_referral",
            at=offset(LS6, km_north=-3, km_east=2),
            last_verified=None,
        ),
        make_group(
            "Online Gamblers' Support",
            format="online",
            conditions=("gambling",),
            meetings="alt Sun 20:00-21:00",
        ),
        make_group("Contact Us Group", orientation="outward", meetings="", at=LS6),
    ]


# Response shape


def test_it_returns_the_documented_shape(client, published_group, ls6, today):
    response = client.get(API, {"near": "LS6"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    # When the next meeting is depends on the day the test runs (tests/test_meetings.py).
    assert set(data["results"][0].pop("next_meeting")) == {"start", "end"}
    venue = {
        "hidden": False,
        "address": "",
        "town": "Leeds",
        "postcode": "LS6 1AA",
        "latitude": LS6[0],
        "longitude": LS6[1],
        "step_free": "unknown",
    }
    as_the_group = {
        "ends_next_day": False,
        "anchor_date": None,
        "note": "",
        "format": "in_person",
        "venue": venue,
        "joining": None,
        "audiences": [],
        "languages": ["en", "bfi"],
    }
    assert data == {
        "count": 1,
        "count_is_lower_bound": False,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": published_group.pk,
                "slug": "headingley-recovery-circle",
                "name": "Headingley Recovery Circle",
                "summary": "Weekly recovery meeting for anyone who wants to stop drinking.",
                "orientation": "inward",
                "group_type": "peer_support",
                "conditions": ["alcohol"],
                "audiences": [],
                "format": "in_person",
                "address": "",
                "town": "Leeds",
                "postcode": "LS6 1AA",
                "latitude": LS6[0],
                "longitude": LS6[1],
                "venue_hidden": False,
                "distance_km": 0,
                "meetings": [
                    {
                        "weekday": "mon",
                        "start": "18:00",
                        "end": "19:30",
                        "recurrence": "monthly",
                        "week_of_month": 2,
                        **as_the_group,
                    },
                    {
                        "weekday": "tue",
                        "start": "19:00",
                        "end": "20:30",
                        "recurrence": "weekly",
                        "week_of_month": None,
                        **as_the_group,
                    },
                ],
                "email": "headingley@example.org",
                "phone": "0113 496 0000",
                "website": "https://example.org/headingley",
                "cost": "Free",
                "referral": "either",
                "step_free": None,
                "languages": ["en", "bfi"],
                "online_url": "",
                "online_on_request": False,
                "dial_in": "",
                "joining_notes": "",
                "what_to_expect": "",
                "paused": False,
                "paused_until": None,
                "last_verified": today.isoformat(),
                "may_be_out_of_date": False,
                "url": "http://testserver/groups/headingley-recovery-circle/",
            }
        ],
    }


def test_every_item_has_every_key_with_its_type(client, groups):
    results = client.get(API, {"near": "LS6", "include_online": "true"}).json()["results"]
    assert len(results) == 4
    for item in results:
        assert set(item) == ITEM_KEYS
        assert isinstance(item["id"], int)
        for key in ("slug", "name", "summary", "orientation", "group_type", "format"):
            assert isinstance(item[key], str) and item[key], key
        assert isinstance(item["town"], str) and isinstance(item["postcode"], str)
        assert all(isinstance(slug, str) for slug in item["conditions"] + item["audiences"])
        assert item["conditions"], "every group has a condition"
        assert item["url"].startswith("http://testserver/groups/")
        assert item["url"].endswith(f"/{item['slug']}/")
        for meeting in item["meetings"]:
            assert {"weekday", "start", "end", "recurrence", "week_of_month"} <= set(meeting)
            assert {"format", "venue", "joining", "audiences", "languages"} <= set(meeting)
            assert re.fullmatch(r"\d\d:\d\d", meeting["start"])
            assert re.fullmatch(r"\d\d:\d\d", meeting["end"])


def test_online_and_hybrid_groups_and_other_recurrences(client, groups):
    results = client.get(API, {"near": "LS6", "include_online": "true"}).json()["results"]
    by_name = {item["name"]: item for item in results}
    hybrid = by_name["Chapeltown Women's Circle"]
    assert hybrid["format"] == "hybrid"
    assert hybrid["orientation"] == "hybrid"
    assert hybrid["group_type"] == "self_management"
    assert sorted(hybrid["conditions"]) == ["anxiety", "depression", "trauma"]
    assert sorted(hybrid["audiences"]) == ["minority_ethnic", "women"]
    assert hybrid["last_verified"] is None
    assert hybrid["distance_km"] == pytest.approx(math.hypot(3, 2), abs=0.01)
    when = ("weekday", "start", "end", "recurrence", "week_of_month")
    assert [{k: m[k] for k in when} for m in hybrid["meetings"]] == [
        {
            "weekday": "wed",
            "start": "14:00",
            "end": "15:30",
            "recurrence": "fortnightly",
            "week_of_month": None,
        },
        {
            "weekday": "fri",
            "start": "09:30",
            "end": "11:00",
            "recurrence": "monthly",
            "week_of_month": -1,
        },
    ]
    assert {m["format"] for m in hybrid["meetings"]} == {"hybrid"}
    online = by_name["Online Gamblers' Support"]
    assert (online["latitude"], online["longitude"], online["distance_km"]) == (None, None, None)
    assert (online["town"], online["postcode"]) == ("", "")
    assert by_name["Contact Us Group"]["meetings"] == []


def test_the_url_is_the_group_page(client, published_group):
    item = client.get(API, {"q": ""}).json()["results"][0]
    page = client.get(item["url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "Headingley Recovery Circle" in page.content.decode()


def test_each_url_is_the_one_reverse_gives_its_group(client, make_group, ls6):
    """A group page's path is reversed once and reused around each slug
    (groups.models.group_page_path): each is still the one reverse() gives for its own
    slug, under a script prefix too, and a slug the URL pattern refuses still fails."""
    for name in ["Group 1_a", "Another-Group", "Z 99"]:
        make_group(name=name)
    items = client.get(API, {"q": ""}).json()["results"]
    assert len(items) == 3
    for item in items:
        path = reverse("groups:detail", kwargs={"slug": item["slug"]})
        assert item["url"] == f"http://testserver{path}"
    group = Group.objects.get(slug=items[0]["slug"])
    set_script_prefix("/directory/")
    try:
        assert group.get_absolute_url() == f"/directory/groups/{group.slug}/"
    finally:
        set_script_prefix("/")
    assert group.get_absolute_url() == f"/groups/{group.slug}/"
    group.slug = "café"
    with pytest.raises(NoReverseMatch):
        group.get_absolute_url()


def test_the_url_uses_the_requests_host(client, published_group, settings):
    settings.ALLOWED_HOSTS = ["directory.example.org"]
    response = client.get(API, {"q": ""}, headers={"host": "directory.example.org"})
    url = response.json()["results"][0]["url"]
    assert url == "http://directory.example.org/groups/headingley-recovery-circle/"


# Errors


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"condition": "nope"}, "condition"),
        ({"condition": ["alcohol", "nope"]}, "condition"),
        ({"audience": "nope"}, "audience"),
        ({"audience": ["women", "nope"]}, "audience"),
        ({"group_type": "nope"}, "group_type"),
        ({"near": "Atlantis"}, "near"),
        ({"near": "ZZ99 9ZZ"}, "near"),
        ({"near": "x" * 101}, "near"),
        ({"near": "LS6", "radius_km": "0"}, "radius_km"),
        ({"near": "LS6", "radius_km": "-1"}, "radius_km"),
        ({"near": "LS6", "radius_km": "501"}, "radius_km"),
        ({"near": "LS6", "radius_km": "abc"}, "radius_km"),
        ({"near": "LS6", "radius_km": "nan"}, "radius_km"),
        ({"near": "LS6", "radius_km": "inf"}, "radius_km"),
        ({"near": "LS6", "radius_km": "-inf"}, "radius_km"),
        ({"radius_km": "0"}, "radius_km"),
        ({"day": "monday"}, "day"),
        ({"day": "0"}, "day"),
        ({"time_of_day": "night"}, "time_of_day"),
        ({"orientation": "sideways"}, "orientation"),
        ({"format": "json"}, "format"),
        ({"format": "api"}, "format"),
        ({"lat": "53.8"}, "lat"),
        ({"lng": "-1.5"}, "lat"),
        ({"lat": "53.8", "lng": ""}, "lat"),
        ({"lat": " ", "lng": "-1.5"}, "lat"),
        ({"near": "LS6", "lat": "53.8", "lng": "-1.5"}, "near"),
        ({"near": "LS6", "lat": "53.8"}, "near"),
        ({"lat": "91", "lng": "0"}, "lat"),
        ({"lat": "-91", "lng": "0"}, "lat"),
        ({"lat": "nan", "lng": "0"}, "lat"),
        ({"lat": "abc", "lng": "0"}, "lat"),
        ({"lat": "0", "lng": "181"}, "lng"),
        ({"lat": "0", "lng": "-181"}, "lng"),
        ({"step_free": "yes"}, "step_free"),
        ({"step_free": "false"}, "step_free"),
        ({"include_online": "yes"}, "include_online"),
        ({"referral": "nobody"}, "referral"),
        ({"q": "x" * 201}, "q"),
        ({"q": "", "page": "abc"}, "page"),
    ],
)
def test_a_bad_parameter_answers_400_with_its_errors(client, ls6, document, query, parameter):
    response = client.get(API, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert set(body) == {"errors"}
    assert list(body["errors"]) == [parameter]
    messages = body["errors"][parameter]
    assert messages and all(isinstance(m, str) and m for m in messages)
    check(body, response_schema(document, "/api/groups/", 400))


def test_error_messages_say_what_is_wrong(client, ls6):
    def errors(**query) -> dict[str, list[str]]:
        return client.get(API, query).json()["errors"]

    assert "Atlantis" in errors(near="Atlantis")["near"][0]
    assert "nope" in errors(condition="nope")["condition"][0]
    assert "lat and lng" in errors(lng="-1.5")["lat"][0]
    assert "not both" in errors(near="LS6", lat="1", lng="1")["near"][0]
    assert "more than 0" in errors(near="LS6", radius_km="0")["radius_km"][0]
    assert "500" in errors(near="LS6", radius_km="501")["radius_km"][0]


def test_every_bad_parameter_is_reported_at_once(client):
    response = client.get(API, {"condition": "nope", "day": "someday", "lat": "1"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"condition", "day", "lat"}


def test_the_edges_of_the_ranges_are_allowed(client, ls6, published_group):
    for query in (
        {"near": "LS6", "radius_km": "500"},
        {"near": "LS6", "radius_km": "0.001"},
        {"lat": "90", "lng": "180"},
        {"lat": "-90", "lng": "-180"},
        {"lat": "53.8195", "lng": "-1.5755", "radius_km": "1e-3"},
    ):
        assert client.get(API, query).status_code == 200, query


def test_blank_parameters_mean_any(client, ls6, make_group):
    make_group("Alcohol Group", conditions=("alcohol",), audiences=("women",))
    make_group("Gambling Group", conditions=("gambling",))
    blank = dict.fromkeys(QUERY_PARAMETERS, "")
    response = client.get(API, blank)
    assert response.status_code == 200, response.content
    assert [r["name"] for r in response.json()["results"]] == ["Alcohol Group", "Gambling Group"]
    response = client.get(API, {"condition": ["alcohol", ""], "audience": ["", "women"]})
    assert [r["name"] for r in response.json()["results"]] == ["Alcohol Group"]


def test_unknown_parameter_names_are_ignored(client, ls6, published_group):
    expected = client.get(API, {"near": "LS6"}).json()["results"]
    response = client.get(
        API, {"near": "LS6", "utm_source": "email", "callback": "x", "sort": "name", "limit": "1"}
    )
    assert response.status_code == 200
    assert response.json()["results"] == expected


def test_format_is_our_filter_not_a_renderer_switch(client, make_group):
    make_group("In Person Group", format="in_person")
    make_group("Online Group", format="online")
    response = client.get(API, {"format": "online"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert [r["name"] for r in response.json()["results"]] == ["Online Group"]


def test_a_page_past_the_last_answers_404_in_json(client, published_group, document):
    response = client.get(API, {"q": "", "page": "2"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    check(response.json(), response_schema(document, "/api/groups/", 404))


@pytest.mark.parametrize("path", [API, "/api/groups/{pk}/", "/api/schema/"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY"])
def test_the_api_only_reads(published_group, path, method):
    client = Client(enforce_csrf_checks=True)
    path = path.format(pk=published_group.pk)
    assert client.generic(method, path).status_code == 405
    assert client.head(path).status_code == 200


# One group


def test_a_published_group_by_id(client, published_group, ls6, document):
    response = client.get(f"/api/groups/{published_group.pk}/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    item = response.json()
    listed = client.get(API, {"near": "LS6"}).json()["results"][0]
    evidence = {
        key: item.pop(key) for key in ("certainty", "evidence", "evidence_summary", "cautions")
    }
    assert item == {**listed, "distance_km": None}
    assert evidence["evidence_summary"]
    assert {c["kind"] for c in evidence["cautions"]} >= {"boundaries"}
    item.update(evidence)
    check(item, response_schema(document, "/api/groups/{id}/", 200))


@pytest.mark.parametrize("status", ["draft", "pending", "archived"])
def test_an_unpublished_group_is_404(client, make_group, status, document):
    group = make_group("Not Yet", status=status)
    response = client.get(f"/api/groups/{group.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    check(response.json(), response_schema(document, "/api/groups/{id}/", 404))


def test_a_missing_group_is_404(client, published_group):
    assert client.get(f"/api/groups/{published_group.pk + 1000}/").status_code == 404
    assert client.get("/api/groups/headingley-recovery-circle/").status_code == 404


@pytest.mark.parametrize("path", ["/api/groups/abc/", "/api/groups/1/extra/", "/api/nothing/"])
def test_an_unknown_api_url_is_404_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"


# The OpenAPI document


def test_the_schema_is_an_openapi_3_document(client, document):
    response = client.get("/api/schema/")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    assert set(document["paths"]) == {"/api/groups/", "/api/groups/{id}/"}
    detail = document["paths"]["/api/groups/{id}/"]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in detail["parameters"]] == [
        ("id", "path", True)
    ]


def test_the_schema_lists_every_query_parameter(document):
    parameters = document["paths"]["/api/groups/"]["get"]["parameters"]
    names = [p["name"] for p in parameters]
    assert sorted(names) == sorted(QUERY_PARAMETERS)
    assert set(SearchFilter.base_filters) | {"page"} == QUERY_PARAMETERS
    assert all(p["in"] == "query" and not p["required"] for p in parameters)
    assert all(p["allowEmptyValue"] for p in parameters), "blank means any"
    by_name = {p["name"]: p["schema"] for p in parameters}
    assert by_name["condition"]["type"] == "array"
    assert by_name["audience"]["type"] == "array"
    assert by_name["day"]["enum"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert by_name["time_of_day"]["enum"] == ["morning", "afternoon", "evening"]
    assert sorted(by_name["orientation"]["enum"]) == ["hybrid", "inward", "outward"]
    assert sorted(by_name["format"]["enum"]) == ["hybrid", "in_person", "online"]
    assert by_name["radius_km"]["maximum"] == 500
    assert by_name["step_free"]["enum"] == ["true"]
    assert by_name["include_online"]["enum"] == ["true"]


def test_the_schema_describes_every_item_key(document):
    item = response_schema(document, "/api/groups/", 200)["properties"]["results"]["items"]
    assert set(item["properties"]) == ITEM_KEYS
    assert set(item["required"]) == ITEM_KEYS


def test_list_responses_validate_against_the_schema(client, groups, document):
    schema = response_schema(document, "/api/groups/", 200)
    for query in (
        {"near": "LS6", "include_online": "true"},
        {"q": "circle"},
        {"condition": ["alcohol", "gambling"]},
        {"lat": str(LS6[0]), "lng": str(LS6[1]), "radius_km": "3"},
        {"near": "LS6", "condition": "bereavement"},
    ):
        response = client.get(API, query)
        assert response.status_code == 200
        check(response.json(), schema)
    assert client.get(API, {"near": "LS6", "include_online": "true"}).json()["count"] == 4


def test_every_group_validates_against_the_schema(client, groups, document):
    schema = response_schema(document, "/api/groups/{id}/", 200)
    for group in groups:
        check(client.get(f"/api/groups/{group.pk}/").json(), schema)


def test_the_checker_catches_a_response_that_breaks_the_schema(client, published_group, document):
    schema = response_schema(document, "/api/groups/{id}/", 200)
    item = client.get(f"/api/groups/{published_group.pk}/").json()
    for broken in (
        {**item, "id": str(item["id"])},
        {**item, "meetings": [{**item["meetings"][0], "weekday": "Monday"}]},
        {**item, "distance_km": "near"},
        {key: value for key, value in item.items() if key != "url"},
    ):
        with pytest.raises(AssertionError):
            check(broken, schema)
