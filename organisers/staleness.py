"""Keeping listings true over time, without losing any. Ages count in calendar months from
the date a listing was last confirmed (a month from the 31st ends on a shorter month's
last day, as date arithmetic does):

- at 11 months, its organisers are asked to confirm it;
- two weeks before 12 months, asked again: from 12 months it shows "may be out of date";
- two weeks before 18 months, told it is about to leave search; at 18 months it is
  archived as stale (never deleted) until someone confirms it.

Every reminder carries a signed "still meets as listed" link (organisers.links). A group
nobody organises is never archived by the clock: at 11 months it goes to the moderators'
"needs checking" list instead, and stays listed until they decide.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.email import send_templated_email
from groups.models import ArchivedReason, Group, Status, months_between
from groups.services import GroupValues, save_group

from .links import still_meeting_path
from .models import ReminderKind, StalenessReminder
from .services import organiser_emails

REMIND_AT_MONTHS = 11
STALE_AT_MONTHS = 12
ARCHIVE_AT_MONTHS = 18
WARNING_DAYS = 14


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day, months later; a shorter month's last day if it has no such day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def verified_on(group: Group) -> dt.date:
    return group.last_verified or timezone.localdate(group.created_at)


def step_due(verified: dt.date, today: dt.date) -> ReminderKind | None:
    """The latest step of the schedule a listing confirmed on `verified` has reached."""
    warning = dt.timedelta(days=WARNING_DAYS)
    if months_between(verified, today) >= ARCHIVE_AT_MONTHS:
        return ReminderKind.ARCHIVED
    if today >= add_months(verified, ARCHIVE_AT_MONTHS) - warning:
        return ReminderKind.BEFORE_ARCHIVE
    if today >= add_months(verified, STALE_AT_MONTHS) - warning and (
        months_between(verified, today) < STALE_AT_MONTHS
    ):
        return ReminderKind.BEFORE_STALE
    if months_between(verified, today) >= REMIND_AT_MONTHS:
        return ReminderKind.DUE
    return None


@dataclass(frozen=True)
class Outcome:
    """What the review did (or would do) to one group."""

    kind: ReminderKind
    group: Group
    months: int


def review_group(group: Group, today: dt.date, *, apply: bool) -> Outcome | None:
    """The step due for one group, taken once per confirmation date (in one transaction,
    when apply); None when nothing is due or it was taken already."""
    verified = verified_on(group)
    kind = step_due(verified, today)
    if kind is None:
        return None
    if not group.owners.exists():
        kind = ReminderKind.NEEDS_CHECKING
    key = {"group": group, "kind": kind, "last_verified": verified}
    if StalenessReminder.objects.filter(**key).exists():
        return None
    outcome = Outcome(kind, group, months_between(verified, today))
    if apply:
        with transaction.atomic():
            _take(outcome)
            StalenessReminder.objects.create(**key)
    return outcome


def _take(outcome: Outcome) -> None:
    group = outcome.group
    if outcome.kind == ReminderKind.NEEDS_CHECKING:
        from moderation.models import Problem, Report

        Report.objects.create(
            group=group,
            problem=Problem.NEEDS_CHECKING,
            details=f"Not confirmed for {outcome.months} months, and nobody organises it. "
            "Check that it still meets (then close this with “it still meets as listed”), "
            "invite someone who runs it, or take it down.",
        )
        return
    if outcome.kind == ReminderKind.ARCHIVED:
        save_group(
            group=group,
            values=GroupValues(status=Status.ARCHIVED, archived_reason=ArchivedReason.STALE),
            reason=f"Not confirmed for {outcome.months} months",
        )
    _email(outcome)


def _email(outcome: Outcome) -> None:
    group = outcome.group
    template = (
        "staleness_archived" if outcome.kind == ReminderKind.ARCHIVED else "staleness_reminder"
    )
    verified = verified_on(group)
    send_templated_email(
        template,
        organiser_emails(group),
        {
            "group": group,
            "kind": outcome.kind,
            "months": outcome.months,
            "group_path": reverse("organisers:group", kwargs={"pk": group.pk}),
            "still_meeting_path": still_meeting_path(group),
            "stale_on": add_months(verified, STALE_AT_MONTHS),
            "archive_on": add_months(verified, ARCHIVE_AT_MONTHS),
            "stale_at_months": STALE_AT_MONTHS,
            "archive_at_months": ARCHIVE_AT_MONTHS,
        },
    )


def due_for_review(today: dt.date) -> list[int]:
    """Ids of listed groups old enough for a step: anything confirmed in the last 300 days
    is under 11 months old."""
    from django.db.models import Q

    recent = today - dt.timedelta(days=300)
    return list(
        Group.objects.published()
        .filter(Q(last_verified__isnull=True) | Q(last_verified__lte=recent))
        .order_by("id")
        .values_list("id", flat=True)
    )
