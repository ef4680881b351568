"""Reports reach the organisers: told of a public report (at most once a day per group),
asked by a moderator to check by a date before any takedown, told the reason for a
takedown, and able to answer each time; their answers are kept for the moderators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.email import send_templated_email
from groups.models import ArchivedReason, ConfirmedBy, Group, Status, confirmed_values
from groups.services import GroupValues, save_group
from organisers.links import edit_path, still_meeting_path
from organisers.services import organiser_emails

from .models import INTERNAL_PROBLEMS, Action, Decision, Problem, Report, ReportStatus

NOTICE_EVERY = dt.timedelta(days=1)
DEFAULT_DAYS_TO_CHECK = 14


def _email_organisers(group: Group, template: str, context: dict[str, Any]) -> None:
    send_templated_email(
        template,
        organiser_emails(group),
        {
            "group": group,
            "group_path": reverse("organisers:group", kwargs={"pk": group.pk}),
            "still_meeting_path": still_meeting_path(group, report_id=context.get("report_id")),
            "edit_path": edit_path(group),
            **context,
        },
    )


@transaction.atomic
def tell_organisers_of_report(report: Report) -> bool:
    """Emails the organisers that someone reported a problem, unless they were told of one
    in the last day. A report of danger is for the moderators only (it may be about an
    organiser). Returns whether they were told."""
    group = report.group
    if report.problem == Problem.DANGER or report.problem in INTERNAL_PROBLEMS:
        return False
    if not group.owners.exists():
        return False
    since = timezone.now() - NOTICE_EVERY
    if group.reports.filter(organisers_told_at__gt=since).exists():
        return False
    _email_organisers(group, "report_received", {"report": report, "report_id": report.pk})
    report.organisers_told_at = timezone.now()
    report.save(update_fields=["organisers_told_at"])
    return True


@transaction.atomic
def ask_organisers(*, report: Report, moderator: User, by: dt.date, note: str) -> None:
    """A moderator asks the organisers to check the listing by a date, before deciding."""
    if report.status != ReportStatus.OPEN:
        raise ValidationError("This report has been dealt with.")
    if not report.group.owners.exists():
        raise ValidationError("Nobody organises this group to ask.")
    report.asked_at, report.answer_by, report.ask_note = timezone.now(), by, note
    report.save(update_fields=["asked_at", "answer_by", "ask_note"])
    Decision.objects.create(
        group=report.group,
        action=Action.ASKED_ORGANISERS,
        report=report,
        reason=f"Answer by {by:%-d %B %Y}. {note}".strip(),
        actor=moderator,
    )
    _email_organisers(
        report.group, "report_check", {"report": report, "report_id": report.pk, "note": note}
    )


@transaction.atomic
def record_answer(*, report: Report, text: str, user: User | None) -> None:
    """An organiser's answer to a report (typed, or "still meets" from the emailed link)."""
    if report.status != ReportStatus.OPEN:
        raise ValidationError("This report has already been dealt with.")
    report.organiser_reply = text
    report.replied_at = timezone.now()
    report.replied_by = user
    report.save(update_fields=["organiser_reply", "replied_at", "replied_by"])


def takedown_refusal(report: Report, today: dt.date | None = None) -> str:
    """Why the group cannot be taken down yet ("" when it can): its organisers must first
    be asked, and have answered or let the date pass. A report of danger, or a group
    nobody organises, can be taken down at once."""
    if report.problem == Problem.DANGER or not report.group.owners.exists():
        return ""
    if report.asked_at is None:
        return "Ask the organisers to check the listing first: they may put it right."
    today = today or timezone.localdate()
    if report.replied_at is None and report.answer_by and today <= report.answer_by:
        return (
            f"The organisers have until {report.answer_by:%-d %B %Y} to answer. You can take "
            "the group down after that, or once they answer."
        )
    return ""


@transaction.atomic
def resolve_report(
    *,
    report: Report,
    moderator: User,
    note: str,
    archive: bool = False,
    still_meets: bool = False,
) -> None:
    """Closes a report. If the group has really stopped, also takes it out of search and
    tells its organisers why (they can answer from their page); if the moderator checked
    that it still meets as listed, the listing is confirmed by the directory today."""
    group = report.group
    if still_meets:
        save_group(
            group=group,
            values=GroupValues(**confirmed_values(ConfirmedBy.MODERATOR, timezone.localdate())),
            actor=moderator,
            reason=f"Checked by a moderator after a report: {note}",
        )
    if archive and group.status != Status.ARCHIVED:
        refusal = takedown_refusal(report)
        if refusal:
            raise ValidationError(refusal)
        save_group(
            group=group,
            values=GroupValues(status=Status.ARCHIVED, archived_reason=ArchivedReason.MODERATOR),
            actor=moderator,
            reason=f"Archived after a report: {note}",
        )
        record_takedown(group=group, reason=note, moderator=moderator, report=report)
    report.status = ReportStatus.RESOLVED
    report.resolved_at = timezone.now()
    report.resolved_by = moderator
    report.resolution = note
    report.save()
    Decision.objects.create(
        group=group, action=Action.RESOLVED_REPORT, report=report, reason=note, actor=moderator
    )


def record_takedown(
    *, group: Group, reason: str, moderator: User | None, report: Report | None = None
) -> Decision:
    """After a moderator takes a group out of the directory: the decision, which the
    organisers' page shows with a reply box, and an email telling them the reason."""
    decision = Decision.objects.create(
        group=group, action=Action.ARCHIVED, report=report, reason=reason, actor=moderator
    )
    _email_organisers(group, "listing_taken_down", {"reason": reason})
    return decision


def standing_takedown(group: Group) -> Decision | None:
    """The moderators' takedown an organiser can still answer: the latest, while the group
    stays taken down."""
    if group.status != Status.ARCHIVED or group.archived_reason != ArchivedReason.MODERATOR:
        return None
    return group.decisions.filter(action=Action.ARCHIVED).order_by("-created_at", "-id").first()


@transaction.atomic
def reply_to_takedown(*, decision: Decision, text: str, user: User) -> None:
    decision.reply, decision.replied_at, decision.replied_by = text, timezone.now(), user
    decision.reply_read_at = None
    decision.save(update_fields=["reply", "replied_at", "replied_by", "reply_read_at"])


def open_questions(group: Group) -> list[Report]:
    """Reports a moderator has asked the organisers about and is waiting on."""
    return list(group.reports.open().filter(asked_at__isnull=False).order_by("asked_at"))
