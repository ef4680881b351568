"""Issue 14 point 1: a group that closed still answers where its QR code leads."""

import datetime as dt

import pytest
from icalendar import Calendar

from groups.models import Group, Status
from groups.services import GroupValues, save_group
from tests.conftest import LS6, offset


@pytest.fixture
def closed_group(make_group):
    group = make_group(
        "Old Mill Recovery Circle",
        conditions=("alcohol", "depression"),
        email="oldmill@example.org",
        phone="0113 496 0999",
        website="https://example.org/oldmill",
        address="The Old Mill, 1 Mill Lane",
    )
    return save_group(
        group=group, values=GroupValues(status=Status.ARCHIVED, archived_reason="closed")
    )


def test_archiving_dates_the_group_and_reopening_clears_the_date(closed_group):
    assert closed_group.archived_on == dt.date.today()
    reopened = save_group(group=closed_group, values=GroupValues(status=Status.DRAFT))
    assert reopened.archived_on is None


def test_its_page_answers_200_with_since_when_and_never_the_old_contact_details(
    client, closed_group
):
    response = client.get(f"/groups/{closed_group.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Old Mill Recovery Circle" in page
    assert f"no longer meets (since {dt.date.today():%-d %B %Y})" in page
    for old in ("oldmill@example.org", "0113 496 0999", "example.org/oldmill", "Mill Lane"):
        assert old not in page
    assert '<meta name="robots" content="noindex">' in page


def test_it_offers_the_three_nearest_published_groups_that_share_a_condition(
    client, make_group, closed_group
):
    for km, name in ((1, "One"), (2, "Two"), (3, "Three"), (4, "Four")):
        make_group(name, conditions=("depression",), at=offset(LS6, km_north=km))
    make_group("Nearer but gambling", conditions=("gambling",), at=offset(LS6, km_north=0.5))
    make_group("Nearer but pending", status="pending", at=offset(LS6, km_north=0.5))
    page = client.get(f"/groups/{closed_group.slug}/").content.decode()
    found = [n for n in ("One", "Two", "Three", "Four", "Nearer but") if f">{n}" in page]
    assert found == ["One", "Two", "Three"]


def test_a_draft_or_rejected_group_is_still_404(client, make_group):
    for status in ("draft", "pending", "rejected"):
        group = make_group(status=status)
        assert client.get(f"/groups/{group.slug}/").status_code == 404


def test_its_calendar_stops_on_the_day_it_closed(client, closed_group):
    response = client.get(f"/groups/{closed_group.slug}/calendar.ics")
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert events
    for event in events:
        until = event["RRULE"]["UNTIL"][0]
        assert until.tzinfo is not None and until.utcoffset() == dt.timedelta(0)
        assert until.astimezone(dt.UTC) <= dt.datetime.combine(
            closed_group.archived_on, dt.time(0, 0), tzinfo=dt.UTC
        )


def test_a_published_groups_calendar_has_no_end(client, published_group):
    events = Calendar.from_ical(
        client.get(f"/groups/{published_group.slug}/calendar.ics").content
    ).walk("VEVENT")
    assert all("UNTIL" not in event["RRULE"] for event in events)
    assert Group.objects.get(pk=published_group.pk).archived_on is None
