from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.http import HttpRequest
from django.urls import reverse

from groups.models import Group
from referrals.calendar import first_date, left_out
from referrals.shortlist import MAX_GROUPS, Shortlist

register = template.Library()


@register.simple_tag
def shortlist_state(request: HttpRequest | None) -> dict:
    """How many groups are shortlisted, and which, for the banner and the buttons, with
    where a button posts and returns to: a page of results works it out once, before its
    cards (a reverse() and a session read for each card were a fifth of drawing them)."""
    forms = {
        "add_url": reverse("referrals:shortlist_add"),
        "remove_url": reverse("referrals:shortlist_remove"),
        "next": request.get_full_path() if request is not None else "",
    }
    if request is None or not hasattr(request, "session"):
        return {"ids": [], "count": 0, "max": MAX_GROUPS, "full": False, **forms}
    ids = Shortlist(request).ids
    full = len(ids) >= MAX_GROUPS
    return {"ids": ids, "count": len(ids), "max": MAX_GROUPS, "full": full, **forms}


@register.simple_tag
def calendar_state(group: Group) -> dict:
    """Whether the group's calendar feed has any meetings, and which it leaves out."""
    meetings = group.sorted_meetings()
    return {
        "has_events": any(first_date(m, group) is not None for m in meetings),
        "left_out": left_out(group),
    }


@register.simple_tag
def crisis_lines_for(groups: Group | Iterable[Group] | str | None = None) -> list:
    """The crisis numbers for the nations of these groups (a group, a list, or None for
    a page about no group in particular: every nation)."""
    from referrals.crisis import crisis_lines, nations_of

    if groups is None or isinstance(groups, str):  # "" when the template has none
        chosen: list[Group] = []
    elif isinstance(groups, Group):
        chosen = [groups]
    else:
        chosen = list(groups)
    return crisis_lines(nations_of(chosen))
