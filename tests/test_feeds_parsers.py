"""Each format into the one intermediate form (issue 14, point 1's formats), read as
each format's documentation defines it."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from feeds import jsonstream
from feeds.intermediate import FeedError
from feeds.parsers import bmlt, hsds, meeting_guide
from tests.support.feeds import fixture

pytestmark = pytest.mark.django_db  # conftest's autouse cache fixture needs the database


def meeting(**values):
    return {"name": "Serenity", "slug": "serenity", "day": 1, "time": "19:00", **values}


def test_meeting_guide_days_run_from_sunday_and_may_be_a_list():
    feed = meeting_guide.parse([meeting(day=[0, 6]), meeting(slug="m", name="Monday", day=1)])

    days = sorted((m.name, m.weekday) for g in feed.groups for m in g.meetings)
    assert days == [("Monday", 0), ("Serenity", 5), ("Serenity", 6)]  # ours: 0 is Monday


def test_meeting_guide_end_time_defaults_to_an_hour_later():
    (group,) = meeting_guide.parse([meeting(time="23:30")]).groups

    assert (group.meetings[0].start, group.meetings[0].end) == (dt.time(23, 30), dt.time(0, 30))


@pytest.mark.parametrize(
    ("values", "attendance"),
    [
        ({"attendance_option": "hybrid", "conference_url": "https://zoom.us/j/1"}, "hybrid"),
        ({"conference_url": "https://zoom.us/j/1", "formatted_address": "Leeds, UK",
          "approximate": "yes"}, "online"),
        ({"conference_url": "https://zoom.us/j/1", "address": "1 High Street"}, "hybrid"),
        ({"address": "1 High Street"}, ""),  # the codes decide, else in person
    ],
)  # fmt: skip
def test_meeting_guide_attendance(values, attendance):
    (group,) = meeting_guide.parse([meeting(**values)]).groups

    assert group.meetings[0].attendance == attendance


def test_meeting_guide_inactive_is_closed_and_links_must_be_web_links():
    (group,) = meeting_guide.parse(
        [meeting(attendance_option="inactive", conference_url="javascript:alert(1)")]
    ).groups

    assert group.closed and group.meetings[0].online_url == ""


def test_meeting_guide_splits_a_uk_formatted_address():
    (group,) = meeting_guide.parse(
        [meeting(formatted_address="Quaker House, 12 High Street, York YO1 7HX, UK")]
    ).groups

    place = group.place
    assert (place.street, place.town, place.postcode) == (
        "Quaker House, 12 High Street",
        "York",
        "YO1 7HX",
    )


def test_meeting_guide_feed_must_be_an_array():
    with pytest.raises(FeedError, match="array"):
        meeting_guide.parse({"meetings": []})


def test_same_name_at_the_same_place_is_one_group_elsewhere_two():
    feed = meeting_guide.parse(
        [
            meeting(slug="a", postal_code="LS6 3AW"),
            meeting(slug="b", day=4, postal_code="ls63aw"),
            meeting(slug="c", postal_code="LS7 4NB"),
        ]
    )

    assert sorted(len(g.meetings) for g in feed.groups) == [1, 2]


def test_bmlt_weekday_one_is_sunday_and_duration_sets_the_end():
    (group,) = bmlt.parse(
        [{"id_bigint": "1", "meeting_name": "JFT", "weekday_tinyint": "1",
          "start_time": "19:30:00", "duration_time": "01:30:00", "venue_type": "2",
          "virtual_meeting_link": "https://zoom.us/j/2"}]
    ).groups  # fmt: skip

    m = group.meetings[0]
    assert (m.weekday, m.start, m.end, m.attendance) == (6, dt.time(19, 30), dt.time(21), "online")


def test_bmlt_reads_the_used_formats_response_too():
    feed = bmlt.parse({"meetings": fixture("bmlt.json"), "formats": []})

    assert len(feed.groups) == 6


def test_hsds_schedules():
    page = fixture("hsds_page1.json")

    feed = hsds.parse([page])

    voices = next(g for g in feed.groups if g.name == "Leeds Hearing Voices Group")
    m = voices.meetings[0]
    assert (m.recurrence, m.week_of_month, m.weekday) == ("monthly", 2, 1)
    carers = next(g for g in feed.groups if g.name.startswith("Carers"))
    assert carers.closed
    assert carers.meetings[0].anchor_date == dt.date(2026, 1, 7)
    assert voices.codes == ("psychosis",)


def test_hsds_pages_must_be_pages():
    with pytest.raises(FeedError, match="contents"):
        hsds.parse([[{"id": "1"}]])


@pytest.mark.parametrize("chunk", [1, 2, 7, 4096])
def test_a_large_array_is_read_one_element_at_a_time_whatever_the_chunks(chunk):
    """Welsh letters split across chunks, and numbers that run on into the next chunk."""
    document = '[ {"name": "Grŵp Adferiad", "day": 4}, 1234567, "Życie" , [1, 2]]'
    stream = io.BytesIO(document.encode())

    assert list(jsonstream.items(stream, chunk=chunk)) == [
        {"name": "Grŵp Adferiad", "day": 4}, 1234567, "Życie", [1, 2],
    ]  # fmt: skip


@pytest.mark.parametrize("document", [b"[1,]", b"[1 2]", b"[1", b"[1] x", b"[\xff]"])
def test_a_broken_array_is_a_feed_error(document):
    with pytest.raises(FeedError):
        list(jsonstream.items(io.BytesIO(document), chunk=2))


def test_something_other_than_an_array_says_what_it_starts_with():
    with pytest.raises(jsonstream.NotAnArray) as caught:
        list(jsonstream.items(io.BytesIO(b' {"meetings": []}')))

    assert caught.value.first == "{"
