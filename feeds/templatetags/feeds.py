"""Where a listing came from ("From the … meeting list, checked …"), with the credit its
source's licence asks for, and the moderators' items from sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.utils import timezone

from groups.models import ConfirmedBy, Group

from ..models import Source, SourceChange, SourceListing

register = template.Library()


@dataclass(frozen=True)
class Credit:
    source: Source
    checked: str  # "today", "yesterday", "3 days ago", "on 1 March 2026"
    said: bool  # the group's confirmation line names this source already
    also: bool = False  # a line above already names another meeting list

    @property
    def words(self) -> str:
        if self.said:
            return ""
        start = "Also in" if self.also else "From"
        return f"{start} the {self.source.name} meeting list, checked {self.checked}."


def checked_words(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    days = (timezone.localdate(now or timezone.now()) - timezone.localdate(moment)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 31:
        return f"{days} days ago"
    return f"on {timezone.localdate(moment):%-d %B %Y}"


def credits_for(group: Group) -> list[Credit]:
    """Each meeting list the group is in: where it came from, when the list was last
    checked, and the credit the list's licence asks for. The group's own confirmation line
    ("From the … meeting list, checked …") already names the list that last confirmed it."""
    rows = SourceListing.objects.current().filter(group=group).select_related("source")
    confirmed_by = group.confirmed_source if group.confirmed_by == ConfirmedBy.FEED else None
    credits: list[Credit] = []
    for row in rows.order_by("id"):
        said = row.source.name == confirmed_by
        also = confirmed_by is not None or bool(credits)
        credits.append(Credit(row.source, checked_words(row.last_seen_at), said, also))
    return credits


@register.inclusion_tag("feeds/_credit.html")
def source_credits(group: Group) -> dict[str, object]:
    return {"credits": credits_for(group)}


@register.simple_tag
def held_changes() -> list[SourceChange]:
    return list(SourceChange.objects.for_moderators().select_related("group", "source"))
