"""Moderators get one digest a day, not an email per event; only a report of danger is
sent at once; no subject carries text nobody moderated (issue 13 point 6)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string

from groups.models import Group
from moderation.digest import add_to_digest, moderators
from moderation.models import DigestItem, DigestRun, Report
from tests.support.organisers import group_form_data

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

PHISHING = "URGENT NHS smartcard expired - re-verify at https://evil.example/login"


def digest() -> str:
    out = io.StringIO()
    call_command("send_moderation_digest", stdout=out)
    return out.getvalue()


@pytest.fixture
def waiting(organiser_client, owned_group, ls6):
    """A new group, changes to a listed one and a report, all waiting for moderators."""
    organiser_client.post("/organisers/groups/new/", group_form_data(name=PHISHING))
    listed = owned_group("Listed group")
    organiser_client.post(f"/organisers/groups/{listed.pk}/edit/", group_form_data(name="Renamed"))
    Report.objects.create(group=listed, problem="details_wrong", details="Wrong time")
    return listed


def test_submissions_and_reports_send_no_email_to_staff(waiting, moderator):
    assert mail.outbox == []


def test_the_digest_goes_to_each_moderator_once_a_day(waiting, moderator, make_user):
    permitted = make_user("permitted@example.org", staff=True)
    permitted.user_permissions.add(Permission.objects.get(codename="approve_listings"))
    make_user("staff.without.permission@example.org", staff=True)
    make_user("organiser.only@example.org")
    assert set(moderators().values_list("email", flat=True)) == {
        "moderator@example.org",
        "permitted@example.org",
    }

    assert "3 waiting, sent to 2 moderator(s)" in digest()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "moderator@example.org",
        "permitted@example.org",
    ]
    assert "already sent" in digest()
    assert len(mail.outbox) == 2
    assert DigestRun.objects.get().day == dt.date.today()


def test_it_lists_new_groups_changes_reports_and_what_others_add(waiting, moderator):
    new = Group.objects.get(status="pending")
    revision = waiting.revisions.get()
    report = Report.objects.get()
    add_to_digest("feed_problem", "The Leeds NA feed could not be read.", url="/admin/feeds/1/")
    digest()
    (message,) = mail.outbox
    body, html = message.body, str(message.alternatives[0].content)
    assert message.subject == f"Moderation digest for {dt.date.today():%-d %B %Y}: 4 waiting"
    assert "New groups to review (1)" in body
    assert f"/moderation/groups/{new.pk}/" in body
    # Unmoderated text arrives without a live link.
    assert "evil[.]example" in body and "https://evil" not in body
    assert "https://evil" not in html
    assert f"/moderation/revisions/{revision.pk}/" in body
    assert "Listed group: Some details are wrong" in body
    assert f"/moderation/reports/{report.pk}/" in body
    assert "Wrong time" not in body  # the reporter's words stay on the report page
    assert "Feed problems (1)" in body
    assert "NEW: The Leeds NA feed could not be read." in body
    assert DigestItem.objects.get().sent_on == dt.date.today()


def test_items_are_new_only_once(waiting, moderator):
    digest()
    DigestRun.objects.update(day=dt.date.today() - dt.timedelta(days=1))
    mail.outbox.clear()
    digest()
    (message,) = mail.outbox
    assert "NEW:" not in message.body
    assert "New groups to review (1)" in message.body  # still waiting, so still listed


def test_an_empty_queue_sends_nothing(moderator):
    assert "0 waiting, sent to 0 moderator(s)" in digest()
    assert mail.outbox == []


def test_a_report_of_danger_is_sent_at_once(client, make_group, moderator):
    from tests.test_reports import report

    group = make_group()
    report(client, group, problem="danger", details="He threatened a member: https://x.example")
    (message,) = mail.outbox
    assert message.to == [moderator.email]
    assert message.subject == "Urgent: a report that someone could be at risk of harm"
    saved = Report.objects.get()
    assert f"/moderation/reports/{saved.pk}/" in message.body
    assert "threatened" not in message.body
    assert group.name not in message.subject
    mail.outbox.clear()
    report(client, group, problem="details_wrong")
    assert mail.outbox == []


def test_no_email_subject_carries_a_groups_or_a_persons_text():
    """Every subject template, rendered with hostile text in every value it could read."""
    subjects = sorted(Path(settings.BASE_DIR, "templates", "email").glob("*_subject.txt"))
    assert len(subjects) >= 8
    marker = "MARKER-TEXT"
    group = Group(name=marker, summary=marker, town=marker)
    context = {
        "group": group,
        "reason": marker,
        "invited_by": {"email": marker},
        "what": marker,
        "changes": True,
        "day": dt.date.today(),
        "waiting": 1,
    }
    for path in subjects:
        subject = render_to_string(f"email/{path.name}", context)
        assert subject.strip(), path.name
        assert marker not in subject, path.name
