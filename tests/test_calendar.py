"""The iCalendar feed of a group's meetings (issue 5, point 2), parsed with icalendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.template.loader import render_to_string
from django.test import RequestFactory
from icalendar import Calendar

from groups.importing import parse_meetings
from groups.models import nth_weekday
from groups.services import GroupValues, save_group

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
VERIFIED = dt.date(2026, 3, 4)  # a Wednesday


def feed(client, group) -> Calendar:
    response = client.get(f"/groups/{group.slug}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict[str, dict]:
    """Each event by its RRULE as text, with what the tests look at."""
    found = {}
    for event in cal.walk("VEVENT"):
        rule = event["RRULE"].to_ical().decode()
        found[rule] = {
            "start": event["DTSTART"].dt,
            "end": event["DTEND"].dt,
            "tzid": event["DTSTART"].params.get("TZID"),
            "end_tzid": event["DTEND"].params.get("TZID"),
            "uid": str(event["UID"]),
            "event": event,
        }
    return found


@pytest.fixture
def group(make_group):
    return make_group(
        "Tuesday Circle",
        meetings="Tue 19:00-20:30; alt Wed 14:00-15:30 from 2026-01-07; "
        "2nd Mon 18:00-19:30; last Fri 19:00-20:30 (Bring a friend)",
        last_verified=VERIFIED,
    )


def test_it_writes_each_recurrence_as_an_rrule(client, group):
    found = events(feed(client, group))

    assert set(found) == {
        "FREQ=WEEKLY;BYDAY=TU",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
        "FREQ=MONTHLY;BYDAY=2MO",
        "FREQ=MONTHLY;BYDAY=-1FR",
    }


def test_dtstart_is_the_first_meeting_in_london_time(client, group):
    found = events(feed(client, group))

    assert found["FREQ=WEEKLY;BYDAY=TU"]["start"] == dt.datetime(2026, 3, 10, 19, 0, tzinfo=LONDON)
    # Fortnightly starts on its anchor date, so the weeks are the right ones.
    assert found["FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"]["start"] == dt.datetime(
        2026, 1, 7, 14, 0, tzinfo=LONDON
    )
    assert found["FREQ=MONTHLY;BYDAY=2MO"]["start"].date() == nth_weekday(2026, 3, 0, 2)
    assert found["FREQ=MONTHLY;BYDAY=-1FR"]["start"].date() == dt.date(2026, 3, 27)
    assert found["FREQ=MONTHLY;BYDAY=-1FR"]["end"] == dt.datetime(
        2026, 3, 27, 20, 30, tzinfo=LONDON
    )
    for event in found.values():
        assert event["tzid"] == event["end_tzid"] == "Europe/London"
        assert event["start"].tzinfo is not None


def test_it_defines_the_london_time_zone_with_summer_time(client, group):
    cal = feed(client, group)
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    daylight = zones[0].walk("DAYLIGHT")[0]
    assert daylight["TZOFFSETTO"].td == dt.timedelta(hours=1)
    assert dict(daylight["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    # 7pm on a Tuesday in July is 6pm UTC.
    start = events(cal)["FREQ=WEEKLY;BYDAY=TU"]["start"]
    july = start.replace(month=7, day=7)
    assert july.astimezone(dt.UTC).hour == 18


def test_it_leaves_out_a_fortnightly_meeting_without_an_anchor_and_says_why(client, make_group):
    group = make_group(meetings="Tue 19:00-20:30; alt Thu 10:00-11:00")

    found = events(feed(client, group))

    assert list(found) == ["FREQ=WEEKLY;BYDAY=TU"]
    request = RequestFactory().get(group.get_absolute_url())
    request.session = SessionStore()
    html = render_to_string("referrals/_group_actions.html", {"group": group}, request=request)
    assert "leaves out the meeting every other thursday, 10am to 11am" in html.lower()
    assert "we do not know which weeks" in html
    assert f"/groups/{group.slug}/calendar.ics" in html


def test_a_group_without_dated_meetings_has_an_empty_feed_and_no_link(client, make_group):
    group = make_group(meetings="alt Thu 10:00-11:00")

    cal = feed(client, group)

    assert cal.walk("VEVENT") == []
    request = RequestFactory().get("/")
    request.session = SessionStore()
    html = render_to_string("referrals/_group_actions.html", {"group": group}, request=request)
    assert "calendar.ics" not in html


def test_uids_are_stable_and_survive_a_change_of_time(client, group):
    first = {rule: e["uid"] for rule, e in events(feed(client, group)).items()}
    again = {rule: e["uid"] for rule, e in events(feed(client, group)).items()}
    assert first == again
    assert len(set(first.values())) == 4

    save_group(
        group=group,
        values=GroupValues(),
        meetings=parse_meetings(
            "Tue 19:30-21:00; alt Wed 14:00-15:30 from 2026-01-07; "
            "2nd Mon 18:00-19:30; last Fri 19:00-20:30"
        ),
    )
    after = {rule: e["uid"] for rule, e in events(feed(client, group)).items()}
    assert after == first


def test_events_say_what_and_where(client, group):
    event = events(feed(client, group))["FREQ=MONTHLY;BYDAY=-1FR"]["event"]

    assert str(event["SUMMARY"]) == "Tuesday Circle"
    assert "Bring a friend" in str(event["DESCRIPTION"])
    assert "UK time" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"http://testserver/groups/{group.slug}/"
    assert "LS6 1AA" in str(event["LOCATION"])


def test_only_published_groups_have_a_feed(client, make_group):
    group = make_group(status="pending")
    assert client.get(f"/groups/{group.slug}/calendar.ics").status_code == 404
