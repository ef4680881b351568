"""Rows saved before a rule existed, as the database holds them."""

from __future__ import annotations

from groups.models import Group, Meeting


def legacy_values(group: Group, *, note: str | None = None, **fields: str) -> Group:
    """group with fields (and, given note, every meeting's note) written straight to the
    database, past the model's validators: exactly how a row saved before a rule (such as
    one-line fields refusing control characters, groups.models.single_line) looks now.
    For tests of paths that show such rows; paths that take input must refuse them."""
    if fields:
        Group.objects.filter(pk=group.pk).update(**fields)
    if note is not None:
        Meeting.objects.filter(group=group).update(note=note)
    group.refresh_from_db()
    return group
