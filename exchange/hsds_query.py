"""The HSDS list endpoints' parameters, answered by the one search and paged in the database.

Open Referral UK gives /services and /service_at_locations `search`, `postcode` and
`proximity` (metres from the postcode's centre), `day`, `start_time` and `end_time`
(one meeting must match them all), `modified_after`, `taxonomy_term_id`,
`taxonomy_id` and `organization_id`; `page` and `per_page` page them. groups.search
finds and orders the groups (nearest first with a postcode); the database pages them, so
a page reads one page of groups, whatever the directory's size. A parameter HSDS defines
that we do not support answers 400 "not supported"; any other unknown one, 400
"unknown parameter", so a typo never silently widens a search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from groups.models import (
    Audience,
    Condition,
    Group,
    GroupQuerySet,
    GroupType,
    Meeting,
    Place,
    meets_in_person_q,
)
from groups.search import Criteria, search_groups

from . import hsds, paging

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
DAY_NAMES = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)}  # fmt: skip
PAGING = {"page", "per_page"}
SEARCHING = {
    "search", "postcode", "proximity", "day", "start_time", "end_time", "modified_after",
    "taxonomy_term_id", "taxonomy_id", "organization_id",
}  # fmt: skip
# Parameters HSDS 3.0 or the Open Referral UK profile define for list endpoints that we do
# not answer. `format=json` is what we send anyway, and is accepted.
DEFINED = {
    "minimal", "format", "minimum_age", "maximum_age", "full_service", "top_only",
    "parent_id", "search", "full", "taxonomy_id", "taxonomy_term_id", "organization_id",
    "modified_after", "postcode", "proximity", "day", "start_time", "end_time",
}  # fmt: skip
SUPPORTED = {
    "services": PAGING | SEARCHING | {"full"},
    "service_at_locations": PAGING | SEARCHING | {"full"},
    "organizations": PAGING,
    "taxonomies": PAGING,
    "taxonomy_terms": PAGING | {"taxonomy_id"},
}


class BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def check_names(endpoint: str, params: QueryDict) -> None:
    """Every parameter is one this endpoint answers; else BadParameter."""
    supported = SUPPORTED[endpoint]
    for name in params:
        if name in supported or (name == "format" and params.get(name) == "json"):
            continue
        if name in DEFINED:
            raise BadParameter(name, "not supported")
        raise BadParameter(name, "unknown parameter")


def whole_number(params: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadParameter(name, "Enter a whole number of 1 or more.")
    if int(raw) > maximum:
        raise BadParameter(name, f"Can be at most {maximum}.")
    return int(raw)


@dataclass
class ListQuery:
    """What a list request asks for, checked."""

    criteria: Criteria
    groups: GroupQuerySet
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE
    full: bool = False
    near: bool = False
    notes: list[str] = field(default_factory=list)

    def results(self) -> GroupQuerySet:
        return search_groups(self.criteria, self.groups)


def list_query(endpoint: str, params: QueryDict) -> ListQuery:
    """Raises BadParameter for the first thing wrong."""
    check_names(endpoint, params)
    page = whole_number(params, "page", 1, 10**9)
    per_page = whole_number(params, "per_page", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    point, radius = _place(params)
    groups = _meeting_filter(Group.objects.all(), params)
    if modified_after := params.get("modified_after"):
        groups = groups.filter(updated_at__gte=_moment(modified_after))
    if organization_id := params.get("organization_id"):
        groups = groups.filter(pk__in=_organization(organization_id))
    if taxonomy_id := params.get("taxonomy_id"):
        groups = _with_taxonomy(groups, taxonomy_id)
    criteria = Criteria(q=params.get("search", "").strip()[:200])
    if taxonomy_term_id := params.get("taxonomy_term_id"):
        criteria, groups = _with_term(criteria, groups, taxonomy_term_id)
    if point is not None:
        criteria = replace(criteria, point=point, radius_km=radius)
    return ListQuery(
        criteria=criteria,
        groups=groups,
        page=page,
        per_page=per_page,
        full=params.get("full", "").lower() == "true",
        near=point is not None,
    )


def _place(params: QueryDict) -> tuple[tuple[float, float] | None, float]:
    postcode = params.get("postcode", "").strip()
    proximity = params.get("proximity", "").strip()
    if proximity and not postcode:
        raise BadParameter("proximity", "Give a postcode to measure the proximity from.")
    if not postcode:
        return None, 0.0
    place = Place.objects.lookup(postcode[:20])
    if place is None:
        raise BadParameter("postcode", "We do not hold that postcode or its district.")
    radius = settings.MAX_RADIUS_KM
    if proximity:
        try:
            metres = float(proximity)
        except ValueError:
            raise BadParameter("proximity", "Enter a distance in metres.") from None
        if not 0 < metres <= settings.MAX_RADIUS_KM * 1000:
            raise BadParameter(
                "proximity", f"Enter metres above 0 and at most {settings.MAX_RADIUS_KM * 1000:g}."
            )
        radius = metres / 1000
    return (place.latitude, place.longitude), radius


def _clock(params: QueryDict, name: str) -> dt.time | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, "Enter a time as HH:MM, such as 18:30.") from None


def _day(params: QueryDict) -> int | None:
    raw = params.get("day", "").strip()
    if not raw:
        return None
    day = DAYS.get(raw.upper(), DAY_NAMES.get(raw.lower()))
    if day is None:
        raise BadParameter("day", "Enter a day as MO, TU, WE, TH, FR, SA or SU (or its name).")
    return day


def _meeting_filter(groups: GroupQuerySet, params: QueryDict) -> GroupQuerySet:
    """Groups with one meeting on the day, starting at or after start_time and ending by
    end_time (all those given)."""
    day, start, end = _day(params), _clock(params, "start_time"), _clock(params, "end_time")
    if day is None and start is None and end is None:
        return groups
    meetings = Meeting.objects.filter(group=OuterRef("pk"))
    if day is not None:
        meetings = meetings.filter(weekday=day)
    if start is not None:
        meetings = meetings.filter(start_time__gte=start)
    if end is not None:
        meetings = meetings.filter(end_time__lte=end, end_time__gt=F("start_time"))
    return groups.filter(Exists(meetings))


def _moment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(
            "modified_after", "Enter a date and time, such as 2026-12-01T09:00:00Z."
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _organization(value: str) -> list[int]:
    group = hsds.group_for("organization", value)
    return [group.pk] if group is not None else []


def _with_term(
    criteria: Criteria, groups: GroupQuerySet, term_id: str
) -> tuple[Criteria, GroupQuerySet]:
    """Services tagged with the term: a condition, audience, group type or orientation."""
    term = next((t for t in hsds.all_terms() if t.id == term_id), None)
    if term is None:
        return criteria, groups.none()
    key, code = term.taxonomy.key, term.code
    if key == "conditions":
        return replace(criteria, conditions=list(Condition.objects.filter(slug=code))), groups
    if key == "audiences":
        return replace(criteria, audiences=list(Audience.objects.filter(slug=code))), groups
    if key == "group_types":
        return replace(criteria, group_type=GroupType.objects.get(slug=code)), groups
    return criteria, groups.filter(orientation=code)


def _with_taxonomy(groups: GroupQuerySet, taxonomy_id: str) -> GroupQuerySet:
    """Services with any term of the taxonomy: every group has a condition, a type and an
    orientation; not every group has an audience."""
    taxonomy = next((t for t in hsds.TAXONOMIES if t.id == taxonomy_id), None)
    if taxonomy is None:
        return groups.none()
    if taxonomy.key == "audiences":
        # Exists, not a join and DISTINCT: the search's order is by expressions, which
        # SELECT DISTINCT cannot take unless they are selected.
        with_audience = Group.audiences.through.objects.filter(group=OuterRef("pk"))
        return groups.filter(Exists(with_audience))
    return groups


# --- Paging in the database ------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    number: int
    per_page: int


def page_of_groups(query: ListQuery) -> Page:
    """One page of the search's groups, nearest (or best) first, with the total, from
    one query for their ids and one for the groups with everything a service shows."""
    offset = (query.page - 1) * query.per_page
    if paging.by_name_alone(query.criteria):
        # The total apart: with it, every match was read and sorted for each page.
        ids = paging.ids_by_name(query.results(), offset, query.per_page)
        total = query.results().count()
    else:
        ranked = query.results().annotate(total=Window(Count("*"))).values_list("pk", "total")
        rows = list(ranked[offset : offset + query.per_page])
        ids = [pk for pk, _ in rows]
        total = rows[0][1] if rows else _count(query)
    by_pk = Group.objects.filter(pk__in=ids).with_cards().in_bulk()
    return Page([by_pk[pk] for pk in ids], total, query.page, query.per_page)


def _count(query: ListQuery) -> int:
    """A page past the last still says how many there are (only such a page asks)."""
    return query.results().count() if query.page > 1 else 0


PHYSICAL = Q(latitude__isnull=False) & ~Q(format="online")
VIRTUAL = Q(online_url__gt="") | Q(online_on_request=True)


def _meeting_places() -> Case:
    """How many of a group's meetings are held in person at a known venue of their own,
    each a location (hsds.has_location_of_its_own). Only groups whose meetings have
    venues of their own are counted, so most rows read no meetings."""
    places = (
        Meeting.objects.filter(
            meets_in_person_q(OuterRef), group=OuterRef("pk"), latitude__isnull=False
        )
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(
        When(has_meeting_venues=True, then=Coalesce(Subquery(places), Value(0))),
        default=Value(0),
        output_field=IntegerField(),
    )


def page_of_locations(query: ListQuery) -> Page:
    """One page of services at locations: each group's physical location (when it meets
    in person and has one), its meetings' own venues, and its virtual location (when it
    has a joining link), in the search's order; with a postcode, physical ones only. The
    database numbers the locations cumulatively in that order, so it reads only the
    groups on the page."""
    virtual = Q(pk__in=[]) if query.near else VIRTUAL
    results = query.results().annotate(places=_meeting_places())
    results = results.filter(PHYSICAL | virtual | Q(places__gt=0))
    offset = (query.page - 1) * query.per_page
    if paging.by_name_alone(query.criteria):
        rows, total = _locations_by_name(results, virtual, offset, query)
    else:
        rows, total = _locations_numbered(results, virtual, offset, query)
    by_pk = Group.objects.filter(pk__in=[r[0] for r in rows]).with_cards().in_bulk()
    items = []
    for pk, upto, n in rows:
        for index, kind in enumerate(hsds.location_kinds(by_pk[pk], physical_only=query.near)):
            if offset < upto - n + index + 1 <= offset + query.per_page:
                items.append((by_pk[pk], kind))
    return Page(items, total, query.page, query.per_page)


def _locations_numbered(
    results: GroupQuerySet, virtual: Q, offset: int, query: ListQuery
) -> tuple[list[tuple[int, int, int]], int]:
    """The page's groups as (id, locations up to and including its own, its locations),
    numbered cumulatively by the database in the search's order; and the total."""
    order = results.query.order_by
    numbered = results.annotate(n=_locations(virtual)).annotate(
        upto=Window(Sum("n"), order_by=[_ordering(o) for o in order]),
        total=Window(Sum("n")),
    )
    rows = list(
        numbered.filter(upto__gt=offset, upto__lt=F("n") + offset + query.per_page + 1)
        .values_list("pk", "upto", "n", "total")
        .order_by(*order)
    )
    total = rows[0][3] if rows else _location_count(query, virtual)
    return [(pk, upto, n) for pk, upto, n, _ in rows], total


