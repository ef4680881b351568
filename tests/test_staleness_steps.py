"""Staleness without loss (issue 15 point 5): reminders at 11 months and two weeks before
12 and 18, each with a signed "still meets as listed" link (no sign-in, 30 days, the GET
changes nothing); groups nobody organises go to the moderators, never silently out."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail, signing

from groups.models import Group
from moderation.models import Report
from organisers.links import STILL_MEETING_SALT
from organisers.staleness import add_months, step_due
from tests.test_staleness import review

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

VERIFIED = dt.date(2025, 1, 15)


@pytest.mark.parametrize(
    ("today", "step"),
    [
        (dt.date(2025, 12, 14), None),
        (dt.date(2025, 12, 15), "due"),  # 11 months
        (dt.date(2026, 1, 1), "before_stale"),  # 14 days before 15 January 2026
        (dt.date(2026, 1, 15), "due"),  # 12 months: out of date, no new step
        (dt.date(2026, 7, 1), "before_archive"),  # 14 days before 15 July 2026
        (dt.date(2026, 7, 15), "archived"),  # 18 months
    ],
)
def test_the_steps_of_the_schedule(today, step):
    assert step_due(VERIFIED, today) == step


def test_add_months_keeps_to_a_shorter_months_last_day():
    assert add_months(dt.date(2025, 3, 31), 11) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


def test_three_reminders_then_out_of_search_each_once(owned_group, organiser):
    group = owned_group(last_verified=VERIFIED)
    subjects = []
    for day in ["2025-12-15", "2025-12-16", "2026-01-01", "2026-01-02", "2026-07-01", "2026-07-15"]:
        review(dt.date.fromisoformat(day))
        subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "Does your group still meet as listed?",
        "Does your group still meet as listed?",
        "Your group leaves search in two weeks unless you confirm it",
        "Your group is out of search until you confirm it",
    ]
    assert "From 15 January 2026 clinicians will see it marked" in mail.outbox[1].body
    assert "On 15 July 2026 it will be taken out of search" in mail.outbox[2].body
    for message in mail.outbox:
        assert message.to == [organiser.email]
        assert "/organisers/still-meeting/" in message.body
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("archived", "stale")


def still_meeting_link(body: str) -> str:
    return next(
        line.split("://", 1)[1].split("/", 1)[1]
        for line in body.splitlines()
        if "/organisers/still-meeting/" in line
    )


def test_the_link_needs_no_sign_in_and_only_its_button_confirms(owned_group, client):
    group = owned_group(last_verified=VERIFIED)
    review(dt.date(2025, 12, 15))
    path = "/" + still_meeting_link(mail.outbox[0].body)
    page = client.get(path).content.decode()  # a mail scanner following the link
    assert "Yes, it still meets as listed" in page
    assert "Every Tuesday, 7pm to 8:30pm" in page
    group.refresh_from_db()
    assert group.last_verified == VERIFIED
    client.post(path)
    group.refresh_from_db()
    assert (group.last_verified, group.confirmed_by) == (dt.date.today(), "group")
    record = group.history.latest()
    assert record.history_user is None
    assert record.history_change_reason == "Confirmed from the emailed link as still meeting"


def test_an_archived_group_comes_back_from_the_link(owned_group, client):
    group = owned_group(last_verified=VERIFIED)
    review(dt.date(2026, 7, 15))
    client.post("/" + still_meeting_link(mail.outbox[-1].body))
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("published", "")


class SignedLongAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)


def test_the_link_expires_after_30_days(owned_group, client):
    group = owned_group(last_verified=VERIFIED)
    old = SignedLongAgo(salt=STILL_MEETING_SALT).sign_object({"group": group.pk, "report": None})
    assert client.get(f"/organisers/still-meeting/{old}/").status_code == 404
    assert client.post(f"/organisers/still-meeting/{old}/").status_code == 404
    group.refresh_from_db()
    assert group.last_verified == VERIFIED
    assert client.get("/organisers/still-meeting/forged/").status_code == 404


def test_a_group_nobody_organises_goes_to_the_moderators_not_out_of_search(
    make_group, moderator_client
):
    group = make_group(last_verified=VERIFIED)
    assert "1 sent to the moderators to check" in review(dt.date(2025, 12, 15))
    assert mail.outbox == []
    report = Report.objects.get()
    assert (report.group, report.problem) == (group, "needs_checking")
    for day in ["2026-01-01", "2026-07-01", "2026-07-15", "2027-01-01"]:
        review(dt.date.fromisoformat(day))
    assert Report.objects.count() == 1
    group.refresh_from_db()
    assert group.status == "published"
    page = moderator_client.get("/moderation/").content.decode()
    assert "Needs checking" in page
    assert f"{group.name}: Nobody organises it, and it is due to be confirmed" in page


def test_a_closed_or_draft_group_is_left_alone(owned_group):
    owned_group(status="draft", last_verified=dt.date(2020, 1, 1))
    review(dt.date(2026, 7, 15))
    assert mail.outbox == [] and not Report.objects.exists()
    assert list(Group.objects.values_list("status", flat=True)) == ["draft"]
