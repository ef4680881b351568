"""Who confirmed a listing, stored and worded on cards and pages: the group, the
directory's moderators, or the meeting list a feed reads (issue 14 point 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from groups.models import ConfirmedBy, confirmed_values
from groups.services import GroupValues, save_group
from organisers.models import GroupOwner
from tests.support.moderation import decide

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

ON = dt.date(2026, 3, 3)


def shown(client, group) -> tuple[str, str]:
    """The group's page and the results page around LS6."""
    page = client.get(group.get_absolute_url()).content.decode()
    results = client.get("/?near=LS6&condition=alcohol").content.decode()
    return page, results


def test_a_group_its_organisers_confirmed_says_so(owned_group, organiser_client, client, ls6):
    group = owned_group(last_verified=ON, confirmed_by=ConfirmedBy.MODERATOR)
    organiser_client.post(f"/organisers/groups/{group.pk}/confirm/")
    group.refresh_from_db()
    assert group.confirmed_by == ConfirmedBy.GROUP
    today = dt.date.today()
    wording = f"Confirmed by the group on {today.day} {today:%B %Y}"
    for text in shown(client, group):
        assert wording in text
    assert wording in organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()


def test_a_listing_a_moderator_checked_says_the_directory_checked_it(make_group, client, ls6):
    group = make_group(**confirmed_values(ConfirmedBy.MODERATOR, ON))
    for text in shown(client, group):
        assert "Checked by the directory on 3 March 2026" in text


def test_a_listing_from_a_feed_names_its_meeting_list(make_group, client, ls6):
    group = make_group(**confirmed_values(ConfirmedBy.FEED, ON, source="Sheffield AA"))
    assert group.confirmed_source == "Sheffield AA"
    for text in shown(client, group):
        assert "From the Sheffield AA meeting list, checked 3 March 2026" in text


def test_a_listing_never_confirmed_says_so(make_group):
    assert make_group(last_verified=None).confirmation_text() == "Not yet confirmed"


def test_approving_an_organisers_group_confirms_it_as_the_groups(
    make_group, moderator_client, organiser
):
    owned = make_group("Owned", status="pending", last_verified=None)
    GroupOwner.objects.create(group=owned, user=organiser)
    orphan = make_group("Imported", status="pending", last_verified=None)
    for group in (owned, orphan):
        decide(moderator_client, f"/moderation/groups/{group.pk}/")
        group.refresh_from_db()
    assert (owned.confirmed_by, owned.last_verified) == (ConfirmedBy.GROUP, dt.date.today())
    assert (orphan.confirmed_by, orphan.last_verified) == (ConfirmedBy.MODERATOR, dt.date.today())


def test_only_a_feed_has_a_source(make_group):
    group = make_group()
    assert confirmed_values(ConfirmedBy.GROUP, ON, source="Ignored")["confirmed_source"] == ""
    with pytest.raises(IntegrityError), transaction.atomic():
        type(group).objects.filter(pk=group.pk).update(
            confirmed_by=ConfirmedBy.GROUP, confirmed_source="Sheffield AA"
        )


def test_the_history_shows_who_confirmed(make_group, moderator_client, moderator):
    group = make_group(last_verified=None)
    save_group(
        group=group,
        values=GroupValues(**confirmed_values(ConfirmedBy.FEED, ON, source="Leeds NA")),
        audiences=None,
        actor=moderator,
    )
    page = moderator_client.get(f"/moderation/groups/{group.pk}/history/").content.decode()
    assert "A meeting list (Leeds NA)" in page