def _locations_by_name(
    results: GroupQuerySet, virtual: Q, offset: int, query: ListQuery
) -> tuple[list[tuple[int, int, int]], int]:
    """As _locations_numbered, for a search by name alone: every group has a location, so
    the page's are among the first offset + per_page groups, read from the name indexes
    (exchange/paging.py); the total is summed apart."""
    per_page = query.per_page
    ids = paging.ids_by_name(results, 0, offset + per_page)
    n_of = dict(results.filter(pk__in=ids).annotate(n=_locations(virtual)).values_list("pk", "n"))
    rows, upto = [], 0
    for pk in ids:
        upto += n_of[pk]
        if offset < upto < n_of[pk] + offset + per_page + 1:
            rows.append((pk, upto, n_of[pk]))
    return rows, _locations_total(query, virtual)


def _locations(virtual: Q) -> Any:
    return _one_if(PHYSICAL) + F("places") + _one_if(virtual)


def _one_if(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _ordering(order: Any) -> Any:
    if isinstance(order, str):
        return F(order[1:]).desc() if order.startswith("-") else F(order).asc()
    return order


def _location_count(query: ListQuery, virtual: Q) -> int:
    return 0 if query.page == 1 else _locations_total(query, virtual)


def _locations_total(query: ListQuery, virtual: Q) -> int:
    """How many locations the search's groups have: a group with none adds nothing, so all
    are counted, and the meetings' venues only of the groups that have such (summed over
    every group, the planner priced each row's subquery and compiled the count by JIT)."""
    groups = query.results()
    counts = groups.aggregate(p=Count("pk", filter=PHYSICAL), v=Count("pk", filter=virtual))
    venues = groups.filter(has_meeting_venues=True).annotate(places=_meeting_places())
    places = venues.aggregate(m=Sum("places"))["m"]
    return counts["p"] + counts["v"] + (places or 0)
