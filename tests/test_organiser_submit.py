"""Edits are never lost: a draft needs only a name, the listing is checked before it is
sent, the organiser sees what was sent, a turned-down edit reopens with the reason,
never-listed drafts can be deleted, and a group can be paused."""

from __future__ import annotations

import datetime as dt

import pytest

from groups.models import Group
from moderation.services import reject_revision
from organisers.models import GroupRevision, RevisionStatus
from tests.support.organisers import group_form_data

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

NEW = "/organisers/groups/new/"


def only_a_name() -> dict[str, object]:
    data = {key: value for key, value in group_form_data().items() if key.startswith("meetings-")}
    data.update({"meetings-TOTAL_FORMS": "0", "name": "Just a name", "action": "draft"})
    return data


def test_a_draft_needs_only_a_name(organiser_client):
    response = organiser_client.post(NEW, only_a_name())
    assert response.status_code == 302, response.content.decode()[:2000]
    group = Group.objects.get(name="Just a name")
    assert (group.status, group.orientation, group.group_type) == ("draft", "", None)
    assert not group.conditions.exists()


def test_continue_saves_a_draft_and_shows_the_whole_listing_to_check(organiser_client, ls6):
    response = organiser_client.post(NEW, group_form_data(action="check"))
    group = Group.objects.get(name="Hyde Park Recovery Group")
    assert group.status == "draft"
    assert response["Location"] == f"/organisers/groups/{group.pk}/check/"
    page = organiser_client.get(response["Location"]).content.decode()
    assert "Check your answers" in page
    for shown in ("Hyde Park Recovery Group", "Hyde Park Community Centre", "Every Tuesday"):
        assert shown in page
    assert "Submit for review" in page

    organiser_client.post(f"/organisers/groups/{group.pk}/submit/")
    group.refresh_from_db()
    assert group.status == "pending"
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "What you sent for review" in page
    assert "Hyde Park Community Centre" in page


def test_the_check_page_says_what_stops_a_draft_being_sent(organiser_client):
    organiser_client.post(NEW, only_a_name())
    group = Group.objects.get(name="Just a name")
    page = organiser_client.get(f"/organisers/groups/{group.pk}/check/").content.decode()
    assert "There is a problem" in page
    assert "Choose at least one condition" in page
    assert "Submit for review" not in page
    organiser_client.post(f"/organisers/groups/{group.pk}/submit/")
    group.refresh_from_db()
    assert group.status == "draft"


def test_a_fortnightly_meeting_with_no_date_is_said_to_be_left_out_of_calendars(
    organiser_client, ls6
):
    organiser_client.post(
        NEW, group_form_data(action="check", **{"meetings-0-recurrence": "fortnightly"})
    )
    group = Group.objects.get(name="Hyde Park Recovery Group")
    page = organiser_client.get(f"/organisers/groups/{group.pk}/check/").content.decode()
    assert "calendars will leave this meeting out" in page


def test_turned_down_changes_reopen_in_the_form_with_the_reason(
    organiser_client, owned_group, moderator, ls6
):
    group = owned_group("Listed Circle")
    url = f"/organisers/groups/{group.pk}/edit/"
    organiser_client.post(url, group_form_data(name="Listed Circle", cost="£3 a week"))
    revision = GroupRevision.objects.get(group=group)
    assert revision.status == RevisionStatus.PENDING
    reject_revision(revision=revision, moderator=moderator, reason="Say what the £3 pays for.")

    page = organiser_client.get(url).content.decode()
    assert "Your changes were not approved" in page
    assert "Say what the £3 pays for." in page
    assert 'value="£3 a week"' in page

    organiser_client.post(url, group_form_data(name="Listed Circle", cost="£3 a week for tea"))
    resubmitted = GroupRevision.objects.filter(group=group).exclude(pk=revision.pk).get()
    assert resubmitted.status == RevisionStatus.PENDING
    assert resubmitted.data["values"]["cost"] == "£3 a week for tea"


