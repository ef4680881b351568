"""Pages of a search without a place or keywords, read from indexes.

Such a search is ordered by paused_now, then name and id (groups.search.search_groups):
the groups that meet now by name, then the paused ones. paused_now depends on the day, so
no index gives that order, and the database sorted every published group for each page
(81 ms a page at 50,000 groups, bench/ANALYSIS.md). Read as its two parts, each is a
walk of a name index (group_status_name_idx; group_paused_name_idx for the few paused)
that stops at the page's end.
"""

from __future__ import annotations

from django.db.models import Q

from groups.models import GroupQuerySet
from groups.search import Criteria


def by_name_alone(criteria: Criteria) -> bool:
    """Whether the search's order is paused_now, name, id (no place, no keywords)."""
    return criteria.point is None and not criteria.q


def ids_by_name(results: GroupQuerySet, offset: int, limit: int) -> list[int]:
    """The ids of results[offset:offset + limit] for a search by_name_alone()."""
    current = (
        results.filter(Q(paused_now=False)).order_by("name", "id").values_list("pk", flat=True)
    )
    ids = list(current[offset : offset + limit])
    if len(ids) == limit:
        return ids
    # The page runs into the paused groups: past how many that meet now?
    before = offset + len(ids) if ids else current.count()
    paused = results.filter(Q(paused_now=True)).order_by("name", "id").values_list("pk", flat=True)
    start = max(offset - before, 0)
    return ids + list(paused[start : start + limit - len(ids)])
