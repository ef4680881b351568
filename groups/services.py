"""Writes that touch several tables. The organiser form, the admin and the CSV import
all save a group through save_group(), so every path enforces the same rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Audience, Condition, Group, Meeting, unique_slug


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


@transaction.atomic
def save_group(
    *,
    group: Group | None = None,
    values: Mapping[str, Any],
    conditions: Iterable[Condition],
    audiences: Iterable[Audience] = (),
    meetings: Iterable[MeetingSpec] | None = None,
) -> Group:
    """Creates or updates a group with its tags and (when given) its meetings, all or nothing.

    Meetings, when given, replace the group's meetings; None leaves them as they are.
    Raises ValidationError (keyed by field) and writes nothing if anything is invalid.
    """
    group = group if group is not None else Group()
    for name, value in values.items():
        setattr(group, name, value)
    if not group.slug:
        group.slug = unique_slug(group.name)
    conditions = list(conditions)
    errors: dict[str, list[str]] = {}
    try:
        group.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not conditions:
        errors.setdefault("conditions", []).append("Choose at least one condition.")
    specs = list(meetings) if meetings is not None else None
    new_meetings = [Meeting(**vars(spec)) for spec in specs or []]
    for index, meeting in enumerate(new_meetings):
        try:
            meeting.full_clean(exclude=["group"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"meetings[{index}].{field}", []).extend(messages)
    if errors:
        raise ValidationError(errors)

    group.search_terms = condition_search_terms(conditions)
    group.save()
    group.conditions.set(conditions)
    group.audiences.set(list(audiences))
    if specs is not None:
        group.meetings.all().delete()
        for meeting in new_meetings:
            meeting.group = group
        Meeting.objects.bulk_create(new_meetings)
    return group
