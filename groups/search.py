"""The one search: the HTML page, the JSON API and the map all call search_groups()."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection, connections, router
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    ForeignKey,
    Func,
    IntegerField,
    Model,
    Q,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.lookups import IsNull, LessThanOrEqual
from django.http import QueryDict

from . import taxonomy
from .fields import CARD, Use, field_names
from .geo import KM_PER_MILE
from .models import (
    Audience,
    Condition,
    Format,
    Group,
    GroupQuerySet,
    GroupType,
    Meeting,
    MeetingWanted,
    Referral,
    Term,
    london_today,
    stale_on_or_before,
)
from .taxonomy import Terms

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from .filters import SearchFilter

MAX_KEYWORD_TERMS = 12
# Past this many results no page can exist, and a larger OFFSET would overflow in SQL.
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class Criteria:
    """Validated search values (from SearchFilter's form)."""

    q: str = ""
    point: tuple[float, float] | None = None
    radius_km: float = settings.DEFAULT_RADIUS_KM
    conditions: list[Condition] = field(default_factory=list)
    orientation: str = ""
    group_type: GroupType | None = None
    format: str = ""
    day: int | None = None
    time_of_day: str = ""
    audiences: list[Audience] = field(default_factory=list)
    language: str = ""
    step_free: bool = False
    referral: str = ""
    include_online: bool = False
    # The day paused groups are judged on (default: today in the UK).
    today: dt.date | None = None
    # How many of the first results will be read (a page's end), if known: a keyword
    # search without a place then reads only candidates for them (first_candidates).
    reach: int | None = None

    def meeting_wanted(self) -> MeetingWanted:
        """What one meeting of a group must be: these filters all hold of one meeting."""
        return MeetingWanted(
            day=self.day,
            time_of_day=self.time_of_day,
            format=self.format,
            audience_ids=tuple(a.pk for a in self.audiences),
            step_free=self.step_free,
            language=self.language,
        )


def search_groups(
    criteria: Criteria,
    groups: GroupQuerySet | None = None,
    *,
    local_only: bool = False,
    own_venues: Q | None = None,
) -> GroupQuerySet:
    """Published groups matching every criterion, nearest (or most relevant) first.

    With a point: groups meeting within the radius by distance (ties by name, then id),
    then online-only groups if include_online (or the format asked for is online), unless
    local_only (own_venues: see GroupQuerySet.near).
    Without: all matches by name; with keywords, those named for them first (README,
    "Searching"); paused groups last. criteria.reach bounds what a keyword search without
    a place reads (first_candidates).
    """
    c = criteria
    # The keywords' count and candidate sets read `unmatched` as subqueries, which need
    # no paused_now: Django resolves a subquery's annotations again, for each set.
    unmatched = matching_rows(c, groups)
    qs = unmatched.with_pause(c.today or london_today())
    # Paused groups stay in the results, after those that meet now.
    order: list = [F("paused_now").asc()]
    keywords = Keywords.of(c.q)
    if keywords:
        if c.point is None:
            keywords = keywords.typos_if_few(unmatched)
        # Near a place every typo match is kept: the place bounds what is read.
        qs = keywords.filter(qs)
    if c.point is not None:
        lat, lng = c.point
        # Asking for online groups near a place means the online-only ones too.
        include_online = with_online_only(c) and not local_only
        qs = qs.near(lat, lng, c.radius_km, include_online=include_online, own_venues=own_venues)
        order = nearest_first(c.today)
    else:
        qs = qs.annotate(distance_km=Value(None, output_field=FloatField()))
        if keywords:
            order.append(keywords.tier().asc())
            if c.reach is not None and connection.vendor == "postgresql":
                qs = qs.filter(keywords.first_candidates(unmatched, c.reach))
                # Counted in the page's own statement: paginate() needs no count of its own.
                qs = qs.annotate(candidate_count=Window(Count("*")))
    return qs.order_by(*order, "name", "id")


def matching(criteria: Criteria, groups: GroupQuerySet | None = None) -> GroupQuerySet:
    """Published groups matching every criterion but the place and the keywords, with
    paused_now, in no order."""
    return matching_rows(criteria, groups).with_pause(criteria.today or london_today())


def matching_rows(criteria: Criteria, groups: GroupQuerySet | None = None) -> GroupQuerySet:
    """matching() without paused_now."""
    qs = (groups if groups is not None else Group.objects.all()).published()
    c = criteria
    if c.conditions:
        qs = qs.with_condition(c.conditions)
    if c.orientation:
        qs = qs.with_orientation(c.orientation)
    if c.group_type:
        qs = qs.filter(group_type=c.group_type)
    if c.referral:
        qs = qs.filter(referral__in=[c.referral, Referral.EITHER])
    wanted = c.meeting_wanted()
    if wanted:
        qs = qs.with_meeting(wanted).prefetch_related(wanted.matched_meetings())
    return qs


def with_online_only(criteria: Criteria) -> bool:
    """Online-only groups follow the local ones: asked for, or the format asked is online."""
    return criteria.include_online or criteria.format == Format.ONLINE


def page_ids(criteria: Criteria, first: int) -> Q:
    """PostgreSQL, near a place: a condition true of the first `first` results among the
    groups met at their own venue (by_own_venue), as the page orders them; the page's
    own statement finds them, within the band of its last result (page_radius).

    Those groups are read from the position index alone (it holds every column they are
    filtered and ordered by), and only the page's few are then read from the table: a
    page near a place costs about the same in a directory of 5,000 groups or 50,000."""
    assert criteria.point is not None
    lat, lng = criteria.point
    # Built once for the band checks and the pick: building a search costs as much CPU as
    # PostgreSQL spends running it.
    groups = _matches(criteria)
    first_ones = (
        groups.by_own_venue(lat, lng, page_radius(criteria, first, groups))
        .filter(Q(distance_km__lte=criteria.radius_km))
        .order_by(*nearest_first(criteria.today), "name", "id")
        .values("pk")[:first]
    )
    return Q(IdIn(ArraySubquery(first_ones)))


class IdIn(Func):
    """PostgreSQL: the row's id is one of an array's, a condition the primary key's index
    serves (an IN over a subquery, ORed with other conditions, is tested row by row)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: ArraySubquery) -> None:
        super().__init__(F("pk"), ids)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        ids_sql, ids_params = compiler.compile(self.source_expressions[1])
        return f"{pk_sql} = ANY({ids_sql})", (*pk_params, *ids_params)


def _matches(criteria: Criteria) -> GroupQuerySet:
    """matching() and the keywords: near a place every typo match is kept, as
    search_groups keeps them."""
    groups = matching(criteria)
    if keywords := Keywords.of(criteria.q):
        groups = keywords.filter(groups)
    return groups


def page_radius(criteria: Criteria, first: int, groups: GroupQuerySet | None = None) -> Expression:
    """PostgreSQL, near a place: the distance (km) within which the first `first` results
    all lie, computed by the page's own statement (the radius when fewer match).

    The results go by distance band, then standing (current, may be out of date,
    paused), then distance; so the band of the first-th result is that of the first-th
    nearest match, and every result up to it lies within the end of that band: the end of
    the nearest band that holds `first` matches met at their own venue. Each band's check
    stops at its first-th match, nearest band first, so where groups are dense the page
    looks no further than its own band, whatever the directory's size. Groups whose
    meetings have venues of their own can only be nearer, so leaving them out only ever
    widens the answer. groups: _matches(criteria), if the caller has built it."""
    assert criteria.point is not None
    lat, lng = criteria.point
    groups = groups if groups is not None else _matches(criteria)
    checks = []
    for end in (km for km in DistanceBand.limits_km if km < criteria.radius_km):
        within = groups.by_own_venue(lat, lng, end).filter(Q(distance_km__lte=end))
        checks.append(When(Exists(within.values("pk")[first - 1 : first]), then=Value(end)))
    radius = Value(float(criteria.radius_km))
    return Case(*checks, default=radius, output_field=FloatField()) if checks else radius


# Within 2, 5, 10 and 25 miles, then beyond: a clinician reads a band as "near enough".
DISTANCE_BANDS_MILES = (2, 5, 10, 25)


def nearest_first(today: dt.date | None = None) -> list:
    """The one order of results near a place (page, API and HSDS): by distance band; in a
    band, current listings, then those that may be out of date, then paused ones (it needs
    with_pause()'s paused_now); then by distance. Online-only groups (no distance) come
    last."""
    band = DistanceBand(F("distance_km"))
    cutoff = stale_on_or_before(today or dt.date.today())
    standing = Case(
        When(paused_now=True, then=Value(2)),
        When(last_verified__gt=cutoff, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    # Online-only groups have no distance, so no band: last.
    return [band.asc(nulls_last=True), standing.asc(), F("distance_km").asc(nulls_last=True)]


class DistanceBand(Func):
    """The band of DISTANCE_BANDS_MILES a distance in km falls within: 0 up to the first
    limit (inclusive), and so on, len(DISTANCE_BANDS_MILES) beyond the last; null for no
    distance. PostgreSQL computes each mention of the distance afresh (a haversine, or a
    subquery for groups with meeting venues), so there it is mentioned once."""

    output_field = IntegerField()
    limits_km = [miles * KM_PER_MILE for miles in DISTANCE_BANDS_MILES]

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        distance = self.source_expressions[0]
        bands = [
            When(LessThanOrEqual(distance, km), then=Value(n))
            for n, km in enumerate(self.limits_km)
        ]
        case = Case(*bands, default=Value(len(bands)), output_field=IntegerField())
        known = When(IsNull(distance, False), then=case)
        sql, params = compiler.compile(Case(known, default=None, output_field=IntegerField()))
        return sql, tuple(params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        # width_bucket counts the limits <= its operand; a band counts those < the distance
        # (a limit is the end of its band): count the negated limits <= -distance instead.
        negated = sorted(-km for km in self.limits_km)
        return f"(%s - width_bucket(-({sql}), %s::float8[]))", (len(negated), *params, negated)


def nearest_beyond(criteria: Criteria, n: int = 3) -> list[Group]:
    """When nothing matches within the radius: the n nearest matches beyond it (within
    the largest radius), with their distance, so a search never ends at nothing."""
    if criteria.point is None or criteria.radius_km >= settings.MAX_RADIUS_KM:
        return []
    wider = replace(criteria, radius_km=settings.MAX_RADIUS_KM, include_online=False)
    return list(search_groups(wider).with_cards()[:n])


def alternatives_to(group: Group, n: int = 3) -> list[Group]:
    """The n nearest published groups sharing a condition with this one (for a group that
    no longer meets): by distance from where it met, or, for an online group, online ones."""
    point = None
    if group.meets_in_person and group.latitude is not None and group.longitude is not None:
        point = (group.latitude, group.longitude)
    criteria = Criteria(
        point=point,
        radius_km=settings.MAX_RADIUS_KM,
        conditions=list(group.condition_terms),
        format="" if point else Format.ONLINE,
    )
    return list(search_groups(criteria).exclude(pk=group.pk).with_cards()[:n])


class GroupWords(Func):
    """A group's name and condition names as one text: the expression migration 0006's
    trigram index is on (`name || ' ' || search_terms`), written the same way so the
    planner can read through it."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("name"), F("search_terms"))


@dataclass(frozen=True)
class Keywords:
    """A keyword search: which groups match, and how well.

    PostgreSQL: English full-text search (stemming) over the stored, indexed vector, and
    pg_trgm word similarity for small typos. SQLite, the zero-setup default, needs every
    word to start a word somewhere. On both, each word may match a different field. The
    tiers, best first: 0, the name alone matches; 1, the rest of the group's text does
    (summary, conditions, description); 2, a typo match only.
    """

    text: str
    # Whether typo matches count (typos_if_few decides, on PostgreSQL).
    typos: bool = True

    @classmethod
    def of(cls, q: str) -> Keywords | None:
        terms = q.split()[:MAX_KEYWORD_TERMS]
        return cls(" ".join(terms)) if terms else None

    def typos_if_few(self, qs: GroupQuerySet) -> Keywords:
        """Typo matches only when full-text search finds fewer than a page: word
        similarity is dear to compute for every group a frequent word's trigrams point to.
        Reads at most a page of matches, however many groups match."""
        if connection.vendor != "postgresql":
            return self
        size = settings.SEARCH_PAGE_SIZE
        found = qs.filter(self.full_text()).order_by().values("pk")[:size].count()
        return replace(self, typos=found < size)

    @property
    def query(self) -> SearchQuery:
        return SearchQuery(self.text, search_type="websearch", config="english")

    def full_text(self) -> Q:
        return Q(search_vector=self.query)

    def in_name(self) -> Q:
        """The name alone matches: its words in the vector (weight A), which migration
        0022's index holds."""
        if connection.vendor == "postgresql":
            return Q(SearchVectorExact(NameWords(), self.query))
        return Q(*(Q(name__iregex=rf"\b{re.escape(t)}") for t in self.text.split()))

    def typo(self) -> Q:
        return Q(TrigramWordSimilar(GroupWords(), self.text))

    def filter(self, qs: GroupQuerySet) -> GroupQuerySet:
        """The groups that match (typo matches too if self.typos)."""
        if connection.vendor != "postgresql":
            # On SQLite the vector is the group's text: every word must start a word in it.
            for term in self.text.split():
                qs = qs.filter(search_vector__iregex=rf"\b{re.escape(term)}")
            return qs
        if self.typos:
            return qs.filter(self.full_text() | self.typo())
        return qs.filter(self.full_text())

    def tier(self) -> Case:
        if connection.vendor != "postgresql":
            return Case(When(self.in_name(), then=Value(0)), default=Value(1))
        return Case(
            When(self.in_name(), then=Value(0)),
            When(self.full_text(), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )

    def first_candidates(self, groups: GroupQuerySet, reach: int) -> Q:
        """Among groups (the search before its keywords), candidates that surely hold the
        first `reach` matches in search_groups' order (paused last, then by tier, then by
        name), so a page reads a bounded number of rows however many groups match
        (PostgreSQL).

        Each arm reads what an index gives in order and stops: the first `reach` named for
        the keywords; the first `reach` full-text matches by name (before the j-th of
        those that only mention the keywords come at most the ones named for them); with
        typo matches, every full-text match (fewer than a page) and the first `reach` of
        all; every paused match (few; migration 0022's index); and any matches up to the
        count's cap, in no order, so the candidates counted up to the cap (search_groups
        counts them in the page's statement) are every match counted up to it. The arms
        test each condition once: the planner multiplies the estimates of a condition
        written twice, and would then read every match."""
        unpaused = groups.filter(paused=False).order_by("name", "id")
        size = settings.SEARCH_PAGE_SIZE
        named = self.in_name()
        if any(term.startswith("-") for term in self.text.split()):
            # A word left out may be in the name's group elsewhere: not every name match
            # is a match then.
            named &= self.full_text()
        arms = [
            unpaused.filter(named).values("pk")[:reach],
            unpaused.filter(self.full_text()).values("pk")[: max(reach, size)],
        ]
        if self.typos:
            arms.append(self.filter(unpaused).values("pk")[:reach])
        cap = max(settings.SEARCH_COUNT_CAP, reach) + 1
        matches = self.filter(groups).order_by().values("pk")
        arms += [matches.filter(paused=True), matches[:cap]]
        return Q(pk__in=arms[0].union(*arms[1:], all=True))


class NameWords(Func):
    """The name's words in the search vector (its weight-A lexemes): the expression of
    migration 0022's group_name_words_idx, written the same way."""

    template = "ts_filter(%(expressions)s, '{a}')"
    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__(F("search_vector"))


def run_search(
    params: QueryDict, *, paged: bool = False
) -> tuple[SearchFilter, GroupQuerySet | None]:
    """The search of the page, the API and the CSV export: the query string checked by
    SearchFilter, and the groups it finds (None when the query string is wrong); paginate()
    reads a page of them as cards, with_cards() all of them. paged: only the page that
    params' `page` names will be read, so the search may read no further."""
    from .filters import SearchFilter  # which builds this module's Criteria

    filterset = SearchFilter(params, queryset=Group.objects.all())
    if not filterset.is_valid():
        return filterset, None
    criteria = filterset.criteria()
    if paged:
        criteria = replace(criteria, reach=page_end(params.get("page")))
    return filterset, search_groups(criteria)


def page_end(page_number: str | None) -> int | None:
    """How many results a page (paginate's page_number) needs read: None if it is no
    page."""
    try:
        number = int(page_number or 1)
    except ValueError:
        return None
    end = number * settings.SEARCH_PAGE_SIZE
    return end if number >= 1 and end <= MAX_OFFSET else None


class CappedPaginator(Paginator):
    """A paginator over a known total that may be a lower bound: with count_is_lower_bound,
    there are more than count results, so one page more than count fills is known to
    exist (its Next link works), though how many more is not."""

    def __init__(self, per_page: int, count: int, *, count_is_lower_bound: bool) -> None:
        super().__init__((), per_page)
        self.count = count  # a cached_property: the total is known, so no count query
        self.count_is_lower_bound = count_is_lower_bound

    @cached_property
    def num_pages(self) -> int:
        return super().num_pages + (1 if self.count_is_lower_bound else 0)


class ResultsPage(Page):
    paginator: CappedPaginator


def paginate(
    results: GroupQuerySet,
    page_number: str | int | None,
    *,
    use: Use = CARD,
    criteria: Criteria | None = None,
) -> ResultsPage:
    """One page of results and their total, counted only up to settings.SEARCH_COUNT_CAP
    (or to the end of this page, if further): past it the paginator's count is a lower
    bound. "More than 100 groups" serves a clinician as well as "262", and an exact total
    reads every match, so its cost grew with the directory. Only the fields the use shows
    travel with the page (groups/fields.py). Given the criteria the results came from, a
    page near a place reads only the matches within the band of its last result
    (page_radius): the same groups in the same order as from all of them.

    Raises PageNotAnInteger or EmptyPage, as Paginator.page() does.
    """
    size = settings.SEARCH_PAGE_SIZE
    try:
        number = int(page_number or 1)
    except (TypeError, ValueError):
        raise PageNotAnInteger("That page number is not a whole number.") from None
    offset = (number - 1) * size
    if number < 1 or offset > MAX_OFFSET:
        raise EmptyPage("There is no such page of results.")
    rows = _read_page(results, criteria, offset, size, use)
    if not rows and number > 1:
        raise EmptyPage("There is no such page of results.")
    attach_tags(rows)
    count, lower_bound = _total(results, offset, rows, size)
    paginator = CappedPaginator(size, count, count_is_lower_bound=lower_bound)
    return ResultsPage(rows, number, paginator)


def _read_page(
    results: GroupQuerySet, criteria: Criteria | None, offset: int, size: int, use: Use
) -> list[Group]:
    """The rows of a page: near a place (PostgreSQL), from the matches within its nearest
    bands (page_ids); online-only groups come after every local one, so a page that
    is not full of local ones is read again with them."""

    def read(qs: GroupQuerySet) -> list[Group]:
        shown = qs.with_cards(tags=False).only(*field_names(use, on_group=True))
        return list(shown[offset : offset + size])

    if criteria is None or criteria.point is None or connection.vendor != "postgresql":
        return read(results)
    first = page_ids(criteria, offset + size)
    rows = read(search_groups(criteria, local_only=True, own_venues=first))
    if len(rows) < size and with_online_only(criteria):
        return read(results)
    return rows


def _total(
    results: GroupQuerySet, offset: int, rows: Sequence[Group], size: int
) -> tuple[int, bool]:
    """How many results there are, and whether that is a lower bound (there are more). A
    page that is not full ends the results: no count query. Nor does a keyword search's
    page, whose candidates hold every match up to the cap (Keywords.first_candidates)."""
    if len(rows) < size:
        return offset + len(rows), False
    cap = max(settings.SEARCH_COUNT_CAP, offset + size)
    counted = getattr(rows[0], "candidate_count", None)
    if counted is None:
        # The count reads at most cap + 1 matches, whatever the directory's size: their
        # ids, counted here. COUNT(*) over them cost more CPU (the ORM wraps a sliced
        # count in a subquery and an aggregation) and more time in PostgreSQL.
        counted = len(results.order_by().values_list("pk", flat=True)[: cap + 1])
    return (cap, True) if counted > cap else (counted, False)


def attach_tags(groups: Sequence[Group]) -> None:
    """Each group's condition_terms and audience_terms, and each of its meetings' own
    audiences, as with_cards() prefetches them, from the tag tables' ids and the
    taxonomies each process holds (groups/taxonomy.py): one query of ids, where the
    prefetches built a model per tag and cost a third of an API search's CPU time
    (bench/profile.py --phases). Needs the meetings prefetched (with_cards(tags=False))."""
    meetings = [
        meeting
        for group in groups
        for meeting in [*group.meetings.all(), *getattr(group, "matched_meetings", ())]
    ]
    conditions_of, audiences_of, meeting_audiences = _tag_ids(
        [group.pk for group in groups], {meeting.pk for meeting in meetings}
    )
    conditions = _in_order(taxonomy.conditions(covering=_union(conditions_of)))
    audiences = _in_order(
        taxonomy.audiences(covering=_union(audiences_of) | _union(meeting_audiences))
    )
    for group in groups:
        group.condition_terms = conditions(conditions_of.get(group.pk, ()))
        group.audience_terms = audiences(audiences_of.get(group.pk, ()))
    for meeting in meetings:
        # Meeting.own_audience_terms is a cached_property: this is its value.
        meeting.__dict__["own_audience_terms"] = tuple(
            audiences(meeting_audiences.get(meeting.pk, ()))
        )


TAG_TABLES = (
    (Group.conditions.through, "group", "condition"),
    (Group.audiences.through, "group", "audience"),
    (Meeting.audiences.through, "meeting", "audience"),
)


def _tag_ids(group_ids: Iterable[int], meeting_ids: Iterable[int]) -> list[dict[int, set[int]]]:
    """{owner's id: its tags' ids} of each of TAG_TABLES (the groups' conditions and
    audiences, the meetings' audiences), read in one statement: UNION ALL of the three,
    each row marked with its table's place in TAG_TABLES. Written by hand from the
    models' names: the ORM took 2.3 ms of CPU to build and compile it, this 0.4 ms
    (bench/profile.py --phases), on every page of results."""
    owners = (list(group_ids), list(group_ids), list(meeting_ids))
    connection = connections[router.db_for_read(Group)]  # the replica, if reading it
    quote = connection.ops.quote_name
    parts, params = [], []
    for n, ((through, owner, tag), ids) in enumerate(zip(TAG_TABLES, owners, strict=True)):
        if ids:
            meta = through._meta
            owner_id, tag_id = (quote(_column(through, f)) for f in (owner, tag))
            marks = ", ".join(["%s"] * len(ids))
            parts.append(
                f"SELECT {n}, {owner_id}, {tag_id} FROM {quote(meta.db_table)}"  # noqa: S608
                f" WHERE {owner_id} IN ({marks})"
            )
            params += ids
    found: list[dict[int, set[int]]] = [{} for _ in TAG_TABLES]
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for table, owner_id, tag_id in cursor.fetchall():
            found[table].setdefault(owner_id, set()).add(tag_id)
    return found


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, ForeignKey)
    return field.column


def _union(sets: dict[int, set[int]]) -> set[int]:
    return set().union(*sets.values())


def _in_order[T: Term](terms: Terms[T]) -> Callable[[Iterable[int]], list[T]]:
    """A function from tag ids to their terms in the taxonomy's order."""
    rank = {term.pk: n for n, term in enumerate(terms.all)}

    def ordered(ids: Iterable[int]) -> list[T]:
        return [terms.all[n] for n in sorted(rank[i] for i in ids if i in rank)]

    return ordered
