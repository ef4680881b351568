"""create_groups(), save_group()'s rules for many new groups at once (a meeting list's
first import): the same groups, tags, meetings and history, in a few statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Audience, Condition, Group, GroupType, Meeting, Status
from groups.services import GroupValues, MeetingSpec, NewGroup, create_groups, save_group

pytestmark = pytest.mark.django_db


def new(name: str, **values: Any) -> NewGroup:
    return NewGroup(
        values=GroupValues(
            name=name,
            group_type=GroupType.objects.get(slug="twelve_step"),
            format="in_person",
            address="1 High Street",
            town="Leeds",
            postcode="LS6 1AA",
            latitude=53.82,
            longitude=-1.58,
            status=Status.PENDING,
            orientation="inward",
            **values,
        ),
        conditions=tuple(Condition.objects.filter(slug__in=["alcohol", "drugs"])),
        audiences=tuple(Audience.objects.filter(slug="women")),
        meetings=(
            MeetingSpec(weekday=0, start_time=dt.time(19), end_time=dt.time(20)),
            MeetingSpec(
                weekday=5,
                start_time=dt.time(10),
                end_time=dt.time(11),
                joining_notes="Ring the bell",
                audiences=tuple(Audience.objects.filter(slug="carers_family")),
            ),
        ),
    )


def written(group: Group) -> dict[str, Any]:
    """What a group holds, its history included, leaving out what differs by nature."""
    group = Group.objects.get(pk=group.pk)
    (record,) = group.history.all()
    (meeting_records,) = {
        tuple(sorted((h.history_type, h.history_change_reason) for h in m.history.all()))
        for m in group.meetings.all()
    }
    return {
        "fields": {k: v for k, v in vars(group).items() if k not in {"_state", "id", "slug",
                   "created_at", "updated_at"}},
        "conditions": sorted(c.slug for c in group.conditions.all()),
        "audiences": [a.slug for a in group.audiences.all()],
        "meetings": [MeetingSpec.of(m) for m in group.meetings.all()],
        "record": (record.history_type, record.history_change_reason, record.search_terms),
        "record_tags": (
            sorted(r.condition.slug for r in record.conditions.all()),
            [r.audience.slug for r in record.audiences.all()],
        ),
        "meeting_records": meeting_records,
        "meeting_record_tags": sorted(
            a.audience.slug for m in group.meetings.all() for a in m.history.get().audiences.all()
        ),
    }  # fmt: skip


def test_it_writes_what_save_group_writes():
    alone = new("One name")
    one = save_group(values=alone.values, conditions=alone.conditions, audiences=alone.audiences,
                     meetings=alone.meetings, reason="From the Leeds list")  # fmt: skip

    (batch,) = create_groups([new("One name")], reason="From the Leeds list")

    assert isinstance(batch, Group)
    assert written(batch) == written(one)
    assert written(batch)["meeting_record_tags"] == ["carers_family"]
    assert (one.slug, batch.slug) == ("one-name", "one-name-2")


def test_a_batch_is_a_few_statements_whatever_its_size():
    groups = [new(f"Group {n}") for n in range(50)]
    with CaptureQueriesContext(connection) as queries:
        created = create_groups(groups, reason="Import")
    assert len(created) == 50 and Group.objects.count() == 50
    assert Meeting.objects.count() == 100 and Meeting.history.count() == 100
    assert len(queries) <= 15


def test_slugs_stay_unique_in_the_batch_and_beside_groups_we_hold():
    alone = new("Hope")
    save_group(values=alone.values, conditions=alone.conditions)

    created = create_groups([new("Hope"), new("Hope"), new("Faith")])

    assert [g.slug for g in created if isinstance(g, Group)] == ["hope-2", "hope-3", "faith"]


def test_a_group_our_rules_refuse_is_left_out_and_the_rest_are_written():
    created = create_groups([new("Fine"), new("Bad", website="not a web address"), new("Also")])

    assert isinstance(created[1], ValidationError) and "website" in created[1].message_dict
    assert sorted(Group.objects.values_list("name", flat=True)) == ["Also", "Fine"]


def test_a_batch_the_database_refuses_writes_nothing():
    alone = new("Holder", external_id="feed-1")
    save_group(values=alone.values, conditions=alone.conditions)

    with pytest.raises(ValidationError):
        create_groups([new("First"), new("Clash", external_id="feed-1")])

    assert list(Group.objects.values_list("name", flat=True)) == ["Holder"]
    assert Meeting.objects.count() == 0
