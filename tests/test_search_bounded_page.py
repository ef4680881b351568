"""A page of results near a place is read from the matches within the band of its last
result (search.page_radius: each band checked, nearest first, for enough matches), not from every
match in the radius: every page must hold the same groups in the same order as the plain
sort of all of them (issue 14 point 8's order), whatever the filters.

PostgreSQL only: SQLite reads every match, as before.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from dataclasses import replace

import pytest
from django.db import connection

from groups.models import (
    Audience,
    Condition,
    Format,
    Group,
    GroupType,
    Meeting,
    Orientation,
    meeting_keys,
    search_codes,
)
from groups.search import Criteria, page_radius, paginate, search_groups
from tests.conftest import LS6, offset

pytestmark = pytest.mark.django_db

PAGE = 5
TODAY = dt.date(2026, 12, 8)


@pytest.fixture(autouse=True)
def _postgresql_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (SQLite reads every match)")
    settings.SEARCH_PAGE_SIZE = PAGE


def _meeting(group: Group, rng: random.Random, at: tuple[float, float] | None) -> Meeting:
    latitude, longitude = at if at else (None, None)
    return Meeting(
        group=group,
        weekday=rng.randint(0, 6),
        start_time=dt.time(rng.choice([10, 14, 19]), 0),
        end_time=dt.time(rng.choice([11, 15, 20]), 30),
        format=rng.choice(["", "", Format.IN_PERSON, Format.ONLINE]),
        latitude=latitude,
        longitude=longitude,
        address="Church hall" if at else "",
    )


def _keys(meeting: Meeting) -> set[str]:
    return meeting_keys(
        weekday=meeting.weekday,
        start_time=meeting.start_time,
        format=meeting.format,
        audience_ids=[],
        own_venue=meeting.has_own_venue,
        step_free=meeting.step_free,
    )


@pytest.fixture
def around_leeds(make_group) -> None:
    """240 groups up to 45 km from LS6 (every band), a fifth paused or out of date, some
    online only, and 12 whose meetings have venues of their own, some of those nearer than
    their group's own position."""
    rng = random.Random(18)
    model = make_group("Model", meetings="")
    conditions = {c.slug: c for c in Condition.objects.all()}
    audience = Audience.objects.get(slug="women")
    types = list(GroupType.objects.all())
    stale = TODAY - dt.timedelta(days=500)
    groups = []
    for n in range(240):
        group = copy.copy(model)
        group.pk, group.slug, group.name = None, f"g-{n}", f"Group {n % 37:02d}"
        chosen = rng.sample(["alcohol", "drugs", "gambling"], k=rng.randint(1, 2))
        group.condition_ids = sorted(conditions[c].pk for c in chosen)
        group.orientation = rng.choice(
            [Orientation.INWARD, Orientation.OUTWARD, Orientation.HYBRID]
        )
        group.group_type = rng.choice(types)
        group.last_verified = rng.choice([TODAY, TODAY, TODAY, stale])
        group.paused = rng.random() < 0.15
        group.paused_until = (
            TODAY + dt.timedelta(days=rng.choice([-3, 30])) if group.paused else None
        )
        group.format = rng.choice([Format.IN_PERSON] * 6 + [Format.HYBRID] * 2 + [Format.ONLINE])
        if group.format == Format.ONLINE:
            group.latitude = group.longitude = None
            group.online_url = "https://example.org/join"
        else:
            km = rng.uniform(0, 45)
            angle = rng.uniform(0, 2 * math.pi)
            north, east = km * math.cos(angle), km * math.sin(angle)
            group.latitude, group.longitude = offset(LS6, km_north=north, km_east=east)
            if group.format == Format.HYBRID:
                group.online_url = "https://example.org/join"
        group.has_meeting_venues = group.format != Format.ONLINE and n % 20 == 0
        group._chosen = chosen
        groups.append(group)
    Group.objects.bulk_create(groups)
    meetings, tagged, for_women = [], [], []
    for group in groups:
        # Tag rows in bulk: a statement a group made this fixture most of these tests' time.
        tagged += [
            Group.conditions.through(group=group, condition=conditions[c]) for c in group._chosen
        ]
        if rng.random() < 0.3:
            for_women.append(Group.audiences.through(group=group, audience=audience))
        if group.has_meeting_venues:
            # Nearer (or further) than the group's own position.
            venue = offset(LS6, km_north=rng.uniform(0, 6), km_east=rng.uniform(0, 3))
            meetings += [_meeting(group, rng, venue), _meeting(group, rng, None)]
        else:
            meetings += [_meeting(group, rng, None) for _ in range(rng.randint(0, 2))]
    Meeting.objects.bulk_create(meetings)
    Group.conditions.through.objects.bulk_create(tagged)
    Group.audiences.through.objects.bulk_create(for_women)
    # What save_group keeps of the meetings and audiences, for the search.
    women = {link.group_id for link in for_women}
    for group in groups:
        own = [m for m in meetings if m.group is group]
        group.has_meetings = bool(own)
        group.audience_ids = [audience.pk] if group.pk in women else []
        group.meeting_keys = sorted(set().union(*(_keys(m) for m in own)))
        group.search_codes = search_codes(
            group.meeting_keys,
            format=group.format,
            audience_ids=group.audience_ids,
            step_free=group.step_free,
        )
    Group.objects.bulk_update(
        groups, ["has_meetings", "audience_ids", "meeting_keys", "search_codes"]
    )


