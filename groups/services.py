"""Writes that touch several tables. The organiser form, the admin and the CSV import
all save a group through save_group(), so every path enforces the same rules."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from .models import (
    GROUP_HISTORY,
    Audience,
    Condition,
    Group,
    GroupType,
    Meeting,
    Status,
    unique_slug,
)


class _Keep(enum.Enum):
    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


# A value left out of GroupValues: the group keeps what it has (a new group, the default).
KEEP = _Keep.KEEP
Keep = Literal[_Keep.KEEP]


@dataclass(frozen=True, kw_only=True)
class GroupValues:
    """The values of a group's own fields that a save sets. A field left out keeps the
    group's value; a field that is not a group's (a typo, an old name) is a TypeError,
    so nothing a caller means to set is silently dropped."""

    name: str | Keep = KEEP
    slug: str | Keep = KEEP
    summary: str | Keep = KEEP
    description: str | Keep = KEEP
    orientation: str | Keep = KEEP
    group_type: GroupType | Keep | None = KEEP
    format: str | Keep = KEEP
    address: str | Keep = KEEP
    town: str | Keep = KEEP
    postcode: str | Keep = KEEP
    latitude: float | Keep | None = KEEP
    longitude: float | Keep | None = KEEP
    online_url: str | Keep = KEEP
    website: str | Keep = KEEP
    email: str | Keep = KEEP
    phone: str | Keep = KEEP
    leadership: str | Keep = KEEP
    sector: str | Keep = KEEP
    referral: str | Keep = KEEP
    cost: str | Keep = KEEP
    step_free: str | Keep = KEEP
    access_notes: str | Keep = KEEP
    languages: list[str] | Keep = KEEP
    status: str | Keep = KEEP
    archived_reason: str | Keep = KEEP
    last_verified: dt.date | Keep | None = KEEP
    confirmed_by: str | Keep = KEEP
    confirmed_source: str | Keep = KEEP
    external_id: str | Keep | None = KEEP

    def given(self) -> dict[str, Any]:
        """The fields this save sets, by name."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP
        }


def condition_search_terms(conditions: Iterable[Condition]) -> str:
    """What Group.search_terms holds: its condition names, for the search index."""
    return " ".join(sorted(c.name for c in conditions))


def refresh_search_terms(groups: Iterable[Group]) -> None:
    """Rewrites search_terms, e.g. after a condition is renamed."""
    changed = []
    for group in groups:
        terms = condition_search_terms(group.conditions.all())
        if terms != group.search_terms:
            group.search_terms = terms
            changed.append(group)
    Group.objects.bulk_update(changed, ["search_terms"], batch_size=1000)


@dataclass(frozen=True)
class MeetingSpec:
    weekday: int
    start_time: dt.time
    end_time: dt.time
    recurrence: str = "weekly"
    anchor_date: dt.date | None = None
    week_of_month: int | None = None
    note: str = ""

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingSpec:
        return cls(**{name: getattr(meeting, name) for name in cls.__dataclass_fields__})


def _save_with_free_slug(group: Group, created: bool) -> None:
    """unique_slug() checks, then the insert follows: a group of the same name saved at
    that moment can take the slug in between. Take the next free slug rather than fail.
    (Called inside save_group's transaction; each attempt has a savepoint of its own.)"""
    for attempt in range(5):
        try:
            with transaction.atomic():
                group.save()
            return
        except IntegrityError:
            taken = Group.objects.filter(slug=group.slug).exclude(pk=group.pk).exists()
            if not created or not taken or attempt == 4:
                raise
            group.slug = unique_slug(group.name)


