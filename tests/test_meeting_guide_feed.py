"""Our data out as a Meeting Guide JSON feed (issue 14, point 4), for the Meeting Guide
app and TSML UI: one unpaged array of weekly meetings, filterable, cached with an ETag."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feeds.parsers import meeting_guide as reader
from groups.models import Audience
from groups.services import GroupValues, MeetingSpec, save_group
from tests.conftest import LS6, offset

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


# --- Each meeting carries its own values (issue 15 point 2) ------------------------------


MONDAY = {"weekday": 0, "start_time": dt.time(19), "end_time": dt.time(20)}
TUESDAY = {"weekday": 1, "start_time": dt.time(10), "end_time": dt.time(11)}
WEDNESDAY = {"weekday": 2, "start_time": dt.time(18), "end_time": dt.time(19, 30)}
OTHER_HALL = offset(LS6, km_north=2)


def by_day(client) -> dict[int, dict]:
    """The feed's items by Meeting Guide day (0 is Sunday)."""
    return {item["day"]: item for item in feed(client)}


@pytest.fixture
def family_circle(make_group):
    """A hybrid group whose link is given on request; on Tuesdays a family session online
    in Polish with its own link; on Wednesdays a women's meeting at a step-free hall of
    its own with a dial-in number."""
    group = make_group(
        "Family Circle", format="hybrid", online_url="", online_on_request=True,
        address="St Michael's Hall", step_free="no",
    )  # fmt: skip
    return save_group(
        group=group,
        values=GroupValues(),
        meetings=[
            MeetingSpec(**MONDAY),
            MeetingSpec(
                **TUESDAY, format="online", online_url="https://example.org/family",
                audiences=(Audience.objects.get(slug="carers_family"),), languages=("pl",),
            ),
            MeetingSpec(
                **WEDNESDAY, format="in_person", address="Other Hall", town="Leeds",
                postcode="LS6 2BB", latitude=OTHER_HALL[0], longitude=OTHER_HALL[1],
                step_free="yes", dial_in="0113 496 0001",
                audiences=(Audience.objects.get(slug="women"),),
            ),
        ],
    )  # fmt: skip


def test_each_meeting_says_its_own_attendance_option(client, family_circle):
    items = by_day(client)

    assert items[1]["attendance_option"] == "hybrid"  # the group's
    assert items[2]["attendance_option"] == "online"
    assert items[3]["attendance_option"] == "in_person"


def test_a_link_given_on_request_is_no_conference_url_and_says_to_ask(client, family_circle):
    items = by_day(client)

    assert "conference_url" not in items[1]
    assert "on request: contact the group" in items[1]["conference_url_notes"]
    assert items[2]["conference_url"] == "https://example.org/family"
    assert "conference_url_notes" not in items[2]
    assert "conference_url" not in items[3] and "conference_url_notes" not in items[3]
    assert items[3]["conference_phone"] == "0113 496 0001"


def test_address_and_point_are_the_meetings_own_venue(client, family_circle):
    items = by_day(client)

    assert items[1]["formatted_address"] == "St Michael's Hall, Leeds LS6 1AA, UK"
    assert (items[1]["latitude"], items[1]["longitude"]) == (round(LS6[0], 5), round(LS6[1], 5))
    assert items[3]["formatted_address"] == "Other Hall, Leeds LS6 2BB, UK"
    assert items[3]["latitude"] == round(OTHER_HALL[0], 5)
    assert items[3]["longitude"] == round(OTHER_HALL[1], 5)
    assert items[3]["approximate"] == "no"
    assert "latitude" not in items[2] and items[2]["approximate"] == "yes"


def test_types_come_from_each_meetings_audience_language_format_and_venue(client, family_circle):
    items = by_day(client)

    assert {"W", "X"} <= set(items[3]["types"]) and "ONL" not in items[3]["types"]
    assert {"ONL", "POL"} <= set(items[2]["types"]) and "W" not in items[2]["types"]
    assert not {"W", "X", "ONL", "POL"} & set(items[1]["types"])


def test_a_hidden_venue_is_sent_as_its_town_only(client, make_group):
    group = make_group(
        "Women's Refuge Group", conditions=("domestic_abuse",), address="1 Secret Street",
        meetings="Mon 19:00-20:00",
    )  # fmt: skip
    save_group(
        group=group,
        values=GroupValues(),
        meetings=[
            MeetingSpec(**MONDAY),
            MeetingSpec(
                **TUESDAY, address="2 Hidden Road", town="Leeds", postcode="LS6 2BB",
                latitude=OTHER_HALL[0], longitude=OTHER_HALL[1],
            ),
        ],
    )  # fmt: skip
    body = b"".join(client.get(URL).streaming_content).decode()
    items = by_day(client)

    assert "Secret" not in body and "Hidden Road" not in body and "LS6" not in body
    for item in items.values():
        assert item["formatted_address"] == "Leeds, UK"
        assert item["approximate"] == "yes" and "latitude" not in item
        assert item["location_notes"] == "Address given when you contact the group."


def test_a_paused_groups_meetings_are_inactive_and_temporarily_closed(client, make_group):
    make_group("Paused Group", paused=True, meetings="Mon 19:00-20:00")

    (item,) = feed(client)

    assert item["attendance_option"] == "inactive"
    assert "TC" in item["types"]
    assert reader.parse([item]).groups[0].closed  # our own reader pauses it


def test_the_feed_reads_as_many_queries_however_many_meetings(client, family_circle, make_group):
    feed(client)  # the first request also reads what every request shares
    with CaptureQueriesContext(connection) as few:
        assert len(feed(client)) == 3
    for n in range(5):
        make_group(f"More {n}", meetings="Mon 19:00-20:00; Thu 10:00-11:00", audiences=("women",))

    with CaptureQueriesContext(connection) as many:
        assert len(feed(client)) == 13

    assert len(many) == len(few)
