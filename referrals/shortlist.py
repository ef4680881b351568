"""The clinician's shortlist: up to five group ids in the session.

No login and no patient data: only the ids of published groups, which are public.
"""

from __future__ import annotations

from django.http import HttpRequest

from groups.models import Group

SESSION_KEY = "shortlist"
MAX_GROUPS = 5


class ShortlistFull(Exception):
    """The shortlist already holds MAX_GROUPS groups."""


class Shortlist:
    def __init__(self, request: HttpRequest) -> None:
        self.session = request.session

    @property
    def ids(self) -> list[int]:
        value = self.session.get(SESSION_KEY, [])
        return [i for i in value if isinstance(i, int)] if isinstance(value, list) else []

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, group: Group) -> bool:
        return group.pk in self.ids

    def add(self, group: Group) -> bool:
        """Adds the group; False if it was already there. Raises ShortlistFull."""
        ids = self.ids
        if group.pk in ids:
            return False
        if len(ids) >= MAX_GROUPS:
            raise ShortlistFull
        self.session[SESSION_KEY] = [*ids, group.pk]
        return True

    def remove(self, group: Group) -> bool:
        ids = self.ids
        if group.pk not in ids:
            return False
        self.session[SESSION_KEY] = [i for i in ids if i != group.pk]
        return True

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def groups(self) -> list[Group]:
        """The shortlisted groups that are still published, in the order they were added."""
        ids = self.ids
        found = {g.pk: g for g in Group.objects.published().with_cards().filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]