@transaction.atomic
def save_group(
    *,
    group: Group | None = None,
    values: GroupValues,
    conditions: Iterable[Condition] | None = None,
    audiences: Iterable[Audience] | None = None,
    meetings: Iterable[MeetingSpec] | None = None,
    actor: User | None = None,
    reason: str = "",
) -> Group:
    """Creates or updates a group with its tags and meetings, all or nothing.

    What is left out stays as it is: a field not given in values, and conditions,
    audiences or meetings left as None (a new group starts with none). Meetings, when
    given, replace the group's meetings (unchanged ones are kept, so their history stays
    readable). Raises ValidationError (keyed by field) and writes nothing if anything is
    invalid. The change is recorded in the group's history as made by actor (else the
    request's user, if any) for reason.
    """
    group = group if group is not None else Group()
    created = group.pk is None
    for name, value in values.given().items():
        setattr(group, name, value)
    if group.status != Status.ARCHIVED:
        group.archived_reason = ""
    if not group.slug:
        group.slug = unique_slug(group.name)
    if conditions is None:
        conditions = list(group.conditions.all()) if not created else []
    conditions = list(conditions)
    errors: dict[str, list[str]] = {}
    try:
        # The database checks its constraints as it writes (see _write); asking it first,
        # one query per constraint per row, cost three quarters of a save.
        group.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not conditions:
        errors.setdefault("conditions", []).append("Choose at least one condition.")
    specs = list(meetings) if meetings is not None else None
    new_meetings = [Meeting(**vars(spec)) for spec in specs or []]
    for index, meeting in enumerate(new_meetings):
        try:
            meeting.full_clean(exclude=["group"], validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"meetings[{index}].{field}", []).extend(messages)
    if errors:
        raise ValidationError(errors)

    group.search_terms = condition_search_terms(conditions)
    try:
        wanted = new_meetings if specs is not None else None
        _write(group, created, conditions, audiences, wanted, actor=actor, reason=reason)
    except IntegrityError as exc:
        # Leaving save_group's atomic block with this error rolls back all it wrote.
        raise ValidationError(constraint_problem(exc)) from None
    if actor is not None:
        group._history_user = actor
    group._change_reason = reason
    GROUP_HISTORY.create_historical_record(group, "+" if created else "~")
    return group


def _write(
    group: Group,
    created: bool,
    conditions: list[Condition],
    audiences: Iterable[Audience] | None,
    meetings: list[Meeting] | None,
    *,
    actor: User | None,
    reason: str,
) -> None:
    # One history record for the whole save, taken once the tags are in place.
    group.skip_history_when_saving = True
    try:
        _save_with_free_slug(group, created)
        group.conditions.set(conditions)
        if audiences is not None:
            group.audiences.set(list(audiences))
        group.forget_terms()
    finally:
        del group.skip_history_when_saving
    if meetings is not None:
        _replace_meetings(group, meetings, actor=actor, reason=reason, created=created)


CONSTRAINT_NAME_RE = re.compile(r'constraint (?:failed: )?"?([a-z_]+)"?', re.IGNORECASE)


def constraint_problem(exc: IntegrityError) -> str:
    """The database's refusal in the words Django's own constraint check would use."""
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if not name and (match := CONSTRAINT_NAME_RE.search(str(exc))):
        name = match.group(1)
    return f"Constraint “{name}” is violated." if name else f"The database refused it: {exc}"


def _replace_meetings(
    group: Group,
    wanted: list[Meeting],
    *,
    actor: User | None,
    reason: str,
    created: bool = False,
) -> None:
    """Deletes the group's meetings that are not wanted and adds the new ones."""
    unmatched = list(group.meetings.all()) if group.pk and not created else []
    to_create = []
    for meeting in wanted:
        spec = MeetingSpec.of(meeting)
        same = next((m for m in unmatched if MeetingSpec.of(m) == spec), None)
        if same is not None:
            unmatched.remove(same)
        else:
            meeting.group = group
            to_create.append(meeting)
    for meeting in unmatched:
        if actor is not None:
            meeting._history_user = actor
        meeting._change_reason = reason
        meeting.delete()
    if to_create:
        bulk_create_with_history(
            to_create, Meeting, default_user=actor, default_change_reason=reason
        )
