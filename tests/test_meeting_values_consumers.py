"""The consumers issue 15 point 2 lists carry each meeting's own values: here the .ics
feed (each event at its meeting's own place, with its own joining details and who it is
for) and the patient page a sheet's QR code opens. The API, HSDS, the sheet, the CSV
round trip and the Meeting Guide feed have theirs in test_meeting_values.py,
test_hsds_meeting_locations.py, test_export.py and test_meeting_guide_feed.py."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from groups.models import Audience, Group
from groups.services import GroupValues, MeetingSpec, save_group
from tests.conftest import LS6, offset
from tests.test_meeting_values import family_session  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

MONDAY = {"weekday": 0, "start_time": dt.time(19), "end_time": dt.time(20)}
TUESDAY = {"weekday": 1, "start_time": dt.time(10), "end_time": dt.time(11)}
WEDNESDAY = {"weekday": 2, "start_time": dt.time(18), "end_time": dt.time(19, 30)}
OTHER_HALL = offset(LS6, km_north=2)


@pytest.fixture
def three_ways(make_group) -> Group:
    """Mondays at the group's hall; Tuesdays online with a link of their own, for carers
    and family; Wednesdays at another hall of their own."""
    group = make_group("Three Ways", address="St Michael's Hall")
    return save_group(
        group=group,
        values=GroupValues(),
        meetings=[
            MeetingSpec(**MONDAY),
            MeetingSpec(
                **TUESDAY, format="online", online_url="https://example.org/family",
                audiences=(Audience.objects.get(slug="carers_family"),),
            ),
            MeetingSpec(
                **WEDNESDAY, address="Other Hall", town="Leeds", postcode="LS6 2BB",
                latitude=OTHER_HALL[0], longitude=OTHER_HALL[1],
            ),
        ],
    )  # fmt: skip


def events_by_day(client, group: Group) -> dict[str, dict]:
    body = client.get(f"/groups/{group.slug}/calendar.ics").content
    events = Calendar.from_ical(body).walk("VEVENT")
    return {event.decoded("dtstart").strftime("%A"): event for event in events}


def test_each_calendar_event_is_at_its_meetings_own_place_with_its_own_joining(client, three_ways):
    events = events_by_day(client, three_ways)

    assert str(events["Monday"]["location"]) == "St Michael's Hall, Leeds, LS6 1AA"
    assert str(events["Tuesday"]["location"]) == "Online: https://example.org/family"
    assert "for carers and family" in str(events["Tuesday"]["description"])
    assert str(events["Wednesday"]["location"]) == "Other Hall, Leeds, LS6 2BB"
    assert "for carers and family" not in str(events["Wednesday"]["description"])


def test_the_patient_page_says_each_meetings_own_values(
    client,
    family_session,  # noqa: F811
):
    page = " ".join(client.get(f"/p/{family_session.pk}/").content.decode().split())

    assert "Online; join at https://example.org/family; for carers and family; in Polish." in page
    assert "contact the group for the link" in page.lower()
