"""Moderators' decisions. Each is recorded (a Decision, and the group's history) and the
organisers are told by email."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.email import send_templated_email
from groups.models import ConfirmedBy, Group, Meeting, Status, confirmed_values
from groups.services import GroupValues, MeetingSpec, save_group
from organisers.models import GroupRevision, RevisionStatus
from organisers.notify import tell_organisers_of_changes
from organisers.proposals import PUBLIC_FIELDS, Proposal
from organisers.services import organiser_emails

from .approval import check_seen, group_version, revision_version, self_approval_refusal
from .models import Action, Decision


def _tell_organisers(group: Group, template: str, context: dict[str, Any]) -> None:
    send_templated_email(
        template,
        organiser_emails(group),
        {
            "group": group,
            "group_path": reverse("organisers:group", kwargs={"pk": group.pk}),
            **context,
        },
    )


def _confirmed(group: Group, today: dt.date | None) -> dict[str, Any]:
    """Approving what its organisers sent confirms the listing as theirs; a group nobody
    organises is vouched for by the directory."""
    by = ConfirmedBy.GROUP if group.owners.exists() else ConfirmedBy.MODERATOR
    return confirmed_values(by, today or timezone.localdate())


def _may_approve(moderator, *, group: Group, revision: GroupRevision | None) -> None:
    refusal = self_approval_refusal(moderator, group=group, revision=revision)
    if refusal:
        raise ValidationError(refusal, code="own_work")


@transaction.atomic
def approve_group(*, group: Group, moderator, seen: str, today: dt.date | None = None) -> None:
    """A new listing goes live, confirmed as of today: exactly the version the moderator
    saw (seen, from group_version()), or nothing."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.status != Status.PENDING:
        raise ValidationError("Only a group waiting for review can be approved.")
    check_seen(group_version(group), seen)
    _may_approve(moderator, group=group, revision=None)
    save_group(
        group=group,
        values=GroupValues(status=Status.PUBLISHED, **_confirmed(group, today)),
        actor=moderator,
        reason="Approved by a moderator",
    )
    Decision.objects.create(group=group, action=Action.APPROVED, actor=moderator)
    _tell_organisers(group, "moderation_approved", {"changes": False})


@transaction.atomic
def reject_group(*, group: Group, moderator, reason: str) -> None:
    if group.status != Status.PENDING:
        raise ValidationError("Only a group waiting for review can be turned down.")
    save_group(
        group=group,
        values=GroupValues(status=Status.REJECTED),
        actor=moderator,
        reason=f"Not approved: {reason}",
    )
    Decision.objects.create(group=group, action=Action.REJECTED, reason=reason, actor=moderator)
    _tell_organisers(group, "moderation_rejected", {"reason": reason, "changes": False})


@transaction.atomic
def approve_revision(
    *, revision: GroupRevision, moderator, seen: str, today: dt.date | None = None
) -> None:
    """The proposed listing replaces the published one, confirmed as of today: exactly the
    changes the moderator saw (seen, from revision_version()), or nothing."""
    revision = GroupRevision.objects.select_for_update().select_related("group").get(pk=revision.pk)
    if revision.status != RevisionStatus.PENDING:
        raise ValidationError("Only changes waiting for review can be approved.")
    check_seen(revision_version(revision), seen)
    _may_approve(moderator, group=revision.group, revision=revision)
    proposal = Proposal.from_json(revision.data)
    group = revision.group
    save_group(
        group=group,
        values=GroupValues(**{**proposal.values, **_confirmed(group, today)}),
        conditions=proposal.conditions,
        audiences=proposal.audiences,
        meetings=proposal.meetings,
        actor=moderator,
        reason="Changes approved by a moderator",
    )
    revision.status = RevisionStatus.APPROVED
    revision.decided_at = timezone.now()
    revision.decided_by = moderator
    revision.save()
    Decision.objects.create(
        group=group, action=Action.APPROVED_CHANGES, revision=revision, actor=moderator
    )
    _tell_organisers(group, "moderation_approved", {"changes": True})


@transaction.atomic
def reject_revision(*, revision: GroupRevision, moderator, reason: str) -> None:
    if revision.status != RevisionStatus.PENDING:
        raise ValidationError("Only changes waiting for review can be turned down.")
    revision.status = RevisionStatus.REJECTED
    revision.reason = reason
    revision.decided_at = timezone.now()
    revision.decided_by = moderator
    revision.save()
    Decision.objects.create(
        group=revision.group,
        action=Action.REJECTED_CHANGES,
        revision=revision,
        reason=reason,
        actor=moderator,
    )
    _tell_organisers(revision.group, "moderation_rejected", {"reason": reason, "changes": True})


def meetings_at(group: Group, moment: dt.datetime) -> list[MeetingSpec]:
    """The group's meetings as they were at a moment, from the meetings' own history."""
    latest: dict[int, Any] = {}
    records = Meeting.history.filter(group_id=group.pk, history_date__lte=moment).order_by(
        "history_date", "history_id"
    )
    for record in records:
        latest[record.id] = record
    kept = [r for r in latest.values() if r.history_type != "-"]
    # Meetings saved before history was kept have no records: take them as they are.
    recorded = set(Meeting.history.filter(group_id=group.pk).values_list("id", flat=True))
    kept += [m for m in group.meetings.all() if m.pk not in recorded]
    return [MeetingSpec.of(r) for r in kept]


@transaction.atomic
def restore_version(*, group: Group, history_id: int, moderator, reason: str) -> None:
    """Puts back an earlier version of a group: its fields, tags and meetings. The status
    and verification date stay as they are now; the restore is itself a new version. The
    organisers are told what changed and why."""
    record = group.history.get(history_id=history_id)
    historical = record.instance
    values = GroupValues(**{name: getattr(historical, name) for name in PUBLIC_FIELDS})
    before = Proposal.from_group(group)
    when = timezone.localtime(record.history_date)
    save_group(
        group=group,
        values=values,
        conditions=[row.condition for row in record.conditions.select_related("condition")],
        audiences=[row.audience for row in record.audiences.select_related("audience")],
        meetings=meetings_at(group, record.history_date),
        actor=moderator,
        reason=f"Restored the version of {when:%-d %B %Y %H:%M}: {reason}",
    )
    Decision.objects.create(
        group=group,
        action=Action.RESTORED,
        reason=f"Version {history_id}: {reason}",
        actor=moderator,
    )
    tell_organisers_of_changes(
        group=group, before=before, by="a moderator, who restored an earlier version", reason=reason
    )
