"""A deleted account leaves its changes in the groups' history, without its name: the
records are marked so the history reads "a deleted organiser account", not "the system"."""

from __future__ import annotations

from typing import Any


def mark_history_of_deleted_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    from groups.models import Group, Meeting

    for history in (Group.history, Meeting.history):
        history.filter(history_user=instance).update(history_user_deleted=True)
