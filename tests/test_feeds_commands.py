"""manage.py add_source and sync_sources (issue 14, point 2), as an admin runs them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from feeds.models import FeedFormat, Source
from groups.models import Group
from tests.support.feeds import fixture

pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]
pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_add_source_adds_then_updates_by_name(feed_server, django_user_model):
    url = feed_server.serve("/meetings.json", fixture("meeting_guide.json"))
    django_user_model.objects.create_superuser("mod", "moderator@example.org", "pw-Mod-1")

    added = run(
        "add_source", "Leeds AA intergroup", "--format", "meeting-guide", "--url", url,
        "--group-type", "twelve_step", "--condition", "alcohol", "--audience", "women",
        "--orientation", "inward",
    )  # fmt: skip
    updated = run("add_source", "Leeds AA intergroup", "--format", "meeting-guide",
                  "--url", url, "--trusted", "--by", "moderator@example.org")  # fmt: skip

    assert added.startswith("Added Leeds AA intergroup (Meeting Guide JSON feed; new listings wait")
    assert updated.startswith("Updated Leeds AA intergroup")
    source = Source.objects.get()
    assert (source.format, source.url, source.trusted) == (FeedFormat.MEETING_GUIDE, url, True)
    assert [c.slug for c in source.conditions.all()] == ["alcohol"]
    assert [a.slug for a in source.audiences.all()] == ["women"]


def test_add_source_refuses_what_it_cannot_use():
    with pytest.raises(CommandError, match="--group-type 'twelve' is not one of"):
        run("add_source", "X", "--format", "bmlt", "--url", "https://example.org/",
            "--group-type", "twelve", "--condition", "drugs")  # fmt: skip
    with pytest.raises(CommandError, match="at least one --condition"):
        run("add_source", "X", "--format", "bmlt", "--url", "https://example.org/")
    with pytest.raises(CommandError, match="address"):
        run("add_source", "X", "--format", "bmlt", "--url", "javascript:alert(1)",
            "--condition", "drugs")  # fmt: skip
    with pytest.raises(CommandError, match="at most once an hour"):
        run("add_source", "X", "--format", "bmlt", "--url", "https://example.org/",
            "--condition", "drugs", "--every", "0")  # fmt: skip
    assert not Source.objects.exists()


def test_only_a_moderator_may_trust_a_source(django_user_model):
    """A trusted source publishes at once, as an import with --publish does."""
    django_user_model.objects.create_user("staff", "staff@example.org", "pw-Staff-1", is_staff=True)
    args = ("add_source", "X", "--format", "bmlt", "--url", "https://example.org/",
            "--condition", "drugs", "--trusted")  # fmt: skip
    with pytest.raises(CommandError, match="--trusted needs --by"):
        run(*args)
    with pytest.raises(CommandError, match="approve permission"):
        run(*args, "--by", "staff@example.org")
    assert not Source.objects.exists()


def test_sync_sources_syncs_what_is_due_and_reports(aa_leeds):
    out = run("sync_sources")

    assert "Leeds AA intergroup: 13 meetings; added 7, changed 0, unchanged 0, gone 0" in out
    assert "6 rows left out" in out
    # Progress, as the project's other commands show it in a pipe.
    assert "Syncing Leeds AA intergroup: 7 of 7 groups (100%)" in out
    assert Group.objects.count() == 7
    assert run("sync_sources") == "No source is due.\n"


def test_sync_sources_by_name_runs_now_and_dry_run_writes_nothing(aa_leeds):
    Source.objects.filter(pk=aa_leeds.pk).update(last_checked_at=timezone.now())

    out = run("sync_sources", "--source", "Leeds AA intergroup", "--dry-run")

    assert "\nDry run: Leeds AA intergroup: 13 meetings; would add 7" in out
    assert not Group.objects.exists()
    with pytest.raises(CommandError, match="No source named 'Nope'"):
        run("sync_sources", "--source", "Nope")


def test_sync_sources_fails_loudly_for_cron(aa_leeds, feed_server):
    feed_server.serve("/meetings.json", raw=b"not json")

    with pytest.raises(CommandError, match="1 source"):
        run("sync_sources")


def test_an_hourly_source_is_due_at_each_hourly_run_though_cron_drifts(aa_leeds):
    """A sync counts from when it started: cron's next run, a few seconds early, still
    finds the source due, so an hourly source is not checked every two hours."""
    checked = timezone.now().replace(hour=10, minute=0, second=5, microsecond=0)
    Source.objects.filter(pk=aa_leeds.pk).update(check_every_hours=1, last_checked_at=checked)

    def due_at(hours: int, minutes: int, seconds: int = 0) -> bool:
        now = checked.replace(hour=hours, minute=minutes, second=seconds)
        return aa_leeds in Source.objects.due(now)

    assert not due_at(10, 30)
    assert due_at(11, 0, 3)
    Source.objects.filter(pk=aa_leeds.pk).update(check_every_hours=24)
    assert not due_at(11, 0, 3)


def test_a_source_being_synced_is_not_synced_again_at_once(aa_leeds, feed_server):
    """Cron's run, an admin's Sync now in the worker and a second machine's cron may meet:
    the second sync of a source leaves it to the first."""
    Source.objects.filter(pk=aa_leeds.pk).update(syncing_since=timezone.now())

    out = run("sync_sources", "--source", "Leeds AA intergroup")

    assert "Leeds AA intergroup: a sync of it is already running; left to that one." in out
    assert feed_server.hits("/meetings.json") == 0
    assert not Group.objects.exists()


def test_a_sync_that_died_holding_its_source_does_not_hold_it_for_ever(aa_leeds, feed_server):
    died = timezone.now() - timezone.timedelta(hours=3)
    Source.objects.filter(pk=aa_leeds.pk).update(syncing_since=died)

    out = run("sync_sources", "--source", "Leeds AA intergroup")

    assert "added 7" in out
    assert Source.objects.get().syncing_since is None


def test_a_failed_sync_lets_go_of_its_source(aa_leeds, feed_server):
    feed_server.serve("/meetings.json", raw=b"not json")

    with pytest.raises(CommandError):
        run("sync_sources")

    assert Source.objects.get().syncing_since is None
