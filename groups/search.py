"""The one search: the HTML page, the JSON API and the map all call search_groups()."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
    When,
)

from .models import Condition, Group, GroupQuerySet, Referral

MAX_KEYWORD_TERMS = 12


@dataclass(frozen=True)
class Criteria:
    """Validated search values (from SearchFilter's form)."""

    q: str = ""
    point: tuple[float, float] | None = None
    radius_km: float = settings.DEFAULT_RADIUS_KM
    conditions: list[str] = field(default_factory=list)
    orientation: str = ""
    group_type: str = ""
    format: str = ""
    day: int | None = None
    time_of_day: str = ""
    audiences: list[str] = field(default_factory=list)
    step_free: bool = False
    referral: str = ""
    include_online: bool = False


def search_groups(criteria: Criteria, groups: GroupQuerySet | None = None) -> GroupQuerySet:
    """Published groups matching every criterion, nearest (or most relevant) first.

    With a point: groups meeting within the radius by distance (ties by name, then id),
    then online-only groups if include_online. Without: all matches, by relevance
    when there are keywords, else by name.
    """
    qs = (groups if groups is not None else Group.objects.all()).published()
    c = criteria
    if c.conditions:
        qs = qs.with_condition(c.conditions)
    if c.audiences:
        qs = qs.with_audience(c.audiences)
    if c.orientation:
        qs = qs.with_orientation(c.orientation)
    if c.group_type:
        qs = qs.filter(group_type__slug=c.group_type)
    if c.format:
        qs = qs.with_format(c.format)
    if c.day is not None or c.time_of_day:
        qs = qs.meeting_on(c.day, c.time_of_day or None)
    if c.step_free:
        qs = qs.filter(step_free="yes")
    if c.referral:
        qs = qs.filter(referral__in=[c.referral, Referral.EITHER])

    order: list = []
    if c.q:
        qs = keyword_filter(qs, c.q)
    if c.point is not None:
        lat, lng = c.point
        qs = qs.near(lat, lng, c.radius_km, include_online=c.include_online)
        order = [F("distance_km").asc(nulls_last=True)]
    else:
        qs = qs.annotate(distance_km=Value(None, output_field=FloatField()))
        if c.q:
            order = [F("rank").desc()]
    return qs.order_by(*order, "name", "id")


def keyword_filter(qs: GroupQuerySet, q: str) -> GroupQuerySet:
    """Groups whose name, summary, description or conditions match the keywords, with a rank.

    PostgreSQL uses full-text search with English stemming, the name weighted first;
    SQLite, the zero-setup default, needs every word to appear somewhere. On both, each
    word may match a different field.
    """
    terms = q.split()[:MAX_KEYWORD_TERMS]
    if not terms:
        return qs.annotate(rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        # One document per group, its condition names included, so that each word of
        # "chapel gambling" may match a different field, as on SQLite.
        condition_names = (
            Condition.objects.filter(groups=OuterRef("pk"))
            .order_by()
            .values("groups")
            .annotate(names=StringAgg("name", delimiter=Value(" ")))
            .values("names")
        )
        vector = (
            SearchVector("name", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("description", weight="C", config="english")
            + SearchVector(Subquery(condition_names), weight="D", config="english")
        )
        query = SearchQuery(" ".join(terms), config="english", search_type="websearch")
        return (
            qs.alias(search=vector)
            .filter(search=query)
            .annotate(rank=SearchRank(F("search"), query))
        )
    for term in terms:
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(summary__icontains=term)
            | Q(description__icontains=term)
            | Exists(Condition.objects.filter(groups=OuterRef("pk"), name__icontains=term))
        )
    name_hits = [When(name__icontains=t, then=Value(1.0)) for t in terms]
    return qs.annotate(rank=Case(*name_hits, default=Value(0.5), output_field=FloatField()))
