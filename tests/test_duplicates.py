"""The one duplicate rule (groups/duplicates.py): the same normalised name within 200 m,
or the same venue with a meeting at the same time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.duplicates import (
    Candidate,
    Slot,
    duplicate_reason,
    normalise_name,
    possible_duplicates,
)
from tests.conftest import LS6, offset

TUESDAY_7PM = Slot(1, dt.time(19, 0))


def at(point, name="Hyde Park Recovery", postcode="", slots=(TUESDAY_7PM,)) -> Candidate:
    return Candidate(
        name=name, latitude=point[0], longitude=point[1], postcode=postcode, slots=frozenset(slots)
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Hyde Park Group", "hyde park"),
        ("Hyde-Park Recovery Meeting", "HYDE PARK RECOVERY"),
        ("St. Mary's Al-Anon", "st marys al anon"),
        ("Ça va Café", "ÇA VA CAFÉ group"),
    ],
)
def test_it_normalises_names_alike(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_names_that_differ_in_a_word_that_counts_stay_different():
    assert normalise_name("Hyde Park Women") != normalise_name("Hyde Park Men")
    assert normalise_name("Thespians") == "thespians"  # "the" only as a word


def test_the_same_name_within_200_metres_is_a_duplicate():
    reason = duplicate_reason(
        at(LS6), at(offset(LS6, km_north=0.15), name="The Hyde Park Recovery Group")
    )
    assert reason == "The same name, 150 m away"


def test_the_same_name_further_away_is_not():
    assert duplicate_reason(at(LS6), at(offset(LS6, km_north=0.25))) is None


def test_a_name_of_only_ignored_words_matches_nothing():
    a, b = at(LS6, name="The Group", slots=()), at(LS6, name="Meeting", slots=())
    assert duplicate_reason(a, b) is None


def test_without_coordinates_the_name_alone_is_not_enough():
    online = Candidate(name="Hyde Park Recovery", slots=frozenset({TUESDAY_7PM}))
    assert duplicate_reason(online, online) is None


def test_the_same_postcode_and_meeting_time_is_a_duplicate():
    a = at(LS6, name="Monday Circle", postcode="LS6 1AA")
    b = at(offset(LS6, km_east=0.5), name="Other name", postcode="ls61aa")
    assert duplicate_reason(a, b) == "The same venue (at ls61aa), meeting on Tuesdays at 7pm"


def test_the_same_venue_at_another_time_is_not():
    a = at(LS6, name="Monday Circle", postcode="LS6 1AA")
    b = at(LS6, name="Other name", postcode="LS6 1AA", slots=[Slot(1, dt.time(19, 30))])
    assert duplicate_reason(a, b) is None
    c = at(LS6, name="Other name", postcode="LS6 1AA", slots=[Slot(2, dt.time(19, 0))])
    assert duplicate_reason(a, c) is None


def test_within_50_metres_is_the_same_venue():
    a = at(LS6, name="Monday Circle", postcode="LS6 1AA")
    near = at(offset(LS6, km_north=0.04), name="Other", postcode="LS6 2BB")
    assert duplicate_reason(a, near) == "The same venue (40 m away), meeting on Tuesdays at 7pm"
    further = at(offset(LS6, km_north=0.08), name="Other", postcode="LS6 2BB")
    assert duplicate_reason(a, further) is None


def test_a_listing_is_not_its_own_duplicate():
    a = Candidate(name="X", latitude=LS6[0], longitude=LS6[1], pk=7)
    assert duplicate_reason(a, a) is None


# Against the database.


@pytest.mark.django_db
def test_it_finds_listed_and_waiting_groups_nearest_first(make_group):
    far = make_group("Hyde Park Recovery", at=offset(LS6, km_north=0.18))
    near = make_group(
        "The Hyde Park Recovery Group", at=offset(LS6, km_north=0.05), status="pending"
    )
    make_group("Hyde Park Recovery", at=offset(LS6, km_north=0.3))  # too far
    make_group("Hyde Park Recovery", at=offset(LS6, km_north=0.01), status="archived")
    make_group("Something else", at=LS6, postcode="LS6 9ZZ", meetings="Wed 19:00-20:00")
    found = possible_duplicates(at(LS6))
    assert [(d.group, d.reason) for d in found] == [
        (near, "The same name, 50 m away"),
        (far, "The same name, 180 m away"),
    ]


@pytest.mark.django_db
def test_it_finds_a_group_at_the_same_postcode_however_it_was_typed(make_group):
    other = make_group("Tuesday Fellowship", at=offset(LS6, km_east=2), postcode="LS6 1AA")
    candidate = at(LS6, name="New group", postcode="ls61aa")
    (found,) = possible_duplicates(candidate)
    assert found.group == other
    assert found.reason == "The same venue (at LS6 1AA), meeting on Tuesdays at 7pm"


@pytest.mark.django_db
def test_a_saved_group_is_compared_without_itself(make_group):
    group = make_group("Hyde Park Recovery")
    assert possible_duplicates(Candidate.of_group(group)) == []
    twin = make_group("Hyde Park Recovery", postcode="LS6 2BB")
    assert [d.group for d in possible_duplicates(Candidate.of_group(group))] == [twin]


@pytest.mark.django_db
def test_it_reads_only_the_groups_near_it_in_two_queries(make_group):
    for n in range(5):
        make_group(f"Far group {n}", at=offset(LS6, km_north=5 + n), postcode="LS16 1AA")
    make_group("Hyde Park Recovery", at=offset(LS6, km_north=0.1))
    with CaptureQueriesContext(connection) as queries:
        found = possible_duplicates(at(LS6, postcode="LS6 1AA"))
    assert len(found) == 1
    assert len(queries) == 2  # the groups in the box or at the postcode; their meetings
    box = "earth_box" if connection.vendor == "postgresql" else '"latitude" >='
    assert box in queries[0]["sql"]


@pytest.mark.django_db
def test_callers_choose_which_groups_to_compare_with(make_group):
    from groups.models import Group

    draft = make_group("Hyde Park Recovery", status="draft")
    assert possible_duplicates(at(LS6)) == []
    assert [d.group for d in possible_duplicates(at(LS6), among=Group.objects.all())] == [draft]


# --- A meeting's own venue (issue 15 point 2: a meeting may meet elsewhere) --------------

OTHER_HALL = offset(LS6, km_north=2)


def test_a_meeting_at_a_venue_of_its_own_is_compared_there():
    """Two groups at different halls, whose Tuesday meetings are both at another hall."""
    away = Slot(
        1, dt.time(19, 0), postcode="LS6 2BB", latitude=OTHER_HALL[0], longitude=OTHER_HALL[1]
    )
    a = at(LS6, name="Monday Circle", postcode="LS6 1AA", slots=[away])
    b = at(offset(LS6, km_east=3), name="Other name", postcode="LS4 2AA", slots=[away])
    c = at(OTHER_HALL, name="Other name", postcode="LS6 2BB")

    assert duplicate_reason(a, b) == "The same venue (at LS6 2BB), meeting on Tuesdays at 7pm"
    assert duplicate_reason(a, c) == "The same venue (at LS6 2BB), meeting on Tuesdays at 7pm"
    assert duplicate_reason(at(LS6, name="Monday Circle", postcode="LS6 1AA"), b) is None


@pytest.mark.django_db
def test_it_finds_a_group_whose_meeting_is_at_the_candidates_venue(make_group):
    from groups.models import Group
    from groups.services import GroupValues, MeetingSpec, save_group

    far = make_group("Far Circle", at=offset(LS6, km_north=5), postcode="LS16 1AA")
    save_group(
        group=far,
        values=GroupValues(),
        meetings=[
            MeetingSpec(
                weekday=1, start_time=dt.time(19), end_time=dt.time(20), address="Other Hall",
                town="Leeds", postcode="LS6 2BB", latitude=OTHER_HALL[0], longitude=OTHER_HALL[1],
            )
        ],
    )  # fmt: skip
    make_group("Elsewhere", at=offset(LS6, km_north=9), postcode="LS17 1AA")

    with CaptureQueriesContext(connection) as queries:
        found = possible_duplicates(at(OTHER_HALL, name="Hall group", postcode="LS6 2BB"))

    assert [(d.group, d.reason) for d in found] == [
        (Group.objects.get(pk=far.pk), "The same venue (at LS6 2BB), meeting on Tuesdays at 7pm")
    ]
    assert len(queries) == 2
