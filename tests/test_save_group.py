"""save_group(), the one write of a group: its contract is its signature."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from groups.importing import parse_meetings
from groups.models import Audience, Condition, Group
from groups.services import KEEP, GroupValues, save_group

pytestmark = pytest.mark.django_db


def test_it_refuses_a_field_that_is_not_a_groups():
    with pytest.raises(TypeError):
        GroupValues(nmae="A typo")  # type: ignore[call-arg]


def test_it_takes_values_by_keyword_only():
    with pytest.raises(TypeError):
        GroupValues("A name")  # type: ignore[misc]
    with pytest.raises(TypeError):
        save_group(None, GroupValues(name="Positional"))  # type: ignore[misc]


def test_its_values_cannot_change_after_they_are_made():
    values = GroupValues(name="Fixed")
    with pytest.raises(AttributeError):
        values.name = "Changed"  # type: ignore[misc]


def test_a_value_left_out_is_kept():
    assert GroupValues(name="Only this").given() == {"name": "Only this"}
    assert GroupValues().summary is KEEP


def test_leaving_out_conditions_and_audiences_keeps_them(make_group):
    group = make_group(conditions=("alcohol", "drugs"), audiences=("women",))
    save_group(group=group, values=GroupValues(name="Renamed"))
    group = Group.objects.get(pk=group.pk)
    assert group.name == "Renamed"
    assert {c.slug for c in group.conditions.all()} == {"alcohol", "drugs"}
    assert [a.slug for a in group.audiences.all()] == ["women"]
    assert group.meetings.count() == 1


def test_given_audiences_replace_them_and_an_empty_list_clears_them(make_group):
    group = make_group(audiences=("women",))
    save_group(group=group, values=GroupValues(), audiences=Audience.objects.filter(slug="men"))
    assert [a.slug for a in Group.objects.get(pk=group.pk).audiences.all()] == ["men"]
    save_group(group=group, values=GroupValues(), audiences=[])
    assert not Group.objects.get(pk=group.pk).audiences.exists()


def test_it_is_all_or_nothing_by_itself(make_group):
    """A failure after the group's row is written (here, tagging it with an audience that
    was never saved) leaves the row as it was: save_group is atomic itself, not only when a
    caller wraps it."""
    group = make_group("Before")
    with pytest.raises(ValueError):
        save_group(
            group=group,
            values=GroupValues(name="After"),
            audiences=[Audience(slug="never-saved", name="Never saved")],
        )
    assert Group.objects.get(pk=group.pk).name == "Before"


def test_a_submitted_group_needs_a_condition_and_writes_nothing_without_one(make_group):
    template = make_group()
    with pytest.raises(ValidationError) as caught:
        save_group(
            values=GroupValues(
                name="No conditions",
                orientation="inward",
                group_type=template.group_type,
                status="pending",
            ),
            meetings=parse_meetings("Tue 19:00-20:30"),
        )
    assert "conditions" in caught.value.message_dict
    assert not Group.objects.filter(name="No conditions").exists()
    assert Condition.objects.exists()


def test_a_draft_needs_only_its_name():
    group = save_group(values=GroupValues(name="Just a name", status="draft"))
    assert Group.objects.get(pk=group.pk).name == "Just a name"
    with pytest.raises(ValidationError) as caught:
        save_group(group=group, values=GroupValues(status="pending"))
    assert {"orientation", "group_type", "conditions"} <= set(caught.value.message_dict)
    assert Group.objects.get(pk=group.pk).status == "draft"
