"""Organisers are told when a feed changes their listing, with what changed (issue 15
point 4): a source's direct changes (times, address), and a listing gone from its source
that a moderator takes out, which is a takedown like any other (the reason emailed, shown
on their page with a reply box)."""

from __future__ import annotations

import pytest
from django.core import mail

from feeds.models import ChangeKind, SourceChange
from groups.models import Group, Status
from moderation.models import Action, Decision
from organisers.models import GroupOwner
from tests.support.feeds import sync

pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]
pytestmark = pytest.mark.django_db

TAKEN_DOWN = "Your group's listing was taken out of the directory"


def synced_and_published(source) -> None:
    sync(source)
    Group.objects.update(status=Status.PUBLISHED)


def claimed(name: str, organiser) -> Group:
    group = Group.objects.get(name=name)
    GroupOwner.objects.create(group=group, user=organiser)
    return group


def test_organisers_hear_of_a_new_address_from_the_source(
    aa_leeds, feed_server, meeting_guide, organiser
):
    synced_and_published(aa_leeds)
    claimed("Chapel Allerton Hybrid", organiser)
    # The same venue and postcode (a source's groups are keyed by them), a new entrance.
    meeting_guide[3]["formatted_address"] = "Harrogate Road, Leeds LS7 4NB, UK"
    feed_server.serve("/meetings.json", meeting_guide)
    mail.outbox.clear()

    sync(aa_leeds)

    (email,) = [m for m in mail.outbox if organiser.email in m.to]
    assert "changed by the Leeds AA intergroup meeting list" in email.body
    assert "Before: Chapel Allerton Methodist Church, Town Street" in email.body
    assert "Now: Chapel Allerton Methodist Church, Harrogate Road" in email.body


def gone_from_the_source(source, feed_server, meeting_guide) -> tuple[str, SourceChange]:
    """The source drops its Polish group; the sync holds that for a moderator."""
    gone = meeting_guide.pop(7)
    feed_server.serve("/meetings.json", meeting_guide)
    sync(source)
    return gone["name"], SourceChange.objects.get(kind=ChangeKind.GONE)


def test_a_gone_listing_taken_out_by_a_moderator_tells_its_organisers_why(
    moderator_client, organiser_client, organiser, aa_leeds, feed_server, meeting_guide
):
    synced_and_published(aa_leeds)
    group = claimed(meeting_guide[7]["name"], organiser)
    _, change = gone_from_the_source(aa_leeds, feed_server, meeting_guide)
    mail.outbox.clear()

    moderator_client.post(f"/moderation/feeds/changes/{change.pk}/", {"action": "accept"})

    group.refresh_from_db()
    assert group.status == Status.ARCHIVED
    (email,) = mail.outbox
    assert email.to == [organiser.email]
    assert email.subject == TAKEN_DOWN
    assert "no longer in the Leeds AA intergroup meeting list" in email.body
    assert f"/organisers/groups/{group.pk}/" in email.body
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "no longer in the Leeds AA intergroup meeting list" in page
    assert "Reply to the moderators" in page
    organiser_client.post(
        f"/organisers/groups/{group.pk}/takedown/reply/", {"text": "We still meet, online."}
    )
    takedown = Decision.objects.get(group=group, action=Action.ARCHIVED)
    assert takedown.reply == "We still meet, online."
    assert "We still meet, online." in moderator_client.get("/moderation/").content.decode()


def test_a_gone_listing_kept_by_a_moderator_tells_nobody(
    moderator_client, organiser, aa_leeds, feed_server, meeting_guide
):
    synced_and_published(aa_leeds)
    group = claimed(meeting_guide[7]["name"], organiser)
    _, change = gone_from_the_source(aa_leeds, feed_server, meeting_guide)
    mail.outbox.clear()

    moderator_client.post(f"/moderation/feeds/changes/{change.pk}/", {"action": "decline"})

    group.refresh_from_db()
    assert group.status == Status.PUBLISHED
    assert mail.outbox == []
    assert not Decision.objects.filter(group=group, action=Action.ARCHIVED).exists()


def test_a_source_that_marks_every_meeting_closed_pauses_the_group_with_no_date(
    aa_leeds, feed_server, meeting_guide
):
    """Issue 15 point 3: a feed marking every meeting of a group temporarily closed
    pauses it, with no date to come back; when the feed opens it again, so does the sync."""
    synced_and_published(aa_leeds)
    meeting_guide[3]["attendance_option"] = "inactive"
    feed_server.serve("/meetings.json", meeting_guide)

    sync(aa_leeds)
    chapel = Group.objects.get(name="Chapel Allerton Hybrid")
    meeting_guide[3]["attendance_option"] = "hybrid"
    feed_server.serve("/meetings.json", meeting_guide)
    sync(aa_leeds)
    reopened = Group.objects.get(pk=chapel.pk)

    assert (chapel.paused, chapel.paused_until, chapel.is_paused()) == (True, None, True)
    assert chapel.meetings.count() == 1  # its meeting is kept, for when it comes back
    assert reopened.paused is False


def test_archiving_from_the_admin_asks_why_and_tells_the_organisers(
    moderator_client, organiser_client, owned_group, organiser
):
    """Issue 15 point 4: a takedown from the admin's action is a takedown like any other."""
    group = owned_group("Tuesday Circle")
    data = {"action": "archive_groups", "_selected_action": [group.pk]}

    missing = moderator_client.post("/admin/groups/group/", {**data, "confirm": "Archive"})
    moderator_client.post(
        "/admin/groups/group/", {**data, "confirm": "Archive", "reason": "It stopped in May."}
    )

    assert "Say why the groups are coming out" in missing.content.decode()
    group.refresh_from_db()
    assert group.status == Status.ARCHIVED
    (email,) = mail.outbox
    assert (email.to, email.subject) == ([organiser.email], TAKEN_DOWN)
    assert "It stopped in May." in email.body
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "It stopped in May." in page and "Reply to the moderators" in page
