"""Every change to a group, its meetings and its tags is recorded; nothing is deleted; an
earlier version can be put back."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from groups.importing import parse_meetings
from groups.models import Condition, Group, Meeting
from groups.services import GroupValues, save_group
from moderation.models import Decision
from tests.support.organisers import group_form_data

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


def rename(group, name, *, actor=None, conditions=None, meetings=None, reason="") -> Group:
    return save_group(
        group=group,
        values=GroupValues(name=name),
        conditions=conditions,
        meetings=parse_meetings(meetings) if meetings is not None else None,
        actor=actor,
        reason=reason,
    )


def test_each_save_is_one_version_with_who_when_and_why(make_group, organiser):
    group = make_group("First")
    rename(group, "Second", actor=organiser, reason="Typo")
    first, second = group.history.order_by("history_date")
    assert (first.history_type, first.name) == ("+", "First")
    assert (second.history_type, second.name) == ("~", "Second")
    assert (second.history_user, second.history_change_reason) == (organiser, "Typo")


def test_tags_are_recorded_with_each_version(make_group):
    group = make_group(conditions=("alcohol",))
    rename(group, group.name, conditions=Condition.objects.filter(slug__in=["alcohol", "drugs"]))
    first, second = group.history.order_by("history_date")
    assert [r.condition.slug for r in first.conditions.all()] == ["alcohol"]
    assert sorted(r.condition.slug for r in second.conditions.all()) == ["alcohol", "drugs"]


def test_meeting_changes_are_recorded_and_unchanged_meetings_kept(make_group, organiser):
    group = make_group(meetings="Tue 19:00-20:30; Thu 10:00-11:00")
    tuesday = group.meetings.get(weekday=1)
    rename(group, group.name, meetings="Tue 19:00-20:30; Fri 12:00-13:00", actor=organiser)
    assert group.meetings.get(weekday=1).pk == tuesday.pk
    removed = Meeting.history.get(history_type="-")
    assert (removed.weekday, removed.history_user) == (3, organiser)
    added = Meeting.history.filter(history_type="+", weekday=4).get()
    assert added.history_user == organiser


def test_staff_see_the_history_with_what_changed(moderator_client, make_group, moderator):
    group = make_group("Before", meetings="Tue 19:00-20:30")
    rename(group, "After", meetings="Wed 19:00-20:30", actor=moderator, reason="Moved")
    page = moderator_client.get(f"/moderation/groups/{group.pk}/history/").content.decode()
    assert "Moved" in page
    assert "moderator@example.org" in page
    assert "Every Tuesday, 7pm to 8:30pm" in page
    assert "Every Wednesday, 7pm to 8:30pm" in page
    admin_page = moderator_client.get(f"/admin/groups/group/{group.pk}/history/").content.decode()
    assert "Moved" in admin_page


def test_an_earlier_version_is_restored_with_its_tags_and_meetings(
    moderator_client, moderator, make_group
):
    group = make_group(
        "Original", conditions=("alcohol",), meetings="Tue 19:00-20:30; 2nd Mon 18:00-19:30"
    )
    original = group.history.get()
    rename(
        group,
        "Vandalised",
        conditions=Condition.objects.filter(slug="gambling"),
        meetings="Sat 09:00-10:00",
    )
    url = f"/moderation/groups/{group.pk}/history/{original.history_id}/restore/"
    moderator_client.post(url, {"reason": "Undo vandalism"})
    group.refresh_from_db()
    assert group.name == "Original"
    assert [c.slug for c in group.conditions.all()] == ["alcohol"]
    assert sorted(m.describe() for m in group.meetings.all()) == [
        "2nd Monday of the month, 6pm to 7:30pm",
        "Every Tuesday, 7pm to 8:30pm",
    ]
    latest = group.history.latest()
    assert latest.history_user == moderator
    assert latest.history_change_reason.startswith("Restored the version of")
    assert latest.history_change_reason.endswith(": Undo vandalism")
    assert group.history.count() == 3  # the restore is a version too
    assert Decision.objects.get().action == "restored"


def test_an_unknown_version_answers_404(moderator_client, make_group):
    group = make_group()
    other = make_group()
    url = f"/moderation/groups/{group.pk}/history/999999/restore/"
    assert moderator_client.post(url, {"reason": "x"}).status_code == 404
    # Another group's version is not this group's.
    url = f"/moderation/groups/{group.pk}/history/{other.history.get().history_id}/restore/"
    assert moderator_client.get(url).status_code == 404


def test_organiser_edits_are_recorded_as_theirs(organiser_client, organiser, owned_group, ls6):
    group = owned_group(status="draft")
    organiser_client.post(
        f"/organisers/groups/{group.pk}/edit/", group_form_data(name="Renamed", action="draft")
    )
    assert group.history.latest().history_user == organiser


def test_the_admin_cannot_delete_groups(moderator_client, moderator, make_group):
    group = make_group()
    admin = site._registry[Group]
    request = RequestFactory().get("/admin/groups/group/")
    request.user = moderator
    assert not admin.has_delete_permission(request, group)
    assert "delete_selected" not in admin.get_actions(request)
    assert moderator_client.get(f"/admin/groups/group/{group.pk}/delete/").status_code == 403
    assert (
        moderator_client.post(
            f"/admin/groups/group/{group.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Group.objects.filter(pk=group.pk).exists()


def test_the_admin_archives_instead(moderator_client, make_group):
    group = make_group()
    asked = moderator_client.post(
        "/admin/groups/group/",
        {"action": "archive_groups", "_selected_action": [group.pk]},
    )
    group.refresh_from_db()
    assert group.status == "published"  # not before a reason is given
    assert "Reason (sent to the organisers)" in asked.content.decode()
    moderator_client.post(
        "/admin/groups/group/",
        {
            "action": "archive_groups",
            "_selected_action": [group.pk],
            "reason": "The venue has closed.",
            "confirm": "Archive and tell the organisers",
        },
    )
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("archived", "moderator")
    assert group.history.latest().history_change_reason == (
        "Archived from the admin: The venue has closed."
    )


def test_admin_edits_are_recorded(moderator_client, moderator, make_group):
    group = make_group("Admin edit")
    page = moderator_client.get(f"/admin/groups/group/{group.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        name="Edited in admin",
        conditions=[c.pk for c in group.conditions.all()],
        audiences=[],
        languages='["en"]',
        group_type=group.group_type_id,
        last_verified=group.last_verified.isoformat(),
        **{
            "meetings-TOTAL_FORMS": "0",
            "meetings-INITIAL_FORMS": "0",
            "meetings-MIN_NUM_FORMS": "0",
            "meetings-MAX_NUM_FORMS": "1000",
        },
    )
    response = moderator_client.post(f"/admin/groups/group/{group.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    group.refresh_from_db()
    assert group.name == "Edited in admin"
    latest = group.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        moderator,
        "Changed in the admin",
    )


def test_a_deleted_organisers_changes_read_as_theirs_not_the_systems(
    organiser_client, organiser, owned_group, moderator_client, ls6
):
    from accounts.services import delete_account

    group = owned_group(status="draft")  # made by no one: an import, say
    organiser_client.post(
        f"/organisers/groups/{group.pk}/edit/", group_form_data(name="Renamed", action="draft")
    )
    delete_account(organiser)
    record = group.history.latest()
    assert (record.history_user, record.history_user_deleted) == (None, True)
    assert group.history.earliest().history_user_deleted is False
    page = moderator_client.get(f"/moderation/groups/{group.pk}/history/").content.decode()
    assert "By a deleted organiser account. Saved as a draft." in page
    assert "By the system (import or scheduled check)." in page
    assert "organiser@example.org" not in page
