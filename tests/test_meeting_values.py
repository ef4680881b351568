"""Each meeting says how it runs (format, venue, joining details, who it is for, language),
with the group's values as the default; the search matches one meeting on them all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from groups.geo import haversine_km
from groups.models import Audience, Group, Meeting
from groups.services import GroupValues, MeetingSpec, save_group
from tests.conftest import LS6, offset

pytestmark = pytest.mark.django_db

API = "/api/groups/"
MONDAY_7PM = {"weekday": 0, "start_time": dt.time(19), "end_time": dt.time(20)}
TUESDAY_10AM = {"weekday": 1, "start_time": dt.time(10), "end_time": dt.time(11)}


def with_meetings(group: Group, *specs: MeetingSpec) -> Group:
    return save_group(group=group, values=GroupValues(), meetings=list(specs))


def names(client, **params) -> list[str]:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


def audience(slug: str) -> Audience:
    return Audience.objects.get(slug=slug)


@pytest.fixture
def mixed(make_group) -> Group:
    """In person on Monday evenings; online on Tuesday mornings, for carers and family."""
    group = make_group("Mixed", format="hybrid")
    return with_meetings(
        group,
        MeetingSpec(**MONDAY_7PM, format="in_person"),
        MeetingSpec(**TUESDAY_10AM, format="online", audiences=(audience("carers_family"),)),
    )


def test_one_meeting_must_satisfy_format_day_time_and_audience_together(client, mixed):
    assert names(client, format="online", day="tue") == ["Mixed"]
    assert names(client, format="in_person", day="mon", time_of_day="evening") == ["Mixed"]
    assert names(client, format="online", day="mon") == []
    assert names(client, format="in_person", time_of_day="morning") == []
    assert names(client, audience="carers_family", day="tue") == ["Mixed"]
    assert names(client, audience="carers_family", day="mon") == []
    assert names(client, audience="carers_family", format="in_person") == []


def test_a_meeting_with_no_value_of_its_own_matches_on_the_groups(client, make_group):
    make_group("Women's group", audiences=("women",), meetings="Wed 18:00-19:00")
    make_group("Online group", format="online", meetings="Wed 18:00-19:00")
    assert names(client, audience="women", day="wed") == ["Women's group"]
    assert names(client, format="online", day="wed") == ["Online group"]
    assert names(client, format="in_person", day="wed") == ["Women's group"]


def test_a_group_with_no_meetings_matches_on_its_own_values_but_never_a_day(client, make_group):
    make_group("No fixed meetings", audiences=("men",), meetings="")
    assert names(client, audience="men") == ["No fixed meetings"]
    assert names(client, format="in_person") == ["No fixed meetings"]
    assert names(client, audience="men", day="mon") == []


def test_step_free_is_the_answer_of_the_venue_the_meeting_is_at(client, make_group):
    group = make_group("Two venues", step_free="no")
    with_meetings(
        group,
        MeetingSpec(**MONDAY_7PM),
        MeetingSpec(
            **TUESDAY_10AM,
            address="Community Centre",
            postcode="LS7 1AB",
            latitude=LS6[0],
            longitude=LS6[1],
            step_free="yes",
        ),
    )
    assert names(client, step_free="true") == ["Two venues"]
    assert names(client, step_free="true", day="tue") == ["Two venues"]
    assert names(client, step_free="true", day="mon") == []


def test_the_card_shows_the_meeting_that_matched(client, mixed, ls6):
    response = client.get("/", {"near": "LS6", "day": "tue"})
    card = re.search(r"Next meeting</dt><dd>([^<]*)</dd>", response.content.decode())
    assert card and "10am to 11am" in card.group(1)
    response = client.get("/", {"near": "LS6", "day": "mon"})
    card = re.search(r"Next meeting</dt><dd>([^<]*)</dd>", response.content.decode())
    assert card and "7pm to 8pm" in card.group(1)


def test_a_groups_distance_is_its_nearest_in_person_meeting(client, make_group, ls6):
    far_venue = offset(LS6, km_north=30)
    near_venue = offset(LS6, km_north=2)
    group = make_group("Moved", at=far_venue)
    with_meetings(
        group,
        MeetingSpec(**MONDAY_7PM),
        MeetingSpec(
            **TUESDAY_10AM,
            address="Near hall",
            postcode="LS6 2AA",
            latitude=near_venue[0],
            longitude=near_venue[1],
        ),
    )
    make_group("Between", at=offset(LS6, km_north=5))
    results = client.get(API, {"near": "LS6", "radius_km": 10}).json()["results"]
    assert [r["name"] for r in results] == ["Moved", "Between"]
    assert results[0]["distance_km"] == pytest.approx(haversine_km(*LS6, *near_venue), abs=0.01)
    # A meeting online does not count: only its in-person venue is near.
    online_near = make_group("Online near", at=far_venue)
    with_meetings(
        online_near,
        MeetingSpec(**MONDAY_7PM),
        MeetingSpec(
            **TUESDAY_10AM,
            format="online",
            online_url="https://example.org/join",
            address="Near hall",
            latitude=near_venue[0],
            longitude=near_venue[1],
        ),
    )
    assert "Online near" not in names(client, near="LS6", radius_km=10)


def test_paused_groups_stay_in_search_after_those_that_meet(client, make_group, ls6):
    make_group("Aardvark paused", paused=True)
    make_group("Zebra active")
    make_group("Back today", paused=True, paused_until=dt.date.today())
    assert names(client) == ["Back today", "Zebra active", "Aardvark paused"]
    assert names(client, near="LS6")[-1] == "Aardvark paused"


def test_meetings_keep_their_audiences_in_history(make_group):
    group = make_group("Family sessions")
    with_meetings(group, MeetingSpec(**MONDAY_7PM, audiences=(audience("carers_family"),)))
    meeting = Meeting.objects.get(group=group)
    record = meeting.history.latest()
    assert [row.audience.slug for row in record.audiences.all()] == ["carers_family"]
    assert MeetingSpec.of(record) == MeetingSpec.of(meeting)


# What each consumer carries: the API, the group page, HSDS and .ics.


@pytest.fixture
def family_session(make_group) -> Group:
    group = make_group(
        "Family Circle",
        phone="0113 496 0000",
        what_to_expect="Someone meets newcomers at the door.",
        format="hybrid",
        online_url="",
        online_on_request=True,
    )
    return with_meetings(
        group,
        MeetingSpec(**MONDAY_7PM),
        MeetingSpec(
            **TUESDAY_10AM,
            format="online",
            online_url="https://example.org/family",
            audiences=(audience("carers_family"),),
            languages=("pl",),
            note="Family session",
        ),
    )


def test_the_api_carries_each_meetings_values_with_the_groups_as_default(client, family_session):
    item = client.get(f"/api/groups/{family_session.pk}/").json()
    monday, tuesday = item["meetings"]
    assert monday["format"] == "hybrid"
    assert monday["joining"] == {
        "online_url": "",
        "on_request": True,
        "dial_in": "",
        "notes": "",
    }
    assert monday["venue"]["postcode"] == "LS6 1AA"
    assert tuesday["format"] == "online"
    assert tuesday["venue"] is None
    assert tuesday["joining"]["online_url"] == "https://example.org/family"
    assert tuesday["audiences"] == ["carers_family"]
    assert tuesday["languages"] == ["pl"]
    assert item["online_on_request"] is True
    assert item["what_to_expect"] == "Someone meets newcomers at the door."


def test_the_group_page_shows_each_meetings_values(client, family_session):
    page = client.get(family_session.get_absolute_url()).content.decode()
    assert "Contact the group for the link." in page
    assert "For carers and family" in page
    assert "In Polish" in page
    assert "What to expect at a first meeting" in page
    assert "Someone meets newcomers at the door." in page


def test_an_online_group_may_give_its_link_on_request(make_group):
    group = make_group("On request", format="online", online_url="", online_on_request=True)
    assert group.status == "published"
    with pytest.raises(ValidationError):
        save_group(group=group, values=GroupValues(online_on_request=False))


@pytest.fixture
def refuge(make_group) -> Group:
    group = make_group(
        "Women's Refuge Group",
        conditions=("domestic_abuse",),
        address="7 Secret Street",
        postcode="LS6 1AA",
        meetings="Thu 10:00-11:30",
    )
    return with_meetings(
        group,
        MeetingSpec(
            **MONDAY_7PM, address="Other Hall", postcode="LS6 2BB", latitude=53.82, longitude=-1.57
        ),
    )


def test_a_domestic_abuse_groups_venue_is_hidden_by_default(client, refuge, ls6):
    assert refuge.hides_venue
    page = client.get(refuge.get_absolute_url()).content.decode()
    assert "Address given when you contact the group" in page
    for secret in ("7 Secret Street", "LS6 1AA", "Other Hall", "LS6 2BB", "openstreetmap"):
        assert secret not in page
    item = client.get(f"/api/groups/{refuge.pk}/").json()
    text = str(item)
    for secret in ("7 Secret Street", "LS6 1AA", "Other Hall", "LS6 2BB", "53.82"):
        assert secret not in text
    assert item["venue_hidden"] is True
    assert (item["postcode"], item["latitude"], item["longitude"]) == (None, None, None)
    near = client.get(API, {"near": "LS6"}).json()["results"][0]
    assert near["distance_km"] == float(round(near["distance_km"]))


def test_hidden_venues_are_never_sent_in_hsds_or_calendars(client, refuge):
    from exchange import hsds

    service = client.get(f"/api/hsds/services/{hsds.service_id(refuge)}").json()
    calendar = client.get(f"/groups/{refuge.slug}/calendar.ics").content.decode()
    for text in (str(service), calendar):
        for secret in ("7 Secret Street", "LS6 1AA", "Other Hall", "LS6 2BB", "53.82"):
            assert secret not in text
    assert "Address given when you contact the group" in calendar


def test_a_group_may_choose_to_show_its_venue(client, refuge):
    save_group(group=refuge, values=GroupValues(venue_hidden=False))
    page = client.get(refuge.get_absolute_url()).content.decode()
    assert "7 Secret Street" in page


def test_any_group_may_hide_its_venue(client, make_group):
    group = make_group("Private", address="9 Quiet Road", venue_hidden=True)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "9 Quiet Road" not in page
    assert "Address given when you contact the group" in page


def test_hsds_schedules_carry_each_meetings_format_and_values(client, family_session):
    from exchange import hsds

    service = client.get(f"/api/hsds/services/{hsds.service_id(family_session)}").json()
    monday, tuesday = service["schedules"]
    assert (monday["attending_type"], tuesday["attending_type"]) == ("hybrid", "online")
    assert "for carers and family" in tuesday["notes"]
    assert "in Polish" in tuesday["notes"]
    assert service["status"] == "active"
    virtual = [
        s for s in service["service_at_locations"] if s["location"]["location_type"] == "virtual"
    ]
    assert virtual[0]["location"]["description"] == "Contact the group for the link."


def test_a_paused_group_is_temporarily_closed_in_hsds(client, make_group):
    from exchange import hsds

    group = make_group("Paused", paused=True)
    service = client.get(f"/api/hsds/services/{hsds.service_id(group)}").json()
    assert service["status"] == "temporarily closed"
    page = client.get(group.get_absolute_url()).content.decode()
    assert "The group is not meeting for now." in page


def test_a_meeting_that_crosses_midnight_ends_the_next_day_in_its_calendar(client, make_group):
    from icalendar import Calendar

    group = make_group("Night owls", meetings="Mon 23:00-01:00")
    calendar = Calendar.from_ical(client.get(f"/groups/{group.slug}/calendar.ics").content)
    event = next(iter(calendar.walk("VEVENT")))
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert (start.time(), end.time()) == (dt.time(23), dt.time(1))
    assert end.date() == start.date() + dt.timedelta(days=1)


def test_a_paused_groups_calendar_skips_its_dates(client, make_group):
    from icalendar import Calendar

    back = dt.date.today() + dt.timedelta(days=21)
    until_back = make_group("Back soon", meetings="Mon 19:00-20:00", paused=True, paused_until=back)
    calendar = Calendar.from_ical(client.get(f"/groups/{until_back.slug}/calendar.ics").content)
    event = next(iter(calendar.walk("VEVENT")))
    exdates = event["EXDATE"] if isinstance(event["EXDATE"], list) else [event["EXDATE"]]
    skipped = sorted(d.dt.date() for exdate in exdates for d in exdate.dts)
    assert 3 <= len(skipped) <= 4
    assert all(day < back and day.weekday() == 0 for day in skipped)

    no_date = make_group("Stopped for now", meetings="Mon 19:00-20:00", paused=True)
    calendar = Calendar.from_ical(client.get(f"/groups/{no_date.slug}/calendar.ics").content)
    event = next(iter(calendar.walk("VEVENT")))
    assert "UNTIL" in event["RRULE"]


def sheet_and_text(client, group: Group) -> tuple[str, str]:
    html = client.get(f"/groups/{group.slug}/referral/").content.decode()
    text = client.get(f"/groups/{group.slug}/referral.txt").content.decode()
    return html, text


def test_the_sheet_and_patient_page_keep_a_hidden_venue_hidden(client, refuge):
    html, text = sheet_and_text(client, refuge)
    patient = client.get(f"/p/{refuge.pk}/").content.decode()
    for page in (html, text, patient):
        assert "Address given when you contact the group" in page
        for secret in ("7 Secret Street", "LS6 1AA", "Other Hall", "LS6 2BB"):
            assert secret not in page


def test_the_sheet_says_a_meetings_own_values_and_the_link_on_request(client, family_session):
    html, text = sheet_and_text(client, family_session)
    own = "Online; join at https://example.org/family; for carers and family; in Polish."
    for page in (html, " ".join(text.split())):
        assert own in page
        assert "Join online: contact the group for the link" in page


def test_the_sheet_skips_a_paused_groups_dates_and_says_it_is_paused(client, make_group):
    today = dt.date.today()
    back = today + dt.timedelta(days=15)
    group = make_group("Back soon", meetings="Mon 19:00-20:00", paused=True, paused_until=back)
    first = back + dt.timedelta(days=(0 - back.weekday()) % 7)
    mondays = [first + dt.timedelta(weeks=n) for n in range(3)]
    html, text = sheet_and_text(client, group)
    shown = [f"<strong>{d:%A} {d.day} {d:%B}</strong>" for d in mondays]
    assert ", ".join(shown) in html
    assert f"{mondays[0]:%A} {mondays[0].day} {mondays[0]:%B}" in text
    assert "Paused: meets again from" in html and "Paused: meets again from" in text
    save_group(group=group, values=GroupValues(paused_until=None))
    html, _ = sheet_and_text(client, group)
    assert "Next:" not in html
    assert "Paused: not meeting for now" in html


def test_the_sheet_uses_the_groups_own_words_on_a_first_meeting(client, make_group):
    group = make_group("Own words", what_to_expect="Someone meets newcomers at the door.")
    html, text = sheet_and_text(client, group)
    assert "Someone meets newcomers at the door." in html
    assert "Someone meets newcomers at the door." in text
