"""Staff review new listings and changes against what is published, and decide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from groups.models import Group
from moderation.models import Decision, Report
from organisers.models import GroupRevision
from tests.support.moderation import decide
from tests.support.organisers import group_form_data

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


def test_it_is_for_staff_only(client, organiser_client):
    assert client.get("/moderation/").status_code == 302
    assert organiser_client.get("/moderation/").status_code == 404


def test_staff_without_two_factor_are_sent_to_set_it_up(make_user):
    staff = Client()
    staff.force_login(make_user("new.staff@example.org", staff=True, totp=False))
    for path in ["/moderation/", "/admin/"]:
        response = staff.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_the_admin_signs_in_through_the_two_factor_pages(client):
    response = client.get("/admin/login/?next=/admin/groups/group/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fgroups%2Fgroup%2F"


@pytest.fixture
def submitted(organiser_client, ls6) -> Group:
    organiser_client.post("/organisers/groups/new/", group_form_data())
    mail.outbox.clear()
    return Group.objects.get()


def test_the_queue_shows_submissions_changes_and_reports(
    moderator_client, submitted, owned_group, organiser_client
):
    listed = owned_group("Listed group")
    organiser_client.post(f"/organisers/groups/{listed.pk}/edit/", group_form_data(name="Renamed"))
    Report.objects.create(group=listed, problem="no_longer_meets")
    page = moderator_client.get("/moderation/").content.decode()
    assert f'href="/moderation/groups/{submitted.pk}/"' in page
    assert f'href="/moderation/revisions/{listed.revisions.get().pk}/"' in page
    assert "Listed group: The group no longer meets" in page


def test_approving_a_new_group_lists_it(moderator_client, moderator, submitted, client, organiser):
    page = moderator_client.get(f"/moderation/groups/{submitted.pk}/").content.decode()
    assert "Hyde Park Recovery Group" in page
    assert "Every Tuesday, 7pm to 8:30pm" in page
    decide(moderator_client, f"/moderation/groups/{submitted.pk}/")
    submitted.refresh_from_db()
    assert submitted.status == "published"
    assert submitted.last_verified == dt.date.today()
    assert client.get(submitted.get_absolute_url()).status_code == 200
    decision = Decision.objects.get()
    assert (decision.action, decision.actor) == ("approved", moderator)
    assert submitted.history.latest().history_user == moderator
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert "is now listed" in message.subject
    assert message.alternatives[0].mimetype == "text/html"


def test_rejecting_needs_a_reason_which_is_emailed_and_kept(
    moderator_client, submitted, organiser_client
):
    url = f"/moderation/groups/{submitted.pk}/"
    response = moderator_client.post(url, {"action": "reject", "reason": ""})
    assert "Give the reason" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "pending"
    moderator_client.post(url, {"action": "reject", "reason": "Please add the meeting room."})
    submitted.refresh_from_db()
    assert submitted.status == "rejected"
    assert Decision.objects.get().reason == "Please add the meeting room."
    assert "Please add the meeting room." in mail.outbox[-1].body
    assert "Please add the meeting room." in str(mail.outbox[-1].alternatives[0].content)
    page = organiser_client.get(f"/organisers/groups/{submitted.pk}/").content.decode()
    assert "Please add the meeting room." in page
    # Put right and sent again.
    organiser_client.post(
        f"/organisers/groups/{submitted.pk}/edit/", group_form_data(address="Room 2")
    )
    submitted.refresh_from_db()
    assert submitted.status == "pending"


def test_a_reason_is_shown_to_the_organiser_only_while_it_stands(
    moderator_client, submitted, organiser_client
):
    group_page = f"/organisers/groups/{submitted.pk}/"
    moderator_client.post(
        f"/moderation/groups/{submitted.pk}/", {"action": "reject", "reason": "Add the room."}
    )
    assert "Add the room." in organiser_client.get(group_page).content.decode()
    # Still shown while they redraft it...
    organiser_client.post(
        f"/organisers/groups/{submitted.pk}/edit/", group_form_data(action="draft")
    )
    assert "Add the room." in organiser_client.get(group_page).content.decode()
    # ...not once it is sent again, nor after it is approved.
    organiser_client.post(f"/organisers/groups/{submitted.pk}/submit/")
    assert "Add the room." not in organiser_client.get(group_page).content.decode()
    decide(moderator_client, f"/moderation/groups/{submitted.pk}/")
    page = organiser_client.get(group_page).content.decode()
    assert "Listed" in page
    assert "Add the room." not in page
    assert "Not approved" not in page


def test_the_reason_box_says_when_a_reason_is_needed(moderator_client, submitted):
    url = f"/moderation/groups/{submitted.pk}/"
    page = moderator_client.get(url).content.decode()
    assert "Reason for not approving" in page
    assert "Needed if you do not approve" in page
    assert "(optional)" not in page
    page = moderator_client.post(url, {"action": "reject", "reason": "  "}).content.decode()
    message = "Give the reason for not approving, so the organisers know what to change."
    assert page.count(message) == 2  # in the error summary and beside the box
    assert 'href="#id_reason"' in page


def test_the_review_says_who_submitted_a_new_group_and_when(moderator_client, submitted, make_user):
    co_organiser = make_user("co.organiser@example.org")
    submitted.owners.create(user=co_organiser)
    when = timezone.localtime(submitted.history.earliest().history_date)
    page = moderator_client.get(f"/moderation/groups/{submitted.pk}/").content.decode()
    assert "Submitted by</dt>" in page
    assert ">organiser@example.org</dd>" in page
    assert f"{when:%-d %B %Y, %H:%M}" in page
    assert "co.organiser@example.org" in page


def test_the_review_says_who_proposed_changes_and_when(
    moderator_client, owned_group, organiser_client, ls6
):
    group = owned_group("Old name")
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name"))
    revision = GroupRevision.objects.get()
    page = moderator_client.get(f"/moderation/revisions/{revision.pk}/").content.decode()
    assert "Proposed by</dt>" in page
    assert ">organiser@example.org</dd>" in page
    assert f"{timezone.localtime(revision.submitted_at):%-d %B %Y, %H:%M}" in page


def test_turned_down_changes_are_not_shown_once_the_group_is_closed(
    moderator_client, owned_group, organiser_client, ls6
):
    group = owned_group("Old name")
    group_page = f"/organisers/groups/{group.pk}/"
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name"))
    revision = GroupRevision.objects.get()
    moderator_client.post(
        f"/moderation/revisions/{revision.pk}/", {"action": "reject", "reason": "Name is wrong."}
    )
    assert "Name is wrong." in organiser_client.get(group_page).content.decode()
    organiser_client.post(f"/organisers/groups/{group.pk}/close/", {"confirm": "on"})
    assert "Name is wrong." not in organiser_client.get(group_page).content.decode()


def test_a_revision_is_shown_against_the_published_version(
    moderator_client, owned_group, organiser_client, ls6
):
    group = owned_group("Old name", cost="£1")
    organiser_client.post(
        f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name", cost="£1")
    )
    revision = GroupRevision.objects.get()
    page = moderator_client.get(f"/moderation/revisions/{revision.pk}/").content.decode()
    assert "<del>Old name</del>" in page
    assert "<ins>New name</ins>" in page
    assert "<del>£1</del>" not in page


def test_approving_a_revision_applies_it(
    moderator_client, moderator, owned_group, organiser_client, client, ls6
):
    group = owned_group("Old name", last_verified=dt.date(2025, 1, 1))
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name"))
    revision = GroupRevision.objects.get()
    mail.outbox.clear()
    decide(moderator_client, f"/moderation/revisions/{revision.pk}/")
    group.refresh_from_db()
    revision.refresh_from_db()
    assert group.name == "New name"
    assert group.slug == "old-name"  # addresses never change
    assert group.last_verified == dt.date.today()
    assert (revision.status, revision.decided_by) == ("approved", moderator)
    assert "New name" in client.get(group.get_absolute_url()).content.decode()
    assert "are approved" in mail.outbox[-1].subject


def test_rejecting_a_revision_keeps_the_listing(
    moderator_client, owned_group, organiser_client, ls6
):
    group = owned_group("Old name")
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name"))
    revision = GroupRevision.objects.get()
    moderator_client.post(
        f"/moderation/revisions/{revision.pk}/", {"action": "reject", "reason": "Name is wrong."}
    )
    group.refresh_from_db()
    revision.refresh_from_db()
    assert group.name == "Old name"
    assert (revision.status, revision.reason) == ("rejected", "Name is wrong.")
    assert "were not approved" in mail.outbox[-1].subject
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "Your changes were not approved" in page


def test_a_report_is_dealt_with_and_can_take_the_group_down(moderator_client, make_group, client):
    group = make_group()
    report = Report.objects.create(group=group, problem="no_longer_meets", details="Hall closed.")
    url = f"/moderation/reports/{report.pk}/"
    assert "Hall closed." in moderator_client.get(url).content.decode()
    assert "Say what you did" in moderator_client.post(url, {"note": ""}).content.decode()
    moderator_client.post(url, {"note": "Phoned them: stopped.", "archive": "on"})
    report.refresh_from_db()
    group.refresh_from_db()
    assert report.status == "resolved"
    assert (group.status, group.archived_reason) == ("archived", "moderator")
    # Its page still answers (printed QR codes lead to it).
    assert "no longer meets" in client.get(group.get_absolute_url()).content.decode()
    assert {d.action for d in Decision.objects.all()} == {"archived", "resolved_report"}


def test_changes_that_a_later_rule_refuses_are_explained_not_a_server_error(
    moderator_client, owned_group, organiser_client, ls6
):
    group = owned_group("Listed group")
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="Renamed"))
    revision = GroupRevision.objects.get()
    # Sent before one-line fields refused line separators (a value pasted into an input).
    revision.data["values"]["summary"] = "Line one\u2028line two"
    revision.save()
    response = decide(moderator_client, f"/moderation/revisions/{revision.pk}/")
    assert response.status_code == 200
    assert "Summary: Use a single line of text" in response.content.decode()
    revision.refresh_from_db()
    assert revision.status == "pending"


def test_staff_without_the_moderation_permission_are_refused(make_user):
    """The access map (directory/access.py) answers staff who lack a page's permission
    with 403, as on every staff page; others get 404."""
    from django.contrib.auth.models import Permission

    staff = make_user("staff.only@example.org", staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/moderation/").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="approve_listings"))
    client.force_login(type(staff).objects.get(pk=staff.pk))
    assert client.get("/moderation/").status_code == 200