def test_an_organiser_deletes_a_draft_that_was_never_listed(organiser_client, organiser):
    organiser_client.post(NEW, only_a_name())
    group = Group.objects.get(name="Just a name")
    url = f"/organisers/groups/{group.pk}/delete/"
    assert "Delete the draft" in organiser_client.get(url).content.decode()
    response = organiser_client.post(url)
    assert response["Location"] == "/organisers/"
    page = organiser_client.get("/organisers/").content.decode()
    assert "The draft “Just a name” is deleted." in page
    assert f'href="/organisers/groups/{group.pk}/"' not in page
    assert organiser_client.get(f"/organisers/groups/{group.pk}/").status_code == 404
    record = Group.history.filter(id=group.pk).latest()
    assert (record.history_user, record.history_change_reason) == (
        organiser,
        "Draft deleted by its organiser",
    )


def test_a_group_that_was_listed_cannot_be_deleted(organiser_client, owned_group):
    group = owned_group("Once listed")
    assert organiser_client.get(f"/organisers/groups/{group.pk}/delete/").status_code == 404
    assert organiser_client.post(f"/organisers/groups/{group.pk}/delete/").status_code == 404
    assert Group.objects.get(pk=group.pk).status == "published"


def test_an_organiser_pauses_a_group_until_a_date_and_it_comes_back(
    organiser_client, owned_group, client
):
    group = owned_group("Summer break", meetings="Mon 19:00-20:00")
    back = dt.date.today() + dt.timedelta(days=30)
    organiser_client.post(f"/organisers/groups/{group.pk}/pause/", {"until": back.isoformat()})
    group.refresh_from_db()
    assert (group.paused, group.paused_until) == (True, back)
    assert group.is_paused()
    assert not group.is_paused(back)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Paused" in page
    assert f"{back:%-d %B %Y}" in page
    organiser_client.post(f"/organisers/groups/{group.pk}/resume/")
    group.refresh_from_db()
    assert (group.paused, group.paused_until) == (False, None)


def test_a_pause_date_must_be_in_the_future(organiser_client, owned_group):
    group = owned_group("Summer break")
    response = organiser_client.post(
        f"/organisers/groups/{group.pk}/pause/", {"until": "2000-01-01"}
    )
    assert "must be in the future" in response.content.decode()
    assert not Group.objects.get(pk=group.pk).paused


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("0113 496 0000", True),  # Ofcom's drama numbers, as the sample groups use
        ("07700 900123", True),
        ("01632 960214", True),
        ("+353 1 234 5678", True),
        ("116 123", True),
        ("12345", False),
        ("call us", False),
    ],
)
def test_phone_numbers_are_checked(organiser_client, ls6, phone, ok):
    response = organiser_client.post(NEW, group_form_data(phone=phone))
    assert Group.objects.filter(phone=phone).exists() == ok
    if not ok:
        assert "Enter a phone number" in response.content.decode()


def test_monthly_meetings_need_their_week_and_offer_no_not_monthly(organiser_client, ls6):
    page = organiser_client.get(NEW).content.decode()
    assert "Not monthly" not in page
    response = organiser_client.post(NEW, group_form_data(**{"meetings-0-recurrence": "monthly"}))
    assert "Say which week of the month the group meets." in response.content.decode()
    assert not Group.objects.exists()


def test_the_form_takes_a_meetings_own_values_and_the_groups_new_fields(organiser_client, ls6):
    from groups.models import Audience

    carers = Audience.objects.get(slug="carers_family")
    organiser_client.post(
        NEW,
        group_form_data(
            format="hybrid",
            online_url="",
            online_on_request="on",
            what_to_expect="Someone meets you at the door.",
            venue_hidden="true",
            **{
                "meetings-0-format": "online",
                "meetings-0-online_url": "https://example.org/family",
                "meetings-0-audiences": [carers.pk],
                "meetings-0-languages": "Polish",
            },
        ),
    )
    group = Group.objects.get(name="Hyde Park Recovery Group")
    assert group.status == "pending"
    assert (group.online_on_request, group.venue_hidden) == (True, True)
    assert group.what_to_expect == "Someone meets you at the door."
    meeting = group.meetings.get()
    assert meeting.format == "online"
    assert meeting.online_url == "https://example.org/family"
    assert [a.slug for a in meeting.audiences.all()] == ["carers_family"]
    assert meeting.languages == ["pl"]
