"""What organisers do to their groups. Every write to a group goes through
groups.services.save_group(), as the admin's and the import's do."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groups.models import ArchivedReason, ConfirmedBy, Group, Status, confirmed_values
from groups.services import KEEP, GroupValues, save_group

from .models import GroupOwner, GroupRevision, RevisionStatus
from .proposals import Proposal

# Groups whose listing has been approved: changes to them wait for review as a revision.
REVIEWED_STATUSES = (Status.PUBLISHED, Status.ARCHIVED)


def organiser_emails(group: Group) -> list[str]:
    return [
        email
        for email in group.owners.select_related("user").values_list("user__email", flat=True)
        if email
    ]


def _save(
    group: Group | None,
    proposal: Proposal,
    *,
    status: str,
    actor: User | None,
    reason: str,
) -> Group:
    return save_group(
        group=group,
        values=GroupValues(**proposal.values, status=status),
        conditions=proposal.conditions,
        audiences=proposal.audiences,
        meetings=proposal.meetings,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def create_group(*, user: User, proposal: Proposal, submit: bool) -> Group:
    status = Status.PENDING if submit else Status.DRAFT
    reason = "Submitted for review" if submit else "Saved as a draft"
    group = _save(None, proposal, status=status, actor=user, reason=reason)
    GroupOwner.objects.create(group=group, user=user)
    return group


def under_review(group: Group) -> bool:
    """Whether a moderator may be looking at it now: a new group, or changes, sent for
    review. What they approve must be what they saw, so it is not changed in place."""
    return group.status == Status.PENDING or group.revisions.pending().exists()


@transaction.atomic
def withdraw_submission(*, group: Group, user: User) -> None:
    """Takes a group (or its changes) out of review, back to a draft to change."""
    revision = group.revisions.pending().first()
    if revision is not None:
        revision.status = RevisionStatus.DRAFT
        revision.submitted_at = None
        revision.save(update_fields=["status", "submitted_at", "updated_at"])
    elif group.status == Status.PENDING:
        save_group(
            group=group,
            values=GroupValues(status=Status.DRAFT),
            actor=user,
            reason="Withdrawn from review to change it",
        )
    else:
        raise ValidationError("Nothing is waiting for review.")


@transaction.atomic
def update_group(
    *, group: Group, user: User, proposal: Proposal, submit: bool
) -> GroupRevision | None:
    """Saves an organiser's edit. A group that has been approved keeps its listing as it
    is: the edit becomes a revision, for review. Others are changed in place. Returns the
    revision, if there is one. Nothing waiting for review is changed (withdraw it first)."""
    if under_review(group):
        raise ValidationError(
            "It is waiting for review, so it cannot be changed. Withdraw it first: it goes "
            "back to a draft, which you can change and send again.",
            code="under_review",
        )
    if group.status in REVIEWED_STATUSES:
        revision = group.revisions.open().first() or GroupRevision(group=group)
        revision.author = user
        revision.data = proposal.to_json()
        revision.status = RevisionStatus.PENDING if submit else RevisionStatus.DRAFT
        revision.submitted_at = timezone.now() if submit else None
        revision.save()
        return revision
    status = Status.PENDING if submit else Status.DRAFT
    reason = "Submitted for review" if submit else "Saved as a draft"
    _save(group, proposal, status=status, actor=user, reason=reason)
    return None


class _TryOnly(Exception):
    """Rolls back a save that was only a check."""


def submit_problems(*, group: Group, revision: GroupRevision | None = None) -> dict[str, list[str]]:
    """What stops the group (or its revision) going to the moderators, by field: the rules
    a submitted listing meets, checked by saving it and rolling the save back."""
    fresh = Group.objects.get(pk=group.pk)
    try:
        with transaction.atomic():
            if revision is None:
                save_group(group=fresh, values=GroupValues(status=Status.PENDING))
            else:
                _save(
                    fresh,
                    Proposal.from_json(revision.data),
                    status=fresh.status,
                    actor=None,
                    reason="",
                )
            raise _TryOnly
    except ValidationError as exc:
        return {**fresh.place_errors(), **exc.message_dict}
    except _TryOnly:
        return fresh.place_errors()


@transaction.atomic
def submit_group(*, group: Group, user: User) -> None:
    """Sends a draft (or a group that was not approved) to the moderators as it stands."""
    if group.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError("Only a draft can be submitted.")
    if problems := group.place_errors():
        raise ValidationError(problems)
    save_group(
        group=group,
        values=GroupValues(status=Status.PENDING),
        actor=user,
        reason="Submitted for review",
    )


@transaction.atomic
def submit_revision(*, revision: GroupRevision) -> None:
    revision.status = RevisionStatus.PENDING
    revision.submitted_at = timezone.now()
    revision.save(update_fields=["status", "submitted_at", "updated_at"])


@transaction.atomic
def withdraw_revision(*, revision: GroupRevision) -> None:
    revision.status = RevisionStatus.WITHDRAWN
    revision.save(update_fields=["status", "updated_at"])


@transaction.atomic
def close_group(*, group: Group, user: User) -> None:
    """The organiser says the group has stopped: it leaves the directory for good (it is
    archived, never deleted) and re-confirming does not bring it back."""
    save_group(
        group=group,
        values=GroupValues(status=Status.ARCHIVED, archived_reason=ArchivedReason.CLOSED),
        actor=user,
        reason="Closed by its organiser",
    )
    group.revisions.open().update(status=RevisionStatus.WITHDRAWN)


def can_delete(group: Group) -> bool:
    """A draft (or a group turned down) that was never listed can be deleted."""
    return (
        group.status in (Status.DRAFT, Status.REJECTED)
        and not group.history.filter(status=Status.PUBLISHED).exists()
    )


@transaction.atomic
def delete_draft(*, group: Group, user: User) -> None:
    """The organiser deletes a draft that was never listed. Like every group, it is kept
    (with its history, which records the deletion) but nobody sees it any more."""
    if not can_delete(group):
        raise ValidationError("Only a draft that has never been listed can be deleted.")
    save_group(
        group=group,
        values=GroupValues(status=Status.ARCHIVED, archived_reason=ArchivedReason.DELETED),
        actor=user,
        reason="Draft deleted by its organiser",
    )


@transaction.atomic
def pause_group(*, group: Group, user: User, until: dt.date | None) -> None:
    """The group stops meeting for a while: it stays listed, marked paused, and comes back
    by itself on the date (if one is given)."""
    save_group(
        group=group,
        values=GroupValues(paused=True, paused_until=until),
        actor=user,
        reason=f"Paused until {until:%-d %B %Y}" if until else "Paused, with no date to return",
    )


@transaction.atomic
def resume_group(*, group: Group, user: User) -> None:
    save_group(
        group=group,
        values=GroupValues(paused=False, paused_until=None),
        actor=user,
        reason="Meeting again",
    )


def can_reopen(group: Group) -> bool:
    return group.status == Status.ARCHIVED and group.archived_reason == ArchivedReason.CLOSED


@transaction.atomic
def reopen_group(*, group: Group, user: User) -> None:
    """A group its organiser closed meets again. It comes back as a draft, not straight
    into the directory: its details may have changed while it was closed, so the
    organiser checks them and submits it, and a moderator approves it as a new listing."""
    if not can_reopen(group):
        raise ValidationError("Only a group its organiser closed can be reopened.")
    save_group(
        group=group,
        values=GroupValues(status=Status.DRAFT),
        actor=user,
        reason="Reopened by its organiser",
    )


def can_reconfirm(group: Group) -> bool:
    return group.status == Status.PUBLISHED or (
        group.status == Status.ARCHIVED and group.archived_reason == ArchivedReason.STALE
    )


@transaction.atomic
def reconfirm_group(
    *,
    group: Group,
    user: User | None,
    today: dt.date | None = None,
    reason: str = "Confirmed as still meeting as listed",
) -> None:
    """ "Still meeting as listed": the listing is confirmed as of today, by the group (an
    organiser signed in, or whoever holds the emailed link: user None). A group taken out
    of search because nobody confirmed it comes back."""
    if not can_reconfirm(group):
        raise ValidationError(
            "Only a listed group, or one taken out for staleness, can be confirmed."
        )
    comes_back = group.status == Status.ARCHIVED
    save_group(
        group=group,
        values=GroupValues(
            **confirmed_values(ConfirmedBy.GROUP, today or timezone.localdate()),
            status=Status.PUBLISHED if comes_back else KEEP,
        ),
        actor=user,
        reason=reason,
    )
