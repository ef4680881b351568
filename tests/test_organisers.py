"""Organisers list and update their own groups; edits to listed groups wait for review."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence.models import Evidence
from groups.models import Group, single_line
from organisers.models import GroupOwner, GroupRevision, Invitation
from tests.support.moderation import decide
from tests.support.organisers import group_form_data

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

NEW = "/organisers/groups/new/"


def test_it_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/organisers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_only_my_groups(organiser_client, owned_group, make_group):
    owned_group("Mine")
    make_group("Not mine")
    page = organiser_client.get("/organisers/").content.decode()
    assert "Mine" in page
    assert "Not mine" not in page


def test_it_saves_a_draft_that_nobody_else_sees(organiser_client, organiser, ls6, client):
    response = organiser_client.post(NEW, group_form_data(action="draft"))
    group = Group.objects.get(name="Hyde Park Recovery Group")
    assert response["Location"] == f"/organisers/groups/{group.pk}/"
    assert group.status == "draft"
    assert GroupOwner.objects.filter(group=group, user=organiser).exists()
    assert client.get(group.get_absolute_url()).status_code == 404
    assert mail.outbox == []


def test_it_submits_a_group_for_review(organiser_client, organiser, moderator, ls6):
    organiser_client.post(NEW, group_form_data())
    group = Group.objects.get(name="Hyde Park Recovery Group")
    assert group.status == "pending"
    assert group.last_verified is None
    assert [m.describe() for m in group.meetings.all()] == ["Every Tuesday, 7pm to 8:30pm"]
    assert group.languages == ["en", "bfi"]
    assert (group.latitude, group.longitude) == (ls6.latitude, ls6.longitude)
    record = group.history.latest()
    assert record.history_user == organiser
    assert record.history_change_reason == "Submitted for review"
    assert mail.outbox == []  # moderators hear of it in the next daily digest


def test_it_shows_each_error_beside_its_field_and_in_a_summary(organiser_client, ls6):
    data = group_form_data(name="", **{"meetings-0-end_time": "19:00"})
    data.pop("conditions")
    response = organiser_client.post(NEW, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert "There is a problem" in page
    assert 'href="#id_name"' in page
    assert 'href="#id_conditions_0"' in page
    assert 'href="#id_meetings-0-end_time"' in page
    assert 'id="id_meetings-0-end_time-error"' in page
    assert "The end time must be different from the start time" in page
    assert not Group.objects.exists()


def test_it_needs_a_place_it_can_find_before_submitting(organiser_client, ls6):
    response = organiser_client.post(NEW, group_form_data(postcode="ZZ99 9ZZ", town=""))
    assert "We cannot find where the group meets" in response.content.decode()
    assert not Group.objects.exists()
    # A draft can wait for the place.
    organiser_client.post(NEW, group_form_data(postcode="ZZ99 9ZZ", town="", action="draft"))
    assert Group.objects.get().latitude is None


def test_postcode_and_town_say_they_are_needed_for_groups_that_meet_in_person(organiser_client):
    html = organiser_client.get(NEW).content.decode()

    for field in ("id_postcode", "id_town"):
        label = re.search(rf'<label class="nhsuk-label" for="{field}">(.*?)</label>', html)
        assert label and "(optional)" not in label.group(1)
        hint = re.search(rf'<div class="nhsuk-hint" id="{field}-hint">(.*?)</div>', html, re.S)
        assert hint and "Needed for groups that meet in person" in hint.group(1)


def test_it_adds_a_meeting_without_javascript_and_without_saving(organiser_client, ls6):
    response = organiser_client.post(NEW, group_form_data(name="", action="add_meeting"))
    page = response.content.decode()
    assert 'name="meetings-TOTAL_FORMS" value="2"' in page
    assert 'id="id_meetings-1-weekday"' in page
    assert "There is a problem" not in page
    assert not Group.objects.exists()


def test_an_added_meeting_starts_weekly_and_the_page_opens_at_it(organiser_client, ls6):
    response = organiser_client.post(NEW, group_form_data(action="add_meeting"))
    page = response.content.decode()
    # Bound forms show what was sent: the new one gets the default an unbound one has.
    (weekly,) = re.findall(r'<input[^>]*id="id_meetings-1-recurrence_0"[^>]*>', page)
    assert 'value="weekly"' in weekly
    assert "checked" in weekly
    assert 'id="meeting-2"' in page
    # The next "Add another meeting" opens the page at the meeting it adds.
    assert 'formaction="/organisers/groups/new/#meeting-3"' in page
    assert 'action="/organisers/groups/new/"' in page


@pytest.mark.parametrize("total", ["", "two", "-1", "99"])
def test_adding_a_meeting_with_a_forged_count_adds_none(organiser_client, ls6, total):
    response = organiser_client.post(
        NEW, group_form_data(action="add_meeting", **{"meetings-TOTAL_FORMS": total})
    )
    assert response.status_code == 200
    assert not Group.objects.exists()


def test_pressing_enter_continues_rather_than_adding_a_meeting(organiser_client):
    # The browser presses the form's first submit button: it must be the primary action.
    page = organiser_client.get(NEW).content.decode()
    form = page[page.index('id="group-form"') :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert 'value="check"' in first_button
    assert 'tabindex="-1"' in first_button
    assert 'aria-hidden="true"' in first_button


def test_it_adds_and_removes_meetings_on_one_page(organiser_client, owned_group, ls6):
    group = owned_group(status="draft", meetings="Tue 19:00-20:30; Thu 10:00-11:00")
    data = group_form_data(
        action="draft",
        **{
            "meetings-TOTAL_FORMS": "3",
            "meetings-INITIAL_FORMS": "2",
            "meetings-0-weekday": "1",
            "meetings-0-start_time": "19:00",
            "meetings-0-end_time": "20:30",
            "meetings-0-recurrence": "weekly",
            "meetings-1-weekday": "3",
            "meetings-1-start_time": "10:00",
            "meetings-1-end_time": "11:00",
            "meetings-1-recurrence": "weekly",
            "meetings-1-DELETE": "on",
            "meetings-2-weekday": "0",
            "meetings-2-start_time": "18:00",
            "meetings-2-end_time": "19:30",
            "meetings-2-recurrence": "monthly",
            "meetings-2-week_of_month": "2",
        },
    )
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", data)
    assert sorted(m.describe() for m in group.meetings.all()) == [
        "2nd Monday of the month, 6pm to 7:30pm",
        "Every Tuesday, 7pm to 8:30pm",
    ]


@pytest.mark.parametrize(
    "path",
    ["", "edit/", "close/", "invite/"],
)
def test_another_organisers_group_answers_404(other_organiser_client, owned_group, path):
    group = owned_group()
    assert other_organiser_client.get(f"/organisers/groups/{group.pk}/{path}").status_code == 404


@pytest.mark.parametrize("path", ["edit/", "submit/", "withdraw/", "confirm/", "close/", "invite/"])
def test_another_organiser_cannot_change_it(other_organiser_client, owned_group, path, ls6):
    group = owned_group(last_verified=dt.date(2025, 1, 1))
    response = other_organiser_client.post(
        f"/organisers/groups/{group.pk}/{path}",
        group_form_data(name="Taken over", confirm="on", email="x@example.org"),
    )
    assert response.status_code == 404
    group.refresh_from_db()
    assert group.name != "Taken over"
    assert group.last_verified == dt.date(2025, 1, 1)
    assert group.status == "published"
    assert not GroupRevision.objects.exists()
    assert not Invitation.objects.exists()


TAMPERING = {
    "status": "published",
    "last_verified": "2020-01-01",
    "external_id": "forged-1",
    "slug": "forged-slug",
    "archived_reason": "stale",
    "search_terms": "forged",
    "created_at": "2000-01-01T00:00:00Z",
}


def test_the_form_never_sets_status_verification_or_evidence(organiser_client, ls6):
    evidence = Evidence.objects.first()
    data = group_form_data(
        action="draft", **TAMPERING, evidence=[evidence.pk], groups=[evidence.pk]
    )
    organiser_client.post(NEW, data)
    group = Group.objects.get()
    assert group.status == "draft"
    assert group.last_verified is None
    assert group.external_id is None
    assert group.slug == "hyde-park-recovery-group"
    assert group.archived_reason == ""
    assert not evidence.groups.filter(pk=group.pk).exists()
    assert not Evidence.objects.filter(groups=group).exists()


def test_editing_never_sets_status_or_verification(organiser_client, owned_group, ls6):
    group = owned_group(status="rejected", last_verified=None)
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(**TAMPERING))
    group.refresh_from_db()
    assert group.status == "pending"
    assert group.last_verified is None
    assert group.external_id is None
    # A listed group's edit is held for review, and carries none of it either.
    listed = owned_group("Listed group", last_verified=dt.date(2025, 5, 1))
    organiser_client.post(f"/organisers/groups/{listed.pk}/edit/", group_form_data(**TAMPERING))
    revision = listed.revisions.get()
    assert set(revision.data["values"]) & set(TAMPERING) == set()
    listed.refresh_from_db()
    assert (listed.status, listed.last_verified) == ("published", dt.date(2025, 5, 1))


def test_an_edit_to_a_listed_group_waits_for_review(organiser_client, owned_group, client, ls6):
    group = owned_group("Original name")
    response = organiser_client.post(
        f"/organisers/groups/{group.pk}/edit/", group_form_data(name="New name")
    )
    assert "waiting for review" in organiser_client.get(response["Location"]).content.decode()
    revision = group.revisions.get()
    assert revision.status == "pending"
    assert revision.data["values"]["name"] == "New name"
    group.refresh_from_db()
    assert group.name == "Original name"
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Original name" in page
    assert "New name" not in page


def test_the_edit_form_shows_the_pending_changes(organiser_client, owned_group, ls6):
    group = owned_group("Original name")
    url = f"/organisers/groups/{group.pk}/edit/"
    organiser_client.post(url, group_form_data(name="Second try", action="draft"))
    assert 'value="Second try"' in organiser_client.get(url).content.decode()
    organiser_client.post(url, group_form_data(name="Third try", action="draft"))
    assert group.revisions.get().data["values"]["name"] == "Third try"  # one open revision


def test_a_draft_revision_is_submitted_from_the_group_page(organiser_client, owned_group, ls6):
    group = owned_group()
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(action="draft"))
    assert group.revisions.get().status == "draft"
    organiser_client.post(f"/organisers/groups/{group.pk}/submit/")
    assert group.revisions.get().status == "pending"
    organiser_client.post(f"/organisers/groups/{group.pk}/withdraw/")
    assert group.revisions.get().status == "withdrawn"


def test_a_draft_group_is_submitted_from_its_page(organiser_client, owned_group):
    group = owned_group(status="draft")
    organiser_client.post(f"/organisers/groups/{group.pk}/submit/")
    group.refresh_from_db()
    assert group.status == "pending"


def test_still_meeting_as_listed_confirms_it_today(organiser_client, owned_group):
    group = owned_group(last_verified=dt.date(2024, 1, 1))
    organiser_client.post(f"/organisers/groups/{group.pk}/confirm/")
    group.refresh_from_db()
    assert group.last_verified == dt.date.today()
    assert group.history.latest().history_change_reason == "Confirmed as still meeting as listed"


def test_closing_archives_the_group_for_good(organiser_client, owned_group, client):
    group = owned_group()
    url = f"/organisers/groups/{group.pk}/close/"
    assert "Tick the box" in organiser_client.post(url, {}).content.decode()
    organiser_client.post(url, {"confirm": "on"})
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("archived", "closed")
    assert "no longer meets" in client.get(group.get_absolute_url()).content.decode()
    organiser_client.post(f"/organisers/groups/{group.pk}/confirm/")
    group.refresh_from_db()
    assert group.status == "archived"
    assert Group.objects.filter(pk=group.pk).exists()


def test_a_closed_group_is_reopened_as_a_draft_and_listed_again_after_review(
    organiser_client, organiser, owned_group, moderator_client, client, ls6
):
    group = owned_group(last_verified=dt.date(2024, 1, 1))
    organiser_client.post(f"/organisers/groups/{group.pk}/close/", {"confirm": "on"})
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "Reopen the group" in page

    response = organiser_client.post(f"/organisers/groups/{group.pk}/reopen/", follow=True)
    assert "reopened as a draft" in response.content.decode()
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("draft", "")
    record = group.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        organiser,
        "Reopened by its organiser",
    )
    assert client.get(group.get_absolute_url()).status_code == 404  # not listed yet

    # The organiser can correct it in place (it is a draft, not a revision), then submit.
    response = organiser_client.post(
        f"/organisers/groups/{group.pk}/edit/", group_form_data(name=group.name, cost="£1")
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.status, group.cost) == ("pending", "£1")
    assert not group.revisions.exists()
    decide(moderator_client, f"/moderation/groups/{group.pk}/")
    group.refresh_from_db()
    assert (group.status, group.last_verified) == ("published", dt.date.today())
    assert client.get(group.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "status,reason",
    [
        ("published", ""),
        ("pending", ""),
        ("draft", ""),
        ("archived", "stale"),
        ("archived", "moderator"),
    ],
)
def test_only_a_group_its_organiser_closed_can_be_reopened(
    organiser_client, owned_group, status, reason
):
    group = owned_group(status=status, archived_reason=reason)
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "Reopen the group" not in page
    response = organiser_client.post(f"/organisers/groups/{group.pk}/reopen/", follow=True)
    assert "Only a group its organiser closed can be reopened." in response.content.decode()
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == (status, reason)


def test_a_group_a_moderator_took_down_gives_the_contact_address(
    organiser_client, owned_group, settings
):
    settings.CONTACT_EMAIL = "help@directory.test"
    group = owned_group(status="archived", archived_reason="moderator")
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert '<a href="mailto:help@directory.test">help@directory.test</a>' in page
    assert "directory@example.org" not in page


def test_another_organiser_cannot_reopen_it(other_organiser_client, organiser_client, owned_group):
    group = owned_group()
    organiser_client.post(f"/organisers/groups/{group.pk}/close/", {"confirm": "on"})
    url = f"/organisers/groups/{group.pk}/reopen/"
    assert other_organiser_client.post(url).status_code == 404
    assert organiser_client.get(url).status_code == 405
    group.refresh_from_db()
    assert group.status == "archived"


def test_an_organiser_invites_a_co_organiser(organiser_client, owned_group, make_user):
    group = owned_group()
    organiser_client.post(f"/organisers/groups/{group.pk}/invite/", {"email": "Helper@Example.org"})
    assert mail.outbox[-1].to == ["helper@example.org"]
    path = (
        "/organisers/invitations/"
        + mail.outbox[-1].body.split("/organisers/invitations/")[1].split("/")[0]
        + "/"
    )
    assert mail.outbox[-1].alternatives[0].mimetype == "text/html"

    stranger = make_user("stranger@example.org")
    from django.test import Client

    wrong = Client()
    wrong.force_login(stranger)
    assert wrong.post(path).status_code == 403

    helper = make_user("helper@example.org")
    right = Client()
    right.force_login(helper)
    assert right.get(path).status_code == 200
    right.post(path)
    assert GroupOwner.objects.filter(group=group, user=helper).exists()
    assert right.get(f"/organisers/groups/{group.pk}/").status_code == 200
    assert right.get(path).status_code == 404  # used once only


def test_one_line_fields_refuse_line_breaks_beside_the_field_and_in_the_summary(
    organiser_client, ls6
):
    data = group_form_data(
        name="Hyde Park\r\nRecovery", town="Leeds\tWest", **{"meetings-0-note": "Room\n2"}
    )
    page = organiser_client.post(NEW, data).content.decode()
    assert "There is a problem" in page
    for field in ["id_name", "id_town", "id_meetings-0-note"]:
        assert f'href="#{field}"' in page
        assert f'id="{field}-error"' in page
    assert page.count("Use a single line of text") == 6
    assert not Group.objects.exists()


def test_description_and_access_notes_keep_their_line_breaks(organiser_client, ls6):
    organiser_client.post(
        NEW, group_form_data(description="Tea.\r\nBiscuits.", access_notes="Loop.\r\nRamp.")
    )
    group = Group.objects.get()
    assert "Biscuits." in group.description and "\n" in group.description
    assert "Ramp." in group.access_notes and "\n" in group.access_notes


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028"])
def test_the_one_line_validator_refuses_control_characters(char):
    with pytest.raises(ValidationError, match="single line"):
        single_line(f"a{char}b")


def test_the_one_line_validator_accepts_ordinary_text():
    single_line("Café & “quotes” — £2, ünïcödé ✓ 🙂 عربى \u200fmixed")


def test_the_migration_puts_values_saved_before_it_on_one_line(make_group):
    group = make_group("Circle")
    Group.objects.filter(pk=group.pk).update(name="Circle\r\nBcc: x", cost="Free\t")
    group.meetings.update(note="Room\n2")
    migration = importlib.import_module("groups.migrations.0009_single_line_text")
    migration.one_line_values(django_apps, None)
    group.refresh_from_db()
    assert (group.name, group.cost) == ("Circle Bcc: x", "Free")
    assert group.meetings.get().note == "Room 2"


def test_an_unknown_language_is_an_error(organiser_client, ls6):
    response = organiser_client.post(NEW, group_form_data(languages="English, Klingonese"))
    assert "We do not know “Klingonese”" in response.content.decode()


def test_the_new_group_page_has_every_public_field(organiser_client):
    page = organiser_client.get(NEW).content.decode()
    for name in [
        "name",
        "summary",
        "description",
        "group_type",
        "orientation_0",
        "conditions_0",
        "audiences_0",
        "format_0",
        "address",
        "town",
        "postcode",
        "online_url",
        "website",
        "email",
        "phone",
        "leadership",
        "sector_0",
        "referral_0",
        "cost",
        "step_free_0",
        "access_notes",
        "languages",
        "meetings-0-weekday",
    ]:
        assert f'id="id_{name}"' in page, name
    for forbidden in ["status", "last_verified", "external_id", "slug", "evidence"]:
        assert f'name="{forbidden}"' not in page


def test_unverified_accounts_cannot_submit(make_user, ls6):
    from django.test import Client

    client = Client()
    client.force_login(make_user("new@example.org", verified=False))
    response = client.post(NEW, group_form_data())
    assert not Group.objects.exists()
    assert response.status_code == 200
    assert "confirm your email address" in response.content.decode().lower()


def test_my_groups_page_shows_reverse_url():
    assert reverse("organisers:my_groups") == "/organisers/"


def test_an_old_refusal_is_not_shown_again_after_closing_and_reopening(
    organiser_client, moderator_client, ls6
):
    organiser_client.post("/organisers/groups/new/", group_form_data())
    group = Group.objects.get()
    moderator_client.post(
        f"/moderation/groups/{group.pk}/", {"action": "reject", "reason": "Add a meeting time."}
    )
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "Add a meeting time." in page
    organiser_client.post(f"/organisers/groups/{group.pk}/close/", {"confirm": "on"})
    organiser_client.post(f"/organisers/groups/{group.pk}/reopen/")
    group.refresh_from_db()
    assert group.status == "draft"
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "Add a meeting time." not in page
