from __future__ import annotations

from django import template

from groups.models import Group

from ..summary import GroupEvidence, summarise

register = template.Library()


@register.simple_tag
def group_evidence(group: Group) -> GroupEvidence:
    """{% group_evidence group as evidence %}: the matching records, summary and cautions,
    in one query when the group's conditions and audiences are prefetched."""
    return summarise(group)
