"""Our data out as a Meeting Guide JSON feed (issue 14, point 4), for the Meeting Guide
app and TSML UI: one unpaged array of weekly meetings, filterable, cached with an ETag."""

from __future__ import annotations

import json

import pytest

from feeds.parsers import meeting_guide as reader

pytestmark = pytest.mark.django_db

URL = "/api/meeting-guide.json"
EVERY_ITEM = {
    "name", "slug", "day", "time", "end_time", "types", "attendance_option",
    "formatted_address", "updated", "url",
}  # fmt: skip


def feed(client, **params) -> list[dict]:
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def groups(make_group):
    return {
        "in_person": make_group(
            "Headingley Recovery", meetings="Mon 19:30-21:00; Sat 10:00-11:00",
            audiences=("women",), step_free="yes", address="St Michael's Hall",
        ),
        "online": make_group("Recovery Online", format="online", meetings="Wed 12:30-13:30"),
        "hybrid": make_group(
            "Chapel Allerton Hybrid", format="hybrid", meetings="Tue 19:00-20:00",
            conditions=("drugs",), group_type="twelve_step",
        ),
        "other_weeks": make_group(
            "Hearing Voices", meetings="2nd Tue 18:00-19:30; alt Wed 14:00-15:30",
            conditions=("psychosis",),
        ),
        "pending": make_group("Not Yet Approved", status="pending"),
    }  # fmt: skip


def test_every_item_carries_what_the_spec_and_the_apps_need(client, groups):
    items = feed(client)

    assert len(items) == 4  # Mon and Sat, Wed online, Tue hybrid
    for item in items:
        assert set(item) >= EVERY_ITEM, item
        assert item["url"].startswith("http://testserver/groups/")
        assert 0 <= item["day"] <= 6 and len(item["time"]) == 5 and len(item["end_time"]) == 5
        if item["attendance_option"] in ("online", "hybrid"):
            assert item["conference_url"].startswith("https://")
        else:
            assert "conference_url" not in item
        if item["attendance_option"] in ("in_person", "hybrid"):
            assert isinstance(item["latitude"], float) and isinstance(item["longitude"], float)
        else:
            assert "latitude" not in item and "longitude" not in item
    assert len({item["slug"] for item in items}) == len(items)


def test_days_run_from_sunday_and_codes_come_from_the_mapping(client, groups):
    items = {(i["name"], i["day"]): i for i in feed(client)}

    monday = items[("Headingley Recovery", 1)]
    assert items[("Headingley Recovery", 6)]["time"] == "10:00"  # Saturday
    assert monday["time"] == "19:30" and monday["end_time"] == "21:00"
    assert {"W", "X"} <= set(monday["types"])
    assert monday["attendance_option"] == "in_person"
    assert monday["formatted_address"] == "St Michael's Hall, Leeds LS6 1AA, UK"
    online = items[("Recovery Online", 3)]
    assert "ONL" in online["types"] and online["attendance_option"] == "online"
    assert "DD" not in online["types"]


def test_fortnightly_and_monthly_meetings_are_left_out(client, groups):
    names = {item["name"] for item in feed(client)}

    assert "Hearing Voices" not in names and "Not Yet Approved" not in names


def test_a_fellowship_asks_for_its_own_kind_of_group(client, groups):
    assert {i["name"] for i in feed(client, group_type="twelve_step")} == {"Chapel Allerton Hybrid"}
    assert {i["name"] for i in feed(client, condition="drugs")} == {"Chapel Allerton Hybrid"}
    bad = client.get(URL, {"condition": "nonsense"})
    assert bad.status_code == 400
    assert "condition" in bad.json()["errors"]


def test_it_is_cached_with_an_etag(client, groups):
    first = client.get(URL)
    etag = first["ETag"]

    again = client.get(URL, headers={"If-None-Match": etag})
    groups["online"].name = "Recovery Online Leeds"
    groups["online"].save()
    changed = client.get(URL, headers={"If-None-Match": etag})

    assert first["Cache-Control"] == "public, max-age=300"
    assert again.status_code == 304
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert client.get(URL, {"condition": "drugs"})["ETag"] != etag


def test_our_feed_reads_back_through_our_own_reader(client, groups):
    parsed = reader.parse(feed(client))

    assert parsed.problems == []
    assert sorted(g.name for g in parsed.groups) == [
        "Chapel Allerton Hybrid", "Headingley Recovery", "Recovery Online",
    ]  # fmt: skip
