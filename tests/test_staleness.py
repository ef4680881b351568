"""The daily staleness check, by calendar months since last_verified."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from groups.models import Group
from organisers.models import StalenessReminder
from tests.support.organisers import months_ago

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

TODAY = dt.date(2026, 7, 31)


def review(today: dt.date = TODAY, *args: str) -> str:
    """The daily run as if on today (--today alone is a dry run: --apply acts)."""
    out = io.StringIO()
    extra = args or ("--apply",)
    call_command("review_staleness", f"--today={today.isoformat()}", *extra, stdout=out)
    return out.getvalue()


def test_a_group_confirmed_ten_months_ago_is_left_alone(owned_group):
    group = owned_group(last_verified=months_ago(10, TODAY))
    review()
    assert mail.outbox == []
    group.refresh_from_db()
    assert group.status == "published"
    assert not group.is_stale(TODAY)


def test_at_eleven_months_the_organisers_are_asked_once(owned_group, organiser):
    group = owned_group(last_verified=months_ago(11, TODAY))
    assert "1 reminded" in review()
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert "still meet as listed" in message.subject
    assert f"/organisers/groups/{group.pk}/" in message.body
    assert "/organisers/still-meeting/" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    review()
    review(TODAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 1
    group.refresh_from_db()
    assert group.status == "published"


def test_reminders_count_calendar_months(owned_group):
    # 31 August to 30 July is 10 whole months; to 31 July, 11.
    owned_group(last_verified=dt.date(2025, 8, 31))
    review(dt.date(2026, 7, 30))
    assert mail.outbox == []
    review(dt.date(2026, 7, 31))
    assert len(mail.outbox) == 1


def test_a_month_from_the_31st_ends_on_a_shorter_months_last_day(owned_group):
    # 11 months after 31 March 2025 is 28 February 2026, not 1 March.
    owned_group(last_verified=dt.date(2025, 3, 31))
    review(dt.date(2026, 2, 27))
    assert mail.outbox == []
    review(dt.date(2026, 2, 28))
    assert len(mail.outbox) == 1


def test_eighteen_months_from_the_31st_ends_on_a_shorter_months_last_day(owned_group):
    group = owned_group(last_verified=dt.date(2024, 8, 31))
    review(dt.date(2026, 2, 27))
    group.refresh_from_db()
    assert group.status == "published"
    assert "1 taken out of search" in review(dt.date(2026, 2, 28))


def test_may_be_out_of_date_from_the_same_day_a_year_on(make_group):
    leap = make_group(last_verified=dt.date(2024, 2, 29))
    assert not leap.is_stale(dt.date(2025, 2, 27))
    assert leap.is_stale(dt.date(2025, 2, 28))
    group = make_group("Other", last_verified=dt.date(2025, 7, 31))
    assert not group.is_stale(dt.date(2026, 7, 30))
    assert group.is_stale(dt.date(2026, 7, 31))
    assert make_group("Never", last_verified=None).is_stale(TODAY)


def test_at_twelve_months_it_is_listed_with_a_warning(owned_group, client, ls6):
    group = owned_group(last_verified=months_ago(12))
    assert group.is_stale()
    call_command("review_staleness", stdout=io.StringIO())
    group.refresh_from_db()
    assert group.status == "published"
    assert "May be out of date" in client.get(group.get_absolute_url()).content.decode()
    results = client.get("/?near=LS6&condition=alcohol").content.decode()
    assert group.name in results
    assert "May be out of date" in results


def test_at_eighteen_months_it_leaves_search_and_comes_back_when_confirmed(
    owned_group, client, organiser_client, ls6
):
    group = owned_group(last_verified=dt.date(2025, 1, 31))
    review(dt.date(2026, 7, 30))  # 17 months
    group.refresh_from_db()
    assert group.status == "published"
    assert "1 taken out of search" in review(dt.date(2026, 7, 31))
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("archived", "stale")
    assert Group.objects.filter(pk=group.pk).exists()
    assert group.name not in client.get("/?near=LS6&condition=alcohol").content.decode()
    assert "may no longer meet" in client.get(group.get_absolute_url()).content.decode()
    assert "out of search" in mail.outbox[-1].subject
    assert StalenessReminder.objects.filter(group=group, kind="archived").exists()

    organiser_client.post(f"/organisers/groups/{group.pk}/confirm/")
    group.refresh_from_db()
    assert (group.status, group.archived_reason, group.last_verified) == (
        "published",
        "",
        dt.date.today(),
    )
    assert group.name in client.get("/?near=LS6&condition=alcohol").content.decode()


def test_a_group_its_organiser_closed_stays_closed(owned_group, organiser_client):
    group = owned_group(last_verified=dt.date(2024, 1, 1))
    organiser_client.post(f"/organisers/groups/{group.pk}/close/", {"confirm": "on"})
    review()
    organiser_client.post(f"/organisers/groups/{group.pk}/confirm/")
    group.refresh_from_db()
    assert (group.status, group.archived_reason) == ("archived", "closed")


@pytest.mark.parametrize(
    "args", [("--dry-run",), ("--dry-run", "--apply")], ids=["dry-run", "dry-run-wins"]
)
def test_dry_run_changes_nothing(owned_group, args):
    group = owned_group(last_verified=dt.date(2020, 1, 1))
    assert "Would have: 0 reminded, 1 taken out of search" in review(TODAY, *args)
    group.refresh_from_db()
    assert group.status == "published"
    assert mail.outbox == []


def test_another_date_is_a_dry_run_unless_applied(owned_group):
    group = owned_group(last_verified=dt.date(2020, 1, 1))
    out = io.StringIO()
    call_command("review_staleness", f"--today={TODAY.isoformat()}", stdout=out)
    assert "Would have: 0 reminded, 1 taken out of search" in out.getvalue()
    assert "Nothing was changed or sent" in out.getvalue()
    group.refresh_from_db()
    assert group.status == "published"
    assert mail.outbox == []
    assert "1 taken out of search" in review(TODAY, "--apply")
    group.refresh_from_db()
    assert group.status == "archived"


def test_drafts_and_pending_groups_are_not_touched(owned_group):
    owned_group(status="pending", last_verified=dt.date(2020, 1, 1))
    owned_group(status="draft", last_verified=None)
    review()
    assert set(Group.objects.values_list("status", flat=True)) == {"pending", "draft"}


def test_a_row_a_later_rule_refuses_does_not_stop_the_run_and_fails_it_loudly(owned_group):
    from django.core.management.base import CommandError

    from tests.support.legacy import legacy_values

    refused = legacy_values(owned_group(last_verified=dt.date(2024, 1, 1)), name="Two\nlines")
    other = owned_group(last_verified=dt.date(2024, 1, 1))
    with pytest.raises(CommandError, match=f"(?s)1 group\\(s\\) could not .*group {refused.pk}:"):
        review()
    refused.refresh_from_db()
    other.refresh_from_db()
    assert refused.status == "published"  # left for a moderator to correct
    assert (other.status, other.archived_reason) == ("archived", "stale")