def pages(criteria: Criteria, *, bounded: bool) -> list[tuple[int, bool, list[int]]]:
    """(count, count_is_lower_bound, ids) of every page."""
    found = []
    number = 1
    while True:
        page = paginate(search_groups(criteria), number, criteria=criteria if bounded else None)
        found.append(
            (page.paginator.count, page.paginator.count_is_lower_bound, [g.pk for g in page])
        )
        if not page.has_next():
            return found
        number += 1


SEARCHES = {
    "near": {},
    "condition": {"conditions": ["alcohol"]},
    "conditions and orientation, 50 km": {
        "conditions": ["alcohol", "drugs"],
        "orientation": Orientation.INWARD,
        "radius_km": 50.0,
    },
    "day and format": {"day": 1, "format": Format.IN_PERSON},
    "audience": {"audiences": ["women"]},
    "with online groups": {"include_online": True},
    "online format": {"format": Format.ONLINE},
    "keyword": {"q": "group"},
    "5 km": {"radius_km": 5.0},
}


@pytest.mark.parametrize("name", list(SEARCHES))
def test_every_page_holds_what_the_plain_sort_gives(around_leeds, name):
    values = dict(SEARCHES[name])
    if "conditions" in values:
        values["conditions"] = list(Condition.objects.filter(slug__in=values["conditions"]))
    if "audiences" in values:
        values["audiences"] = list(Audience.objects.filter(slug__in=values["audiences"]))
    criteria = Criteria(point=LS6, today=TODAY, **values)
    plain = pages(criteria, bounded=False)
    assert sum(len(ids) for _, _, ids in plain) > PAGE  # more than one page to compare
    assert pages(criteria, bounded=True) == plain


def page_radius_km(criteria: Criteria, first: int) -> float:
    """The radius a page's statement computes for itself, read alone."""
    return Group.objects.annotate(km=page_radius(criteria, first)).values_list("km", flat=True)[0]


def test_a_page_near_a_place_reads_only_the_nearest_bands(around_leeds):
    criteria = Criteria(point=LS6, radius_km=50.0, today=TODAY)
    first = page_radius_km(criteria, PAGE)
    assert first < 5  # within 2 miles (3.2 km)
    assert 5 < page_radius_km(criteria, 8 * PAGE) < 50
    # Fewer matches than the page needs: the whole radius.
    assert page_radius_km(replace(criteria, radius_km=0.2), PAGE) == 0.2


def test_groups_whose_meetings_are_nearer_than_their_own_position_come_first(make_group):
    """A group with a meeting venue of its own is as near as its nearest meeting, though
    the probe reads only groups by their own position."""
    for n in range(2 * PAGE):
        make_group(f"Near {n}", at=offset(LS6, km_north=1 + n / 10))
    far = make_group("Far", at=offset(LS6, km_north=14))
    Meeting.objects.create(
        group=far,
        weekday=2,
        start_time=dt.time(19),
        end_time=dt.time(20),
        address="Hall",
        latitude=LS6[0],
        longitude=LS6[1],
    )
    Group.objects.filter(pk=far.pk).update(has_meeting_venues=True)
    criteria = Criteria(point=LS6, today=TODAY)
    assert page_radius_km(criteria, PAGE) < 5
    first = paginate(search_groups(criteria), 1, criteria=criteria)
    assert first[0].name == "Far"
