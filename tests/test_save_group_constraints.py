"""save_group leaves the database to check its constraints as it writes (asking it
first, one query per constraint per row, cost three quarters of a sync's time), and a
refusal still comes back as a ValidationError that names the rule, with nothing written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from groups.models import Condition, Group, GroupType
from groups.services import GroupValues, MeetingSpec, save_group

pytestmark = pytest.mark.django_db


def values(**overrides) -> GroupValues:
    fields = {
        "name": "Somewhere Group",
        "orientation": "inward",
        "group_type": GroupType.objects.get(slug="peer_support"),
        "format": "in_person",
        "status": "published",
        **overrides,
    }
    return GroupValues(**fields)


def test_a_published_group_with_no_place_is_refused_in_words(db):
    with pytest.raises(ValidationError) as caught:
        save_group(values=values(), conditions=Condition.objects.filter(slug="alcohol"))

    # The model says it in an organiser's words before the database's constraint would.
    assert "We cannot find where the group meets" in " ".join(caught.value.messages)
    assert not Group.objects.exists()


def test_a_latitude_off_the_earth_is_refused_and_nothing_is_kept(db):
    import datetime as dt

    with pytest.raises(ValidationError) as caught:
        save_group(
            values=values(latitude=95.0, longitude=1.0),
            conditions=Condition.objects.filter(slug="alcohol"),
            meetings=[MeetingSpec(weekday=0, start_time=dt.time(19), end_time=dt.time(20))],
        )

    assert "group_latitude_in_range" in " ".join(caught.value.messages)
    assert not Group.objects.exists() and not Group.history.exists()
