"""A moderator approves exactly what they saw (issue 13 point 2), not their own work while
another moderator can check it, and reads the listing as people read it: duplicates
flagged, links clickable, the location as a place (issue 15 point 7)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from groups.services import GroupValues, save_group
from organisers.models import GroupOwner, GroupRevision
from tests.conftest import LS6, offset
from tests.support.moderation import decide, seen_version
from tests.support.organisers import group_form_data

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


@pytest.fixture
def pending(owned_group):
    return owned_group("Hyde Park Circle", status="pending", website="https://example.org/ok")


def test_approval_is_refused_when_the_listing_changed_since_it_was_opened(
    pending, moderator_client
):
    url = f"/moderation/groups/{pending.pk}/"
    seen = seen_version(moderator_client, url)
    # The organiser's link changes after the moderator opened the page.
    save_group(group=pending, values=GroupValues(website="https://phish.example/login"))
    response = moderator_client.post(url, {"action": "approve", "version": seen})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The listing changed after you opened it" in page
    assert "https://phish.example/login" in page  # the new version is shown
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert seen_version(moderator_client, url) != seen
    decide(moderator_client, url)  # approving what is shown now works
    pending.refresh_from_db()
    assert pending.status == "published"


def test_approval_without_a_version_is_refused(pending, moderator_client):
    moderator_client.post(f"/moderation/groups/{pending.pk}/", {"action": "approve"})
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_changes_that_changed_again_are_not_approved(
    owned_group, organiser_client, moderator_client, ls6
):
    group = owned_group("Listed")
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name"))
    revision = GroupRevision.objects.get()
    url = f"/moderation/revisions/{revision.pk}/"
    seen = seen_version(moderator_client, url)
    revision.data["values"]["website"] = "https://phish.example/"
    revision.save()
    page = moderator_client.post(url, {"action": "approve", "version": seen}).content.decode()
    assert "The listing changed after you opened it" in page
    assert "https://phish.example/" in page
    group.refresh_from_db()
    assert group.name == "Listed"


def test_a_moderator_cannot_approve_their_own_work_while_another_can(
    make_group, make_user, moderator, ls6
):
    from django.test import Client

    author = make_user("mod.organiser@example.org", staff=True)
    author.is_superuser = True
    author.save()
    group = make_group("Own group", status="pending")
    GroupOwner.objects.create(group=group, user=author)
    client = Client()
    client.force_login(author)
    url = f"/moderation/groups/{group.pk}/"
    page = client.get(url).content.decode()
    assert "another moderator must approve it" in page
    assert 'value="approve"' not in page
    page = decide(client, url).content.decode()
    assert "another moderator must approve it" in page
    group.refresh_from_db()
    assert group.status == "pending"
    # With no other moderator, they may.
    moderator.is_active = False
    moderator.save()
    decide(client, url)
    group.refresh_from_db()
    assert group.status == "published"


def test_changes_a_moderator_proposed_need_another_moderator(
    owned_group, make_user, moderator_client, moderator, ls6
):
    from django.test import Client

    group = owned_group("Listed")
    author = make_user("second.mod@example.org", staff=True)
    author.is_superuser = True
    author.save()
    GroupOwner.objects.create(group=group, user=author)
    client = Client()
    client.force_login(author)
    client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="Mine"))
    revision = GroupRevision.objects.get()
    url = f"/moderation/revisions/{revision.pk}/"
    assert "another moderator must approve it" in decide(client, url).content.decode()
    decide(moderator_client, url)
    group.refresh_from_db()
    assert group.name == "Mine"


def test_possible_duplicates_are_flagged(pending, make_group, moderator_client):
    twin = make_group("The Hyde Park Circle Group", at=offset(LS6, km_north=0.1))
    page = moderator_client.get(f"/moderation/groups/{pending.pk}/").content.decode()
    assert "It may duplicate a listing" in page
    assert f'href="{twin.get_absolute_url()}"' in page
    assert "The same name, 100 m away" in page


def test_no_duplicate_no_warning(pending, moderator_client):
    page = moderator_client.get(f"/moderation/groups/{pending.pk}/").content.decode()
    assert "It may duplicate" not in page


def test_links_are_clickable_and_the_location_is_a_place(pending, moderator_client, ls6):
    page = moderator_client.get(f"/moderation/groups/{pending.pk}/").content.decode()
    assert '<a href="https://example.org/ok" rel="noopener noreferrer nofollow">' in page
    assert "Near LS6" in page
    shown = re.sub(r"<[^>]+>", "", page)  # the text, without tags and their links
    assert "Latitude" not in shown and str(LS6[0]) not in shown
    assert "openstreetmap.org/?mlat=" in page


def test_a_moved_location_says_how_far(owned_group, organiser_client, moderator_client, ls6):
    group = owned_group("Listed", at=offset(LS6, km_north=0.3))
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="Listed"))
    revision = GroupRevision.objects.get()
    page = moderator_client.get(f"/moderation/revisions/{revision.pk}/").content.decode()
    assert "Near LS6 (moved 300 m)" in page
    assert not mail.outbox


def test_a_submission_under_review_cannot_be_edited_in_place(organiser_client, ls6):
    organiser_client.post("/organisers/groups/new/", group_form_data())
    from groups.models import Group

    group = Group.objects.get()
    url = f"/organisers/groups/{group.pk}/edit/"
    page = organiser_client.get(url).content.decode()
    assert "Your group is waiting for review" in page
    assert "Withdraw it to change it" in page
    response = organiser_client.post(url, group_form_data(website="https://phish.example/"))
    assert response.status_code == 409
    group.refresh_from_db()
    assert (group.status, group.website) == ("pending", "https://example.org/hyde-park")
    # Withdrawn, it is a draft again, to change and send.
    organiser_client.post(f"/organisers/groups/{group.pk}/withdraw-from-review/")
    group.refresh_from_db()
    assert group.status == "draft"
    organiser_client.post(url, group_form_data(website="https://example.org/new"))
    group.refresh_from_db()
    assert (group.status, group.website) == ("pending", "https://example.org/new")


def test_changes_under_review_cannot_be_edited_in_place(organiser_client, owned_group, ls6):
    group = owned_group("Listed")
    url = f"/organisers/groups/{group.pk}/edit/"
    organiser_client.post(url, group_form_data(name="First"))
    revision = GroupRevision.objects.get()
    assert "Your changes are waiting for review" in organiser_client.get(url).content.decode()
    assert organiser_client.post(url, group_form_data(name="Second")).status_code == 409
    revision.refresh_from_db()
    assert (revision.status, revision.data["values"]["name"]) == ("pending", "First")
    organiser_client.post(f"/organisers/groups/{group.pk}/withdraw-from-review/")
    revision.refresh_from_db()
    assert revision.status == "draft"
    assert 'value="First"' in organiser_client.get(url).content.decode()  # kept to change
