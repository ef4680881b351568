"""Claim a listing: "Is this your group? Help keep it up to date" (issue 15 point 1)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail, signing
from django.test import Client

from organisers.models import Claim, GroupOwner
from organisers.team import CLAIM_SALT, CLAIMS_PER_DAY
from tests.support.organisers import link_in

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

REASON = "I run the Tuesday meeting. See https://evil.example/proof"


def claim(client, group, reason=REASON):
    return client.post(f"/organisers/claim/{group.slug}/", {"reason": reason})


@pytest.fixture
def imported(make_group):
    """A listed group nobody organises, with a contact address."""
    return make_group("Imported Circle", email="contact@imported.example")


def test_every_public_group_page_offers_it(client, imported):
    page = client.get(imported.get_absolute_url()).content.decode()
    assert "Is this your group?" in page
    assert f'href="/organisers/claim/{imported.slug}/"' in page


def test_the_patient_page_does_not_offer_it(client, imported):
    page = client.get(f"/p/{imported.pk}/").content.decode()
    assert imported.name in page
    assert "Is this your group?" not in page
    assert "/organisers/claim/" not in page


def test_it_needs_a_signed_in_verified_account(client, make_user, imported):
    response = client.get(f"/organisers/claim/{imported.slug}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    unverified = Client()
    unverified.force_login(make_user("new@example.org", verified=False))
    claim(unverified, imported)
    assert not Claim.objects.exists()


def test_it_needs_a_reason(organiser_client, imported):
    response = claim(organiser_client, imported, reason="")
    assert "Say how you are involved with the group." in response.content.decode()
    assert not Claim.objects.exists()


def test_the_listed_address_and_the_organisers_are_asked_to_confirm(
    organiser_client, organiser, make_group, make_user
):
    group = make_group("Owned Circle", email="contact@owned.example")
    GroupOwner.objects.create(group=group, user=make_user("current@example.org"))
    claim(organiser_client, group)
    assert sorted(m.to[0] for m in mail.outbox) == ["contact@owned.example", "current@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Someone asks to help keep your group's listing up to date"
    assert "organiser@example.org has asked" in message.body
    # The reason, typed by someone nobody checked, arrives without a live link.
    assert "https[:]//evil[.]example/proof" in message.body
    assert "https://evil" not in message.body
    assert "https://evil" not in str(message.alternatives[0].content)


def test_the_link_shows_a_page_and_only_the_button_answers(organiser_client, imported, client):
    claim(organiser_client, imported)
    path = link_in(mail.outbox[0].body)
    page = client.get(path).content.decode()  # a mail scanner opening the link
    assert "Does organiser@example.org help run the group?" in page
    saved = Claim.objects.get()
    assert saved.answer == ""
    client.post(path, {"answer": "yes"})
    saved.refresh_from_db()
    assert (saved.answer, saved.answered_by) == ("confirmed", "contact@imported.example")


class SignedLongAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)


def test_a_forged_or_old_link_does_not_work(organiser_client, imported, client):
    claim(organiser_client, imported)
    data = {"claim": Claim.objects.get().pk, "email": "x@example.org"}
    assert client.get("/organisers/claims/forged/").status_code == 404
    old = SignedLongAgo(salt=CLAIM_SALT).sign_object(data, compress=True)
    assert client.get(f"/organisers/claims/{old}/").status_code == 404
    fresh = signing.dumps(data, salt=CLAIM_SALT, compress=True)
    assert client.get(f"/organisers/claims/{fresh}/").status_code == 200


def test_a_moderator_approves_seeing_whether_it_was_confirmed(
    organiser_client, organiser, imported, client, moderator_client
):
    claim(organiser_client, imported)
    saved = Claim.objects.get()
    queue = moderator_client.get("/moderation/").content.decode()
    assert f'href="/moderation/claims/{saved.pk}/"' in queue
    assert "not confirmed yet" in queue
    page = moderator_client.get(f"/moderation/claims/{saved.pk}/").content.decode()
    assert "Not yet" in page and "contact@imported.example" in page
    client.post(link_in(mail.outbox[0].body), {"answer": "yes"})
    page = moderator_client.get(f"/moderation/claims/{saved.pk}/").content.decode()
    assert "Confirmed</strong> by contact@imported.example" in page
    mail.outbox.clear()
    moderator_client.post(f"/moderation/claims/{saved.pk}/", {"action": "approve"})
    assert GroupOwner.objects.filter(group=imported, user=organiser).exists()
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert message.subject == "You can now keep a group's listing up to date"
    assert organiser_client.get(f"/organisers/groups/{imported.pk}/").status_code == 200


def test_a_moderator_turns_it_down_with_a_reason(
    organiser_client, organiser, imported, moderator_client
):
    claim(organiser_client, imported)
    saved = Claim.objects.get()
    url = f"/moderation/claims/{saved.pk}/"
    assert "Give the reason" in moderator_client.post(url, {"action": "reject"}).content.decode()
    mail.outbox.clear()
    moderator_client.post(url, {"action": "reject", "reason": "The group says no."})
    saved.refresh_from_db()
    assert (saved.status, saved.decision_reason) == ("rejected", "The group says no.")
    assert not GroupOwner.objects.filter(group=imported).exists()
    assert "The group says no." in mail.outbox[-1].body


def test_claims_are_limited_per_account(organiser_client, make_group):
    groups = [
        make_group(f"Group {n}", email=f"g{n}@example.org") for n in range(CLAIMS_PER_DAY + 1)
    ]
    for group in groups[:-1]:
        assert claim(organiser_client, group).status_code == 302
    response = claim(organiser_client, groups[-1])
    assert response.status_code == 429
    assert "try again tomorrow" in response.content.decode()
    assert Claim.objects.count() == CLAIMS_PER_DAY
    Claim.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert claim(organiser_client, groups[-1]).status_code == 302


def test_asking_twice_shows_the_request_waiting(organiser_client, imported):
    claim(organiser_client, imported)
    page = claim(organiser_client, imported, reason="Again").content.decode()
    assert "you asked to organise this group's listing on" in page
    assert Claim.objects.count() == 1


def test_an_organiser_of_the_group_is_sent_to_it(organiser_client, owned_group):
    group = owned_group()
    response = organiser_client.get(f"/organisers/claim/{group.slug}/")
    assert response["Location"] == f"/organisers/groups/{group.pk}/"


def test_only_listed_groups_can_be_claimed(organiser_client, make_group):
    draft = make_group(status="draft")
    assert organiser_client.get(f"/organisers/claim/{draft.slug}/").status_code == 404
