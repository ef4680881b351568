"""Who organises a group: invitations seen, resent, cancelled and limited; co-organisers
removed; leaving; staff inviting for any group (issue 15 point 1, issue 13 point 6)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from moderation.models import Report
from organisers.models import GroupOwner, Invitation
from organisers.team import INVITATIONS_PER_DAY
from tests.support.organisers import link_in

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


def invite(client, group, email="helper@example.org"):
    return client.post(f"/organisers/groups/{group.pk}/invite/", {"email": email})


def test_organisers_see_their_open_invitations(organiser_client, owned_group):
    group = owned_group()
    invite(organiser_client, group)
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "helper@example.org" in page
    assert "Send again" in page and "Cancel" in page


def test_sending_again_gives_a_new_link_and_the_old_one_stops(
    organiser_client, owned_group, make_user
):
    group = owned_group()
    invite(organiser_client, group)
    old = link_in(mail.outbox[-1].body)
    invitation = Invitation.objects.get()
    organiser_client.post(f"/organisers/groups/{group.pk}/invitations/{invitation.pk}/resend/")
    new = link_in(mail.outbox[-1].body)
    assert new != old
    assert [m.to for m in mail.outbox] == [["helper@example.org"]] * 2
    assert Invitation.objects.count() == 1
    assert invitation.sends.count() == 2
    helper = Client()
    helper.force_login(make_user("helper@example.org"))
    assert helper.get(old).status_code == 404
    assert helper.get(new).status_code == 200


def test_a_cancelled_invitation_no_longer_works(organiser_client, owned_group, make_user):
    group = owned_group()
    invite(organiser_client, group)
    path = link_in(mail.outbox[-1].body)
    invitation = Invitation.objects.get()
    organiser_client.post(f"/organisers/groups/{group.pk}/invitations/{invitation.pk}/cancel/")
    helper = Client()
    helper.force_login(make_user("helper@example.org"))
    assert helper.get(path).status_code == 404
    assert not GroupOwner.objects.filter(user__email="helper@example.org").exists()
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "No invitations are waiting" in page


def test_an_organiser_cannot_invite_themselves(organiser_client, owned_group, organiser):
    group = owned_group()
    response = invite(organiser_client, group, "Organiser@Example.org")
    assert "You cannot invite yourself." in response.content.decode()
    assert mail.outbox == []


def test_inviting_an_organiser_again_is_refused(organiser_client, owned_group, make_user):
    group = owned_group()
    GroupOwner.objects.create(group=group, user=make_user("co@example.org"))
    assert (
        "already helps organise"
        in invite(organiser_client, group, "co@example.org").content.decode()
    )


def test_at_most_ten_invitation_emails_a_day_resends_included(organiser_client, owned_group):
    group = owned_group()
    for n in range(INVITATIONS_PER_DAY - 1):
        invite(organiser_client, group, f"helper{n}@example.org")
    invitation = Invitation.objects.first()
    resend = f"/organisers/groups/{group.pk}/invitations/{invitation.pk}/resend/"
    organiser_client.post(resend)  # the tenth email
    assert len(mail.outbox) == INVITATIONS_PER_DAY
    response = invite(organiser_client, group, "one.more@example.org")
    assert response.status_code == 429
    assert "try again tomorrow" in response.content.decode()
    page = organiser_client.post(resend, follow=True).content.decode()
    assert "try again tomorrow" in page
    assert len(mail.outbox) == INVITATIONS_PER_DAY


def test_an_organiser_removes_a_co_organiser_who_is_told(organiser_client, owned_group, make_user):
    group = owned_group()
    co = GroupOwner.objects.create(group=group, user=make_user("co@example.org"))
    organiser_client.post(f"/organisers/groups/{group.pk}/organisers/{co.pk}/remove/")
    assert list(group.owners.values_list("user__email", flat=True)) == ["organiser@example.org"]
    (message,) = mail.outbox
    assert message.to == ["co@example.org"]
    assert message.subject == "You no longer organise a group's listing"


def test_an_organiser_cannot_remove_themselves_or_another_groups_organiser(
    organiser_client, owned_group, make_group, make_user
):
    group = owned_group()
    mine = group.owners.get()
    organiser_client.post(f"/organisers/groups/{group.pk}/organisers/{mine.pk}/remove/")
    assert group.owners.count() == 1
    other = make_group()
    theirs = GroupOwner.objects.create(group=other, user=make_user("them@example.org"))
    url = f"/organisers/groups/{group.pk}/organisers/{theirs.pk}/remove/"
    assert organiser_client.post(url).status_code == 404
    assert other.owners.count() == 1


def test_leaving_with_others_left_keeps_the_group_with_them(
    organiser_client, owned_group, make_user
):
    group = owned_group()
    GroupOwner.objects.create(group=group, user=make_user("co@example.org"))
    url = f"/organisers/groups/{group.pk}/leave/"
    assert "other organisers will keep" in organiser_client.get(url).content.decode()
    organiser_client.post(url)
    assert list(group.owners.values_list("user__email", flat=True)) == ["co@example.org"]
    assert not Report.objects.exists()
    assert organiser_client.get(f"/organisers/groups/{group.pk}/").status_code == 404


def test_the_last_organiser_leaving_hands_the_group_to_the_moderators(
    organiser_client, owned_group, moderator_client
):
    group = owned_group()
    url = f"/organisers/groups/{group.pk}/leave/"
    assert "only organiser" in organiser_client.get(url).content.decode()
    organiser_client.post(url)
    assert not group.owners.exists()
    report = Report.objects.get()
    assert (report.group, report.problem) == (group, "no_organiser")
    page = moderator_client.get("/moderation/").content.decode()
    assert "Needs checking" in page
    assert f"{group.name}: Its last organiser left it" in page


def test_staff_invite_an_organiser_for_any_group(moderator_client, make_group, make_user):
    group = make_group()  # published, imported, nobody organises it
    url = f"/moderation/groups/{group.pk}/organisers/"
    assert "Nobody organises this group" in moderator_client.get(url).content.decode()
    response = moderator_client.post(url, {"email": "runner@example.org"})
    assert response.status_code == 302
    helper = Client()
    helper.force_login(make_user("runner@example.org"))
    helper.post(link_in(mail.outbox[-1].body))
    assert group.owners.get().user.email == "runner@example.org"
    page = moderator_client.get(url).content.decode()
    assert "runner@example.org, since" in page


def test_staff_resend_and_cancel_invitations(moderator_client, make_group):
    group = make_group()
    url = f"/moderation/groups/{group.pk}/organisers/"
    moderator_client.post(url, {"email": "runner@example.org"})
    invitation = Invitation.objects.get()
    assert "Send again" in moderator_client.get(url).content.decode()
    moderator_client.post(f"/moderation/groups/{group.pk}/invitations/{invitation.pk}/resend/")
    assert len(mail.outbox) == 2
    moderator_client.post(f"/moderation/groups/{group.pk}/invitations/{invitation.pk}/cancel/")
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None


def test_organisers_pages_for_staff_are_not_for_organisers(organiser_client, owned_group):
    group = owned_group()
    assert organiser_client.get(f"/moderation/groups/{group.pk}/organisers/").status_code == 404
