"""Organisers are told when a moderator or a feed changes their listing, with what changed
(issue 15 point 4); restoring a version asks for a reason and tells them (point 7)."""

from __future__ import annotations

import pytest
from django.core import mail

from groups.services import GroupValues, save_group
from moderation.models import Decision
from organisers.notify import tell_organisers_of_changes
from organisers.proposals import Proposal
from tests.test_history import rename

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


def test_restoring_a_version_asks_why(moderator_client, owned_group):
    group = owned_group("Original")
    original = group.history.get()
    rename(group, "Vandalised")
    url = f"/moderation/groups/{group.pk}/history/{original.history_id}/restore/"
    page = moderator_client.get(url).content.decode()
    assert "Now: Vandalised" in page and "Restored: Original" in page
    response = moderator_client.post(url, {"reason": " "})
    assert "Say why you are restoring this version." in response.content.decode()
    group.refresh_from_db()
    assert group.name == "Vandalised"
    assert mail.outbox == []


def test_restoring_tells_the_organisers_what_changed_and_why(
    moderator_client, owned_group, organiser
):
    group = owned_group("Original", cost="Free")
    original = group.history.get()
    rename(group, "Vandalised")
    url = f"/moderation/groups/{group.pk}/history/{original.history_id}/restore/"
    response = moderator_client.post(url, {"reason": "The name was vandalised."})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert message.subject == "Your group's listing was changed"
    assert "a moderator, who restored an earlier version" in message.body
    assert "Why: The name was vandalised." in message.body
    assert "Before: Vandalised\n  Now: Original" in message.body
    assert "Cost" not in message.body  # only what changed
    assert Decision.objects.get().reason.endswith("The name was vandalised.")


def admin_change(client, group, **changes) -> dict:
    """The admin's change form for group as it stands, with changes."""
    form = client.get(f"/admin/groups/group/{group.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    meetings = list(group.meetings.all())
    data.update(
        conditions=[c.pk for c in group.conditions.all()],
        audiences=[],
        languages='["en"]',
        group_type=group.group_type_id,
        last_verified=group.last_verified.isoformat(),
        **{
            "meetings-TOTAL_FORMS": str(len(meetings)),
            "meetings-INITIAL_FORMS": str(len(meetings)),
            "meetings-MIN_NUM_FORMS": "0",
            "meetings-MAX_NUM_FORMS": "1000",
        },
    )
    for n, m in enumerate(meetings):
        data.update(
            {
                f"meetings-{n}-id": m.pk,
                f"meetings-{n}-group": group.pk,
                f"meetings-{n}-weekday": m.weekday,
                f"meetings-{n}-start_time": m.start_time.strftime("%H:%M"),
                f"meetings-{n}-end_time": m.end_time.strftime("%H:%M"),
                f"meetings-{n}-recurrence": m.recurrence,
            }
        )
    data.update(changes)
    return data


def test_a_change_in_the_admin_tells_the_organisers(moderator_client, owned_group, organiser):
    group = owned_group("Before")
    data = admin_change(moderator_client, group, name="After")
    response = moderator_client.post(f"/admin/groups/group/{group.pk}/change/", data)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert "changed by a moderator" in message.body
    assert "Before: Before\n  Now: After" in message.body


def test_a_feed_tells_the_organisers_naming_its_list(owned_group, organiser):
    group = owned_group("Tuesday Circle", meetings="Tue 19:00-20:30")
    before = Proposal.from_group(group)
    save_group(group=group, values=GroupValues(cost="£2"), meetings=[], reason="Feed")
    changes = tell_organisers_of_changes(
        group=group, before=before, by="the Sheffield AA meeting list"
    )
    # In the order a listing's fields are declared (groups/fields.py), as the form shows them.
    assert [d.label for d in changes] == ["Meetings", "Cost"]
    (message,) = mail.outbox
    assert "changed by the Sheffield AA meeting list" in message.body
    assert "Every Tuesday, 7pm to 8:30pm" in message.body
    assert "Latitude" not in message.body


def test_nothing_is_sent_when_nothing_changed(owned_group):
    group = owned_group()
    assert tell_organisers_of_changes(group=group, before=Proposal.from_group(group), by="x") == []
    assert mail.outbox == []
