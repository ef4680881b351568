"""Reports reach organisers (issue 15 point 4): told of a report at most once a day with
two signed links; asked by a moderator to check before any takedown; told a takedown's
reason and able to reply; their answers kept and shown to the moderators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from moderation.models import Decision, Report
from tests.test_reports import report

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

DETAILS = "Moved to https://phish.example/new-venue, email me at x@phish.example"


def links_in(body: str) -> list[str]:
    import re

    return [re.sub(r"^https?://[^/]+", "", u) for u in re.findall(r"https?://\S+", body)]


def test_a_report_tells_the_organisers_with_two_signed_links(
    client, owned_group, organiser, moderator
):
    group = owned_group()
    report(client, group, problem="details_wrong", details=DETAILS)
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert message.subject == "Someone reported a problem with your group's listing"
    assert "some details are wrong" in message.body
    # The reporter's words arrive without a live link, in either part.
    assert "phish[.]example" in message.body
    for part in (message.body, str(message.alternatives[0].content)):
        assert "https://phish" not in part and "x@phish" not in part
    still, edit = [p for p in links_in(message.body) if "/organisers/" in p][:2]
    assert still.startswith("/organisers/still-meeting/")
    assert edit.startswith("/organisers/edit/")
    assert Report.objects.get().organisers_told_at is not None


def test_at_most_once_a_day_per_group(client, owned_group):
    group = owned_group()
    report(client, group)
    report(client, group, problem="details_wrong")
    assert len(mail.outbox) == 1
    Report.objects.update(organisers_told_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    report(client, group)
    assert len(mail.outbox) == 2


def test_a_report_of_danger_is_not_sent_to_the_organisers(client, owned_group, organiser):
    report(client, owned_group(), problem="danger")
    assert organiser.email not in [m.to[0] for m in mail.outbox]


def test_edit_the_listing_needs_sign_in(
    client, owned_group, organiser_client, other_organiser_client
):
    group = owned_group()
    report(client, group)
    edit = next(p for p in links_in(mail.outbox[0].body) if p.startswith("/organisers/edit/"))
    response = client.get(edit)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert organiser_client.get(edit)["Location"] == f"/organisers/groups/{group.pk}/edit/"
    assert other_organiser_client.get(edit).status_code == 404
    assert organiser_client.get("/organisers/edit/forged/").status_code == 404


def test_still_meets_from_the_email_needs_no_sign_in_and_the_get_changes_nothing(
    client, owned_group, moderator_client
):
    group = owned_group(last_verified=dt.date(2025, 1, 1))
    report(client, group)
    still = links_in(mail.outbox[0].body)[0]
    page = client.get(still).content.decode()  # what a mail scanner does
    assert "Yes, it still meets as listed" in page
    group.refresh_from_db()
    assert group.last_verified == dt.date(2025, 1, 1)
    client.post(still)
    group.refresh_from_db()
    assert (group.last_verified, group.confirmed_by) == (dt.date.today(), "group")
    saved = Report.objects.get()
    assert saved.organiser_reply.startswith("It still meets as listed")
    page = moderator_client.get(f"/moderation/reports/{saved.pk}/").content.decode()
    assert "The organisers&#x27; answer" in page or "The organisers' answer" in page


def test_the_moderator_sees_the_organisers_and_asks_them_with_a_date(
    client, owned_group, organiser, moderator_client, organiser_client
):
    group = owned_group()
    saved = Report.objects.create(group=group, problem="no_longer_meets")
    url = f"/moderation/reports/{saved.pk}/"
    page = moderator_client.get(url).content.decode()
    assert "organiser@example.org" in page
    assert "Ask the organisers to check" in page
    by = dt.date.today() + dt.timedelta(days=7)
    past = moderator_client.post(
        url, {"action": "ask", "ask-answer_by": dt.date.today().isoformat()}
    )
    assert "Give a date after today." in past.content.decode()
    moderator_client.post(
        url, {"action": "ask", "ask-answer_by": by.isoformat(), "ask-note": "Still on?"}
    )
    saved.refresh_from_db()
    assert saved.answer_by == by
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert f"by {by:%-d %B %Y}" in message.subject
    assert "Still on?" in message.body
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert f"Please check your listing by {by:%-d %B %Y}" in page
    organiser_client.post(
        f"/organisers/groups/{group.pk}/reports/{saved.pk}/answer/", {"text": "Yes, Tuesdays."}
    )
    saved.refresh_from_db()
    assert (saved.organiser_reply, saved.replied_by) == ("Yes, Tuesdays.", organiser)
    assert "the organisers answered" in moderator_client.get("/moderation/").content.decode()


def test_no_takedown_before_the_organisers_are_asked_and_the_date_passes(
    owned_group, moderator_client
):
    group = owned_group()
    saved = Report.objects.create(group=group, problem="no_longer_meets")
    url = f"/moderation/reports/{saved.pk}/"
    close = {"action": "resolve", "note": "Gone.", "archive": "on"}
    page = moderator_client.post(url, close).content.decode()
    assert "Ask the organisers to check the listing first" in page
    by = dt.date.today() + dt.timedelta(days=3)
    moderator_client.post(url, {"action": "ask", "ask-answer_by": by.isoformat()})
    assert "have until" in moderator_client.post(url, close).content.decode()
    group.refresh_from_db()
    assert group.status == "published"
    Report.objects.update(answer_by=dt.date.today() - dt.timedelta(days=1))
    mail.outbox.clear()
    assert moderator_client.post(url, close).status_code == 302
    group.refresh_from_db()
    assert group.status == "archived"


def test_a_group_nobody_organises_or_a_danger_report_can_come_down_at_once(
    make_group, owned_group, moderator_client
):
    orphan = make_group()
    danger = Report.objects.create(group=owned_group(), problem="danger")
    for saved in (Report.objects.create(group=orphan, problem="no_longer_meets"), danger):
        url = f"/moderation/reports/{saved.pk}/"
        response = moderator_client.post(
            url, {"action": "resolve", "note": "Down.", "archive": "on"}
        )
        assert response.status_code == 302
        saved.group.refresh_from_db()
        assert saved.group.status == "archived"


def test_a_takedown_emails_the_reason_and_the_organisers_reply(
    owned_group, moderator_client, organiser_client, organiser
):
    group = owned_group()
    saved = Report.objects.create(group=group, problem="danger", details="x")
    moderator_client.post(
        f"/moderation/reports/{saved.pk}/",
        {"action": "resolve", "note": "The venue says it closed.", "archive": "on"},
    )
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert message.subject == "Your group's listing was taken out of the directory"
    assert "The venue says it closed." in message.body
    page = organiser_client.get(f"/organisers/groups/{group.pk}/").content.decode()
    assert "The venue says it closed." in page and "Reply to the moderators" in page
    organiser_client.post(
        f"/organisers/groups/{group.pk}/takedown/reply/", {"text": "We moved next door."}
    )
    takedown = Decision.objects.get(action="archived")
    assert (takedown.reply, takedown.replied_by) == ("We moved next door.", organiser)
    queue = moderator_client.get("/moderation/").content.decode()
    assert "We moved next door." in queue
    moderator_client.post(f"/moderation/replies/{takedown.pk}/read/")
    assert "We moved next door." not in moderator_client.get("/moderation/").content.decode()


def test_checked_by_a_moderator_closes_a_report_and_confirms_the_listing(
    make_group, moderator_client
):
    group = make_group(last_verified=dt.date(2025, 1, 1))
    saved = Report.objects.create(group=group, problem="needs_checking")
    moderator_client.post(
        f"/moderation/reports/{saved.pk}/",
        {"action": "resolve", "note": "Phoned the venue.", "still_meets": "on"},
    )
    group.refresh_from_db()
    assert (group.last_verified, group.confirmed_by) == (dt.date.today(), "moderator")
    assert "Checked by the directory on" in group.confirmation_text()
