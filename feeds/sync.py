"""Keeping the directory in step with a source: fetch, parse, check, then apply.

A sync reports what is added, changed, unchanged and gone. A source that fails (cannot
be reached, sends what cannot be read, or suddenly lists fewer than half the meetings it
did) changes nothing, and its admins are told. Otherwise:
- new listings wait for a moderator, unless the source is trusted (and even then when
  they look like a group we list already, or have no place to show);
- a listing that has left the source goes to the moderators; nothing is deleted;
- times, address and the like change directly, recorded in the group's history as the
  source's; a changed link, phone or email from an untrusted source waits for a moderator;
- what people curate (orientation, conditions, audiences, evidence, description) is set
  once, when the listing is new, and never overwritten;
- once organisers look after a group, a change to a field they edited waits for them;
- a listing seen unchanged counts as confirmed by its source today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from groups.models import Group
from groups.progress import Track, untracked

from . import apply, notify, sources
from .fetch import FetchError
from .intermediate import FeedError, ParsedFeed, RowProblem
from .models import Outcome, Source, SourceChange, SourceListing, SyncRun

UNHEALTHY_SHARE = 0.5  # a sync that keeps less than this share of the meetings fails
MALFORMED_SHARE = 0.5  # a feed with more than this share of its rows unreadable fails


class Unhealthy(Exception):
    """The feed was read but cannot be trusted this time."""


@dataclass
class Report:
    source: Source
    run: SyncRun
    problems: list[RowProblem] = field(default_factory=list)
    busy: bool = False  # another sync of this source was running: this one did nothing

    @property
    def ok(self) -> bool:
        return self.run.outcome != Outcome.FAILED

    def summary(self) -> str:
        run = self.run
        if self.busy:
            return f"{self.source.name}: a sync of it is already running; left to that one."
        if run.outcome == Outcome.FAILED:
            return f"{self.source.name}: failed, nothing changed. {run.message}"
        if run.outcome == Outcome.NOT_MODIFIED:
            return f"{self.source.name}: unchanged since the last check ({run.unchanged} listings)."
        verb = "would add" if run.dry_run else "added"
        return (
            f"{self.source.name}: {run.meetings} meetings; {verb} {run.added}, changed "
            f"{run.changed}, unchanged {run.unchanged}, gone {run.gone}"
            + (f"; {run.skipped} rows left out" if run.skipped else "")
            + "."
        )


def sync_source(
    source: Source,
    *,
    dry_run: bool = False,
    track: Track = untracked,
    now: dt.datetime | None = None,
) -> Report:
    """Syncs one source, unless another sync of it is running (a dry run always runs:
    it writes nothing)."""
    now = now or timezone.now()
    run = SyncRun(source=source, dry_run=dry_run, started_at=now)
    if dry_run:
        return _sync(source, run, now, track)
    if not Source.objects.claim(source, now):
        return Report(source, run, busy=True)
    try:
        return _sync(source, run, now, track)
    finally:
        Source.objects.release(source)


def _sync(source: Source, run: SyncRun, now: dt.datetime, track: Track) -> Report:
    try:
        got = sources.read(source, conditional=True)
        if got is None:
            return _not_modified(source, run, now)
        _check_health(source, got.feed)
    except (FetchError, FeedError, Unhealthy) as exc:
        return _failed(source, run, str(exc), now)
    try:
        problems = got.feed.problems + apply.sync_listings(
            source, got.feed, run=run, now=now, track=track
        )
    finally:
        got.feed.spool.close()
    run.outcome, run.meetings, run.skipped = Outcome.OK, got.feed.size, len(problems)
    if not run.dry_run:
        sources.remember(source, got, now)
        _tell_moderators(source, now)
    _finish(source, run, now, problems)
    return Report(source, run, problems)


def _tell_moderators(source: Source, now: dt.datetime) -> None:
    held = SourceChange.objects.for_moderators().filter(source=source, created_at__gte=now)
    if count := held.count():
        notify.held(source, count)


def _check_health(source: Source, feed: ParsedFeed) -> None:
    if feed.rows and len(feed.problems) > feed.rows * MALFORMED_SHARE:
        raise Unhealthy(
            f"The feed is malformed: {len(feed.problems)} of its {feed.rows} rows could not "
            f"be read (the first: {feed.problems[0]})."
        )
    before = source.meeting_count or 0
    if before and feed.size < before * UNHEALTHY_SHARE:
        raise Unhealthy(
            f"The feed lists {feed.size} meetings where it listed {before}: more than half "
            "have gone at once, which is more likely a fault than real."
        )


def _finish(source: Source, run: SyncRun, now: dt.datetime, problems: list[RowProblem]) -> None:
    run.finished_at = timezone.now()
    run.message = "\n".join(str(p) for p in problems[:50])
    if len(problems) > 50:
        run.message += f"\n… and {len(problems) - 50} more."
    if run.dry_run:
        return
    run.save()
    was_failing = source.failing
    Source.objects.filter(pk=source.pk).update(last_checked_at=now, last_ok_at=now, last_error="")
    source.last_checked_at = source.last_ok_at = now
    source.last_error = ""
    if was_failing:
        notify.recovered(source)


def _not_modified(source: Source, run: SyncRun, now: dt.datetime) -> Report:
    current = SourceListing.objects.filter(source=source).current()
    run.outcome = Outcome.NOT_MODIFIED
    run.unchanged = current.count()
    run.meetings = source.meeting_count or 0
    if not run.dry_run:
        with transaction.atomic():
            current.update(last_seen_at=now)
            apply.confirm(source, Group.objects.filter(source_listings__in=current), now)
    _finish(source, run, now, [])
    return Report(source, run)


def _failed(source: Source, run: SyncRun, message: str, now: dt.datetime) -> Report:
    run.outcome = Outcome.FAILED
    run.message = message
    run.finished_at = timezone.now()
    if run.dry_run:
        return Report(source, run)
    run.save()
    first_failure = not source.failing
    Source.objects.filter(pk=source.pk).update(last_checked_at=now, last_error=message)
    source.last_checked_at, source.last_error = now, message
    if first_failure:
        notify.failing(source, message)
    return Report(source, run)
