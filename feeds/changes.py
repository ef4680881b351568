"""People's decisions on what sources bring: a held change accepted or declined, a gone
listing archived or kept, a whole first import approved, duplicates merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from groups.duplicates import Candidate, Duplicate, possible_duplicates
from groups.models import ArchivedReason, Group, Status
from moderation.approval import group_version
from moderation.reports import record_takedown
from moderation.services import approve_group
from organisers.notify import tell_organisers_of_changes
from organisers.proposals import Proposal

from .apply import apply_values, write
from .models import ChangeKind, ChangeStatus, Outcome, Source, SourceChange, SourceListing


@transaction.atomic
def accept(change: SourceChange, user: Any) -> None:
    """Applies the change: its fields, or for a gone listing, takes it out of search."""
    if change.status != ChangeStatus.PENDING:
        raise ValidationError("This change has been decided already.")
    group = Group.objects.select_for_update().get(pk=change.group_id)
    if change.kind == ChangeKind.GONE:
        if group.status != Status.ARCHIVED:
            _take_out(group, change.source, user)
    else:
        # An organiser deciding their own change needs no email; others are told of it.
        before = Proposal.from_group(group) if change.kind != ChangeKind.ORGANISER else None
        apply_values(
            group, change.values, f"Accepted from the {change.source.name} meeting list", actor=user
        )
        if before is not None:
            tell_organisers_of_changes(
                group=group,
                before=before,
                by=f"the {change.source.name} meeting list, accepted by a moderator",
            )
    _decide(change, ChangeStatus.ACCEPTED, user)


def _take_out(group: Group, source: Source, moderator: Any) -> None:
    """A listing gone from its source, archived by a moderator: a takedown like any other,
    so its organisers are told why and can answer from their page."""
    reason = f"No longer in the {source.name} meeting list"
    write(
        group,
        {"status": Status.ARCHIVED, "archived_reason": ArchivedReason.MODERATOR},
        reason,
        actor=moderator,
    )
    record_takedown(
        group=group,
        reason=f"It is no longer in the {source.name} meeting list, which it came from.",
        moderator=moderator,
    )


@transaction.atomic
def decline(change: SourceChange, user: Any) -> None:
    """Leaves the group as it is. The source's value is remembered, so the same change is
    not offered again; a later change to that field is."""
    if change.status != ChangeStatus.PENDING:
        raise ValidationError("This change has been decided already.")
    _decide(change, ChangeStatus.DECLINED, user)


def _decide(change: SourceChange, status: str, user: Any) -> None:
    change.status = status
    change.decided_at = timezone.now()
    change.decided_by = user
    change.save(update_fields=["status", "decided_at", "decided_by"])


# --- A source's first import --------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    group: Group
    duplicates: list[Duplicate]
    version: str  # what the moderator sees, carried by the approve form (group_version)


def first_import(source: Source) -> QuerySet[Group]:
    """The groups the source's first sync brought in that still wait for review."""
    first = source.runs.filter(dry_run=False, outcome=Outcome.OK).order_by("started_at").first()
    if first is None:
        return Group.objects.none()
    return (
        Group.objects.filter(
            status=Status.PENDING,
            source_listings__source=source,
            source_listings__first_run=first,
        )
        .select_related("group_type")
        .prefetch_related("meetings")
        .order_by("name", "id")
    )


def with_duplicates(groups: QuerySet[Group]) -> list[Imported]:
    return [
        Imported(
            group,
            possible_duplicates(Candidate.of_group(group), _others(group)),
            group_version(group),
        )
        for group in groups
    ]


def _others(group: Group) -> QuerySet[Group]:
    return Group.objects.filter(status__in=[Status.PUBLISHED, Status.PENDING]).exclude(pk=group.pk)


def approve_all(seen: list[tuple[Group, str]], moderator: Any) -> int:
    """Approves each group, at the version the moderator saw, as they would one by one
    (each decision recorded)."""
    for group, version in seen:
        approve_group(group=group, moderator=moderator, seen=version)
    return len(seen)


@transaction.atomic
def merge(duplicate: Group, into: Group, moderator: Any) -> None:
    """The duplicate's sources now feed the group it duplicates, which keeps every source;
    the duplicate leaves the directory (its history stays)."""
    if duplicate.pk == into.pk:
        raise ValidationError("A group cannot be merged into itself.")
    SourceListing.objects.filter(group=duplicate).update(group=into)
    SourceChange.objects.filter(group=duplicate, status=ChangeStatus.PENDING).update(
        status=ChangeStatus.SUPERSEDED, decided_at=timezone.now()
    )
    write(
        duplicate,
        {"status": Status.ARCHIVED, "archived_reason": ArchivedReason.MODERATOR},
        f"Merged into {into.name} (#{into.pk})",
        actor=moderator,
    )
