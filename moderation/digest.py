"""The moderators' daily digest: one email a day (08:00 UK time, from cron) to each user
with the moderation permission, listing what waits for them. Only a report that someone
could be in danger is sent at once (alert_danger).

Other parts of the site add their own lines with add_to_digest(): a feed that failed, an
evidence record to check. The moderation queue's own items (new groups, changes, reports,
claims, groups that need checking) are read from the queue itself when the digest is sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.email import send_templated_email
from groups.models import Group, Status

from .models import DigestItem, DigestKind, DigestRun, Report

PERMISSION = "moderation.approve_listings"


def moderators() -> QuerySet:
    """Active staff who may moderate (given the permission, directly or through a group of
    users, or superusers), with an email address."""
    app_label, codename = PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def add_to_digest(
    kind: str, summary: str, *, url: str = "", group: Group | None = None
) -> DigestItem:
    """Puts one line in the next digest. The summary is in the site's own words (it goes
    into an email to every moderator): never paste in text from outside the site."""
    return DigestItem.objects.create(
        kind=DigestKind(kind), summary=summary[:500], url=url[:500], group=group
    )


@dataclass
class Line:
    text: str
    url: str
    new: bool = False


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)


def _waiting_groups(is_new) -> Section:
    pending = Group.objects.filter(status=Status.PENDING).order_by("updated_at", "id")
    return Section(
        "New groups to review",
        [
            Line(g.name, reverse("moderation:review_group", args=[g.pk]), is_new(g.updated_at))
            for g in pending
        ],
    )


def _waiting_revisions(is_new) -> Section:
    from organisers.models import GroupRevision

    pending = GroupRevision.objects.pending().select_related("group")
    return Section(
        "Changes to listed groups",
        [
            Line(
                r.group.name,
                reverse("moderation:review_revision", args=[r.pk]),
                is_new(r.submitted_at),
            )
            for r in pending.order_by("submitted_at", "id")
        ],
    )


def _open_reports(is_new) -> Section:
    return Section(
        "Reports and groups that need checking",
        [
            Line(
                f"{r.group.name}: {r.get_problem_display()}",
                reverse("moderation:report", args=[r.pk]),
                is_new(r.created_at),
            )
            for r in Report.objects.open().select_related("group")
        ],
    )


def _open_claims(is_new) -> Section:
    from organisers.models import Claim, ClaimAnswer, ClaimStatus

    def line(claim: Claim) -> Line:
        confirmed = "confirmed" if claim.answer == ClaimAnswer.CONFIRMED else "not confirmed"
        return Line(
            f"{claim.group.name} ({confirmed} by the group)",
            reverse("moderation:claim", args=[claim.pk]),
            is_new(claim.created_at),
        )

    pending = Claim.objects.filter(status=ClaimStatus.PENDING).select_related("group")
    return Section("Requests to organise a group", [line(c) for c in pending])


def _added_items() -> list[Section]:
    sections: dict[str, Section] = {}
    for item in DigestItem.objects.filter(sent_on__isnull=True).order_by("kind", "created_at"):
        section = sections.setdefault(item.kind, Section(item.get_kind_display()))
        section.lines.append(Line(item.summary, item.url, True))
    return list(sections.values())


def build_digest(since: dt.datetime | None = None) -> list[Section]:
    """What the digest lists now; lines that arrived after `since` are marked new."""

    def is_new(moment: dt.datetime | None) -> bool:
        return since is None or (moment is not None and moment > since)

    queue = [
        _waiting_groups(is_new),
        _waiting_revisions(is_new),
        _open_reports(is_new),
        _open_claims(is_new),
    ]
    return [s for s in [*queue, *_added_items()] if s.lines]


def send_digest(day: dt.date) -> DigestRun | None:
    """Sends the day's digest, once: None if it was already sent (or is being sent) that
    day. The queued emails, the items' sent mark and the day's record commit together."""
    last = DigestRun.objects.order_by("-day").first()
    try:
        with transaction.atomic():
            run = DigestRun.objects.create(day=day)
            sections = build_digest(last.sent_at if last else None)
            waiting = sum(len(s.lines) for s in sections)
            recipients = list(moderators().values_list("email", flat=True)) if waiting else []
            for email in recipients:
                send_templated_email(
                    "moderation_digest",
                    [email],
                    {"day": day, "sections": sections, "waiting": waiting},
                )
            DigestItem.objects.filter(sent_on__isnull=True).update(sent_on=day)
            run.recipients, run.waiting = len(recipients), waiting
            run.save(update_fields=["recipients", "waiting"])
            return run
    except IntegrityError:
        return None


def alert_danger(report: Report) -> None:
    """A report that someone could be in danger goes to every moderator at once. Neither
    the subject nor the body carries what the reporter wrote: they read it signed in."""
    for email in moderators().values_list("email", flat=True):
        send_templated_email(
            "moderation_danger",
            [email],
            {"report": report, "report_path": reverse("moderation:report", args=[report.pk])},
        )


def today_in_uk() -> dt.date:
    return timezone.localdate()  # TIME_ZONE is Europe/London
