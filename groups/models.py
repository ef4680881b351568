"""The directory's data: groups, their meetings, the taxonomies they are tagged with, places."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import heapq
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, models
from django.db.models import Exists, Expression, F, Func, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, In
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import cached_property
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from . import geo
from .search_document import DocumentField, SearchDocument

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WEEKDAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
LONDON = ZoneInfo("Europe/London")
# Groups for this condition keep their venue hidden unless the organiser says otherwise.
HIDDEN_VENUE_CONDITION = "domestic_abuse"


def london_now() -> dt.datetime:
    """Now, in UK time: meeting times are UK local times."""
    return dt.datetime.now(LONDON)


def london_today() -> dt.date:
    return london_now().date()


LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")
# Unicode's bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
# U+2069): they make text read in another order than it is stored.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Unicode's control characters (category Cc: tabs, line breaks, NUL and the like), its
# line and paragraph separators, and the bidirectional controls.
CONTROL_CHARACTER_RE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI_CONTROLS}]")
# In a web address, the bidirectional marks too (U+061C, U+200E, U+200F).
URL_HIDDEN_RE = re.compile(
    f"[\\x00-\\x20\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029{BIDI_CONTROLS}]"
)


class WebURLValidator(URLValidator):
    """Links are shown to clinicians and patients: only web links (never javascript:,
    data: or the like), and none that reads as another site than it opens. So no user
    name or password before the host (https://nhs.uk@evil.example opens evil.example), no
    backslash (browsers read it as /: https://evil.example\\@nhs.uk), and no control or
    bidirectional characters (which can show a host backwards). The one validator of
    every web address we accept: groups, evidence, feeds, the CSV import. Its own codes,
    not "invalid", so that a form's "Enter a valid URL." does not replace the reason."""

    def __call__(self, value: Any) -> None:
        if isinstance(value, str):
            if "\\" in value:
                raise ValidationError(
                    "Enter a web address without a backslash (\\).", code="backslash"
                )
            if URL_HIDDEN_RE.search(value):
                raise ValidationError(
                    "Enter a web address without spaces or hidden control or text-direction "
                    "characters.",
                    code="hidden_characters",
                )
            if "@" in _host_part(value):
                raise ValidationError(
                    "Enter a web address without a user name or password in it (the part "
                    "before an @).",
                    code="userinfo",
                )
        super().__call__(value)


def _host_part(value: str) -> str:
    try:
        return urlsplit(value).netloc
    except ValueError:
        return ""  # not a web address at all: URLValidator says so


web_url = WebURLValidator(
    schemes=["http", "https"], message="Enter a web address starting https://"
)


def single_line(value: str) -> None:
    """A one-line field (a name, a town, a phone number) holds one line of plain text: a
    line break or tab in it would break the layout of pages, CSV exports and calendars."""
    if CONTROL_CHARACTER_RE.search(value):
        raise ValidationError(
            "Use a single line of text, without line breaks, tabs, text-direction overrides "
            "or other control characters.",
            code="single_line",
        )


class Orientation(models.TextChoices):
    INWARD = "inward", "Inward-oriented"
    OUTWARD = "outward", "Outward-oriented"
    HYBRID = "hybrid", "Both inward and outward"


ORIENTATION_EXPLAINED: dict[str, str] = {
    Orientation.INWARD: (
        "Focuses on personal change: members help each other recover, cope or change "
        "their own lives."
    ),
    Orientation.OUTWARD: (
        "Focuses on social change: members campaign, advocate or work to change services, "
        "attitudes or policy."
    ),
    Orientation.HYBRID: (
        "Does both: members support each other's personal change and also work for social change."
    ),
}


class Format(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "In person and online"


class Leadership(models.TextChoices):
    PEER_LED = "peer_led", "Peer-led"
    PEER_LED_PROFESSIONAL_SUPPORT = (
        "peer_led_professional_support",
        "Peer-led with professional support",
    )
    PROFESSIONALLY_FACILITATED = "professionally_facilitated", "Professionally facilitated"


class Referral(models.TextChoices):
    SELF = "self_referral", "People can refer themselves"
    PROFESSIONAL = "professional_referral", "Needs a professional referral"
    EITHER = "either", "Self-referral or professional referral"


class StepFree(models.TextChoices):
    YES = "yes", "Step-free access"
    NO = "no", "No step-free access"
    UNKNOWN = "unknown", "Step-free access not known"


class Sector(models.TextChoices):
    VOLUNTARY_COMMUNITY = "voluntary_community", "Voluntary or community group"
    NHS_STATUTORY = "nhs_statutory", "NHS or statutory service"
    PRIVATE = "private", "Private provider"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Waiting for review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Not approved"
    ARCHIVED = "archived", "Archived"


# A listing waiting for review or listed meets every rule; a draft needs only its name.
SUBMITTED = (Status.PENDING, Status.PUBLISHED)


class ArchivedReason(models.TextChoices):
    """Why a group left the directory: a stale group comes back when its organiser
    re-confirms it, a closed one does not."""

    CLOSED = "closed", "Closed by its organiser"
    STALE = "stale", "Not confirmed for 18 months"
    MODERATOR = "moderator", "Taken down by a moderator"
    DELETED = "deleted", "A draft its organiser deleted"


class ConfirmedBy(models.TextChoices):
    """Who last said a listing is right: its organisers, the directory's moderators, or the
    meeting list a feed reads it from."""

    GROUP = "group", "The group"
    MODERATOR = "moderator", "The directory"
    FEED = "feed", "A meeting list"


def confirmed_values(by: str, on: dt.date, source: str = "") -> dict[str, Any]:
    """The fields to set when a listing is confirmed (as GroupValues(**confirmed_values(...))
    for save_group()): on that date, by the group, a moderator, or (with the list's name as
    source) a feed."""
    return {
        "last_verified": on,
        "confirmed_by": by,
        "confirmed_source": source if by == ConfirmedBy.FEED else "",
    }


@dataclass(frozen=True)
class MutualAidMark:
    """One of the review's three marks of a mutual aid group (its Box 1), for one group."""

    question: str
    answer: str  # "yes", "partly", "no" or "not_known"
    explanation: str

    @property
    def answer_label(self) -> str:
        return {"yes": "Yes", "partly": "Partly", "no": "No", "not_known": "Not known"}[self.answer]


# Box 1, second mark: how far each type of group runs on its members' shared experience.
SHARED_EXPERIENCE_BY_TYPE = {
    "twelve_step": (
        "yes",
        "Members share their own experience, following a twelve-step programme.",
    ),
    "peer_support": ("yes", "Members support each other from their own experience."),
    "harm_reduction": ("yes", "Members draw on their own experience of using drugs or alcohol."),
    "advocacy": ("yes", "Members campaign from their own experience."),
    "user_run_business": ("yes", "People with lived experience run it together."),
    "activity_based": (
        "partly",
        "Members come together around a shared activity as well as their shared experience.",
    ),
    "educational": (
        "partly",
        "Members learn from taught material as well as from each other's experience.",
    ),
    "self_management": (
        "partly",
        "Members follow a structured programme as well as learning from each other's experience.",
    ),
    "faith_based": (
        "partly",
        "Members share their experience within a faith tradition, which also guides the group.",
    ),
    "residential": (
        "partly",
        "Members live together; how far the community runs on their shared experience rather "
        "than on professional care varies.",
    ),
}


class Term(models.Model):
    """A tag from one of the directory's taxonomies; slugs are stable identifiers."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Condition(Term):
    pass


class GroupType(Term):
    pass


class Audience(Term):
    pass


class HistoricalActor(models.Model):
    """On every history record: whether the account that made the change was deleted
    since (its history_user is then empty, as for changes nobody made, such as imports),
    so the history can say "a deleted organiser account" rather than "the system"."""

    history_user_deleted = models.BooleanField(default=False)

    class Meta:
        abstract = True


# Every change to a group and its tags is recorded (who, when, what); save_group() makes
# one record per save, after the tags are set, through this object.
# The search vector is derived from the recorded fields, so it is not recorded itself.
GROUP_HISTORY = HistoricalRecords(
    m2m_fields=["conditions", "audiences"],
    bases=[HistoricalActor],
    excluded_fields=["search_vector"],
)


GroupField = Callable[[str], Any]


def formats_matching(fmt: str) -> list[str]:
    """In person or online also finds hybrid, which meets both ways."""
    return [Format.HYBRID] if fmt == Format.HYBRID else [fmt, Format.HYBRID]


def meets_in_person_q(group: GroupField) -> Q:
    """Meetings in person: by their own format, else by their group's (group(name) refers
    to a field of the meeting's group: OuterRef in a subquery, F("group__...") else)."""
    in_person = [Format.IN_PERSON, Format.HYBRID]
    return Q(format__in=in_person) | (Q(format="") & Q(In(group("format"), in_person)))


OWN_VENUE_Q = ~Q(address="", town="", postcode="", latitude__isnull=True)


def in_language_q(code: str) -> Q:
    """Rows (groups or meetings) whose languages hold this ISO 639 code."""
    if connection.vendor == "postgresql":
        return Q(languages__contains=[code])
    # SQLite cannot test JSON containment: match the quoted code in the JSON text.
    return Q(languages__icontains=f'"{code}"')


def time_of_day(start: dt.time) -> str:
    """The part of the day a meeting starts in, as Meeting.time_of_day_q() reads it."""
    if start < NOON:
        return "morning"
    return "afternoon" if start < FIVE_PM else "evening"


def meeting_keys(
    *,
    weekday: int,
    start_time: dt.time,
    format: str,
    audience_ids: Iterable[int],
    own_venue: bool,
    step_free: str,
) -> set[str]:
    """What one meeting is on its own values, as Group.meeting_keys holds it: its day and
    part of the day together, its own format ("format:" if as the group's), its own
    audiences ("audience:" if as the group's) and where it meets with its own format: at
    the group's venue ("venue:<format>") or at a step-free venue of its own
    ("step_free:<format>"); a blank format is the group's."""
    keys = {f"{weekday} {time_of_day(start_time)}", f"format:{format}"}
    keys |= {f"audience:{pk}" for pk in audience_ids} or {"audience:"}
    if not own_venue:
        keys.add(f"venue:{format}")
    elif step_free == StepFree.YES:
        keys.add(f"step_free:{format}")
    return keys


# Group.search_codes, as whole numbers a GiST index can hold beside the position
# (intarray's gist__int_ops, migration 0026): a meeting's day and part of the day, and
# what the group's meetings are (or, with none, the group itself) by format, audience and
# step-free access, each meeting's own value else its group's.
PARTS_OF_DAY = ("morning", "afternoon", "evening")
FORMAT_CODES: dict[str, int] = {Format.IN_PERSON: 30, Format.ONLINE: 31, Format.HYBRID: 32}
STEP_FREE_CODE = 40
AUDIENCE_CODE = 1000  # plus the audience's id


def slot_code(weekday: int, part_of_day: str) -> int:
    return weekday * 3 + PARTS_OF_DAY.index(part_of_day)


def search_codes(
    keys: Iterable[str], *, format: str, audience_ids: Iterable[int], step_free: str
) -> list[int]:
    """A group's search_codes from its meeting_keys and its own values. For one wanted
    value of one kind, holding its code is the same as having a meeting that is it
    (MeetingWanted.meeting_q) or, with no meetings, being it (group_q)."""
    keys = set(keys)
    if not keys:
        formats, audiences = {format}, set(audience_ids)
        step_free_here = step_free == StepFree.YES and format != Format.ONLINE
    else:
        formats = {k.removeprefix("format:") or format for k in keys if k.startswith("format:")}
        audiences = {int(k[9:]) for k in keys if k.startswith("audience:") and k != "audience:"}
        if "audience:" in keys:
            audiences |= set(audience_ids)
        in_person = (Format.IN_PERSON, Format.HYBRID)
        step_free_here = any(
            k.startswith("step_free:") and (k[10:] or format) in in_person for k in keys
        ) or (
            step_free == StepFree.YES
            and any(k.startswith("venue:") and (k[6:] or format) in in_person for k in keys)
        )
    codes = {slot_code(int(k[0]), k[2:]) for k in keys if k[0].isdigit()}
    codes |= {FORMAT_CODES[f] for f in formats if f in FORMAT_CODES}
    codes |= {AUDIENCE_CODE + pk for pk in audiences}
    if step_free_here:
        codes.add(STEP_FREE_CODE)
    return sorted(codes)


class CodesOverlap(Func):
    """PostgreSQL: the group's search_codes hold one of these codes, in the form the
    position index holds them (migration 0026), so the index tests it as it reads."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, codes: Iterable[int]) -> None:
        super().__init__(F("search_codes"))
        self.codes = sorted(set(codes))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        return f"group_search_codes({column}) && %s::int4[]", (*params, self.codes)


@dataclass(frozen=True)
class MeetingWanted:
    """What one meeting must be, for a search. Every value given must hold of the same
    meeting; where the meeting has no value of its own, its group's counts."""

    day: int | None = None
    time_of_day: str = ""
    format: str = ""
    audience_ids: tuple[int, ...] = ()
    step_free: bool = False
    language: str = ""

    def __bool__(self) -> bool:
        return bool(
            self.day is not None
            or self.time_of_day
            or self.format
            or self.audience_ids
            or self.step_free
            or self.language
        )

    def meeting_q(self, group: GroupField) -> Q:
        """The meetings that are wanted; group(name) refers to their group's fields."""
        q = Q()
        if self.day is not None:
            q &= Q(weekday=self.day)
        if self.time_of_day:
            q &= Meeting.time_of_day_q(self.time_of_day)
        if self.format:
            formats = formats_matching(self.format)
            q &= Q(format__in=formats) | (Q(format="") & Q(In(group("format"), formats)))
        if self.audience_ids:
            q &= self._audience_q()
        if self.language:
            group_speaks = Group.objects.filter(
                in_language_q(self.language), pk=OuterRef("group_id")
            )
            q &= in_language_q(self.language) | (Q(languages=[]) & Q(Exists(group_speaks)))
        if self.step_free:
            step_free = (OWN_VENUE_Q & Q(step_free=StepFree.YES)) | (
                ~OWN_VENUE_Q & Q(Exact(group("step_free"), StepFree.YES))
            )
            q &= meets_in_person_q(group) & step_free
        return q

    def _audience_q(self) -> Q:
        own = Meeting.audiences.through.objects.filter(meeting=OuterRef("pk"))
        groups = Group.audiences.through.objects.filter(
            group=OuterRef("group_id"), audience__in=self.audience_ids
        )
        return Q(Exists(own.filter(audience__in=self.audience_ids))) | (
            ~Q(Exists(own)) & Q(Exists(groups))
        )

    def keys_q(self) -> Q:
        """PostgreSQL: what a group's row (its meeting_keys, format, audience_ids and
        step_free) must hold if one of its meetings is wanted: tested in the row a search
        reads, so only such groups' meetings are looked up (keys_are_exact: none are)."""
        q = Q()
        if self.day is not None or self.time_of_day:
            days = range(7) if self.day is None else [self.day]
            times = [self.time_of_day] if self.time_of_day else [t for t, _ in TIME_OF_DAY_CHOICES]
            q &= Q(meeting_keys__has_any_keys=[f"{d} {t}" for d in days for t in times])
        if self.format:
            formats = formats_matching(self.format)
            q &= Q(meeting_keys__has_any_keys=[f"format:{f}" for f in formats]) | Q(
                meeting_keys__contains=["format:"], format__in=formats
            )
        if self.audience_ids:
            ids = list(self.audience_ids)
            q &= Q(meeting_keys__has_any_keys=[f"audience:{pk}" for pk in ids]) | (
                Q(meeting_keys__contains=["audience:"]) & _audience_ids_q(ids)
            )
        if self.step_free:
            in_person = [Format.IN_PERSON, Format.HYBRID]
            own = Q(meeting_keys__has_any_keys=[f"step_free:{f}" for f in in_person]) | Q(
                meeting_keys__contains=["step_free:"], format__in=in_person
            )
            at_group = Q(meeting_keys__has_any_keys=[f"venue:{f}" for f in in_person]) | Q(
                meeting_keys__contains=["venue:"], format__in=in_person
            )
            q &= own | (at_group & Q(step_free=StepFree.YES))
        return q

    def codes_q(self) -> Q:
        """PostgreSQL: what a group's search_codes must hold, one code of each kind
        wanted; tested in the position index itself as it reads (migration 0026)."""
        q = Q()
        if self.day is not None or self.time_of_day:
            days = range(7) if self.day is None else [self.day]
            parts = [self.time_of_day] if self.time_of_day else PARTS_OF_DAY
            q &= Q(CodesOverlap(slot_code(d, p) for d in days for p in parts))
        if self.format:
            q &= Q(CodesOverlap(FORMAT_CODES[f] for f in formats_matching(self.format)))
        if self.audience_ids:
            q &= Q(CodesOverlap(AUDIENCE_CODE + pk for pk in self.audience_ids))
        if self.step_free:
            q &= Q(CodesOverlap([STEP_FREE_CODE]))
        return q

    def keys_are_exact(self) -> bool:
        """Whether keys_q() alone says that one meeting is wanted: it tests each value on
        its own, so two wanted (a day and a format) could hold of two different meetings;
        one day with one time of day is one key. Language needs the meetings."""
        kinds = [self.day is not None or bool(self.time_of_day), bool(self.format)]
        kinds += [bool(self.audience_ids), self.step_free]
        return sum(kinds) == 1 and not self.language

    def group_q(self) -> Q:
        """A group with no meetings, on its own values."""
        q = Q()
        if self.format:
            q &= Q(format__in=formats_matching(self.format))
        if self.audience_ids and connection.vendor == "postgresql":
            q &= _audience_ids_q(list(self.audience_ids))
        elif self.audience_ids:
            through = Group.audiences.through.objects
            q &= Q(Exists(through.filter(group=OuterRef("pk"), audience__in=self.audience_ids)))
        if self.step_free:
            q &= Q(step_free=StepFree.YES) & ~Q(format=Format.ONLINE)
        if self.language:
            q &= in_language_q(self.language)
        return q

    def matched_meetings(self) -> Prefetch:
        """Each group's meetings that are wanted, as matched_meetings, for its card."""
        meetings = Meeting.objects.filter(self.meeting_q(lambda name: F(f"group__{name}")))
        return Prefetch("meetings", meetings, to_attr="matched_meetings")


def _audience_ids_q(ids: list[int]) -> Q:
    """PostgreSQL: groups for any of these audiences, by the ids in their row."""
    any_of = Q()
    for pk in ids:
        any_of |= Q(audience_ids__contains=[pk])
    return any_of


class GroupQuerySet(models.QuerySet["Group"]):
    def published(self) -> GroupQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def public(self) -> GroupQuerySet:
        """Groups with a public page: published ones, and those that have closed or left
        the directory (their page says so; printed QR codes still lead to it)."""
        return self.filter(status__in=[Status.PUBLISHED, Status.ARCHIVED])

    def with_cards(self, *, tags: bool = True) -> GroupQuerySet:
        """Everything a result card or API item shows, in a fixed number of queries: the
        type joined, and the meetings (with their own audiences), conditions and audiences
        prefetched (the terms as condition_terms and audience_terms, in taxonomy order). A
        large set: in_chunks(). tags=False leaves the tags (the groups' and the meetings'
        own audiences) to search.attach_tags(), which reads only their ids."""
        if not tags:
            return self.select_related("group_type").prefetch_related("meetings")
        return self.select_related("group_type").prefetch_related(
            # A meeting's own audiences (who it is for, else the group's) ride along.
            models.Prefetch("meetings", Meeting.objects.prefetch_related("audiences")),
            models.Prefetch("conditions", Condition.objects.all(), to_attr="condition_terms"),
            models.Prefetch("audiences", Audience.objects.all(), to_attr="audience_terms"),
        )

    def with_weekly_meetings(self) -> GroupQuerySet:
        """Each group's weekly meetings, in order, with their own audiences, prefetched as
        weekly_meetings."""
        weekly = (
            Meeting.objects.filter(recurrence=Recurrence.WEEKLY)
            .order_by(*MEETING_ORDER)
            .prefetch_related("audiences")
        )
        return self.prefetch_related(models.Prefetch("meetings", weekly, to_attr="weekly_meetings"))

    def in_chunks(self) -> Iterator[Group]:
        """The groups read 2,000 at a time, each chunk with its own prefetches: one IN list
        of 50,000 ids (an export) would pass SQLite's and PostgreSQL's parameter limits."""
        return self.iterator(chunk_size=2_000)

    def with_distance(self, lat: float, lng: float) -> GroupQuerySet:
        """Annotates distance_km (haversine) to its nearest in-person meeting, at the
        meeting's own venue or else the group's; null for groups that meet only online.
        Only groups with a meeting at a venue of its own need to look at their meetings."""
        nearest = (
            Meeting.objects.filter(group=OuterRef("pk"))
            .filter(meets_in_person_q(OuterRef))
            .annotate(
                km=geo.HaversineKm(
                    lat,
                    lng,
                    Coalesce("latitude", OuterRef("latitude")),
                    Coalesce("longitude", OuterRef("longitude")),
                )
            )
            .order_by("km")
            .values("km")[:1]
        )
        return self.annotate(
            distance_km=models.Case(
                models.When(has_meeting_venues=True, then=Subquery(nearest)),
                models.When(format=Format.ONLINE, then=models.Value(None)),
                default=geo.HaversineKm(lat, lng),
                output_field=models.FloatField(),
            )
        )

    def near(
        self,
        lat: float,
        lng: float,
        km: float,
        *,
        include_online: bool = False,
        own_venues: Q | None = None,
    ) -> GroupQuerySet:
        """Published groups with an in-person meeting within km of the point (and, if
        asked, those that meet only online), with distance_km annotated. Boxes around the
        circle let indexes prefilter the groups' venues and the meetings' own venues, so a
        local search reads only what is near it. own_venues (PostgreSQL) picks, in place
        of the box, the groups met at their own venue that are wanted: a page needs only
        its first few (search.page_ids); groups with meeting venues of their own are read
        as before."""
        box = geo.box_around(lat, lng, km)
        at_meeting = Meeting.objects.filter(box, latitude__isnull=False).values("group_id")
        in_person = Q(latitude__isnull=False) & ~Q(format=Format.ONLINE)
        # Groups with meeting venues: a meeting's venue in the box, or (meetings without
        # a venue of their own meet at the group's) the group's.
        at_meetings = Q(Q(pk__in=at_meeting) | (box & in_person), has_meeting_venues=True)
        # Read in one pass of the groups table, from one bitmap of two indexes (migration
        # 0019): groups whose own venue is in the box, and the few with meeting venues of
        # their own. A union of ids looked up again by id read each group twice. The
        # bitmap's own condition is written alone, so PostgreSQL does not test each row
        # read against the box again (a position made per row cost most of a local search).
        if own_venues is None:
            found = box | Q(has_meeting_venues=True)
            kept = (Q(has_meeting_venues=False) & in_person) | at_meetings
        else:
            found = own_venues | Q(has_meeting_venues=True)
            kept = Q(has_meeting_venues=False) | at_meetings
        local = found & kept & Q(distance_km__lte=km)
        online_only = Q(format=Format.ONLINE, has_meeting_venues=False)
        wanted = local | online_only if include_online else local
        return self.published().with_distance(lat, lng).filter(wanted)

    def by_own_venue(self, lat: float, lng: float, km: float | Expression) -> GroupQuerySet:
        """Published in-person groups whose own venue is in the box around km of the point
        and whose meetings have none of their own, with distance_km. Groups with meeting
        venues of their own are left out: their distance is their nearest meeting's. On
        PostgreSQL the position index holds every column a search filters or orders these
        by (migrations 0024-0029), so they are read from the index alone."""
        return (
            self.published()
            .filter(geo.box_around(lat, lng, km), latitude__isnull=False, has_meeting_venues=False)
            .exclude(format=Format.ONLINE)
            .annotate(distance_km=geo.HaversineKm(lat, lng))
        )

    def with_pause(self, today: dt.date) -> GroupQuerySet:
        """Annotates paused_now: paused, and not back yet (a group comes back by itself on
        its paused_until date)."""
        paused_now = Q(paused=True) & (Q(paused_until__isnull=True) | Q(paused_until__gt=today))
        return self.annotate(
            paused_now=models.Case(
                models.When(paused_now, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def with_condition(self, conditions: Iterable[Condition]) -> GroupQuerySet:
        """Groups tagged with any of the conditions."""
        ids = [c.pk for c in conditions]
        if connection.vendor == "postgresql":
            # condition_ids (GIN-indexed, migration 0019) is read in the row: an EXISTS probe
            # of the join table for each group near a place cost most of a local search.
            any_of = Q()
            for pk in ids:
                any_of |= Q(condition_ids__contains=[pk])
            return self.filter(any_of)
        through = Group.conditions.through
        return self.filter(Exists(through.objects.filter(group=OuterRef("pk"), condition__in=ids)))

    def with_audience(self, audiences: Iterable[Audience]) -> GroupQuerySet:
        """Groups for any of the audiences."""
        through = Group.audiences.through
        ids = [a.pk for a in audiences]
        return self.filter(Exists(through.objects.filter(group=OuterRef("pk"), audience__in=ids)))

    def with_orientation(self, orientation: str) -> GroupQuerySet:
        """Inward or outward also finds hybrid groups, which are both."""
        if orientation == Orientation.HYBRID:
            return self.filter(orientation=Orientation.HYBRID)
        return self.filter(orientation__in=[orientation, Orientation.HYBRID])

    def with_meeting(self, wanted: MeetingWanted) -> GroupQuerySet:
        """Groups with one meeting that is everything wanted (day, time of day, format,
        audience, step-free), with the group's values where the meeting has none of its
        own; and, unless a day or time is wanted, groups with no meetings that are."""
        if not wanted:
            return self
        postgresql = connection.vendor == "postgresql"
        if postgresql and wanted.keys_are_exact():
            # The codes say it all: a local search near a place read every group's
            # meetings (an index probe each) to find the few that are wanted.
            return self.filter(wanted.codes_q())
        meetings = Meeting.objects.filter(group=OuterRef("pk"))
        matched = Q(Exists(meetings.filter(wanted.meeting_q(OuterRef))))
        if postgresql:
            # Tested in the row first: the meetings of the groups it allows are read.
            matched = wanted.keys_q() & matched
        if wanted.day is None and not wanted.time_of_day:
            # The flag in the row: NOT EXISTS(meetings) was planned as a hashed subplan
            # that read every meeting in the directory for each such search.
            matched |= Q(has_meetings=False) & wanted.group_q()
        return self.filter(wanted.codes_q(), matched) if postgresql else self.filter(matched)


class Group(models.Model):
    name = models.CharField(max_length=200, validators=[single_line])
    slug = models.SlugField(
        max_length=220, unique=True, help_text="Set once from the name; never changes."
    )
    summary = models.CharField(
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text="One line: what the group is.",
    )
    description = models.TextField(blank=True)
    # A draft needs only its name: the other rules hold once it is submitted.
    orientation = models.CharField(max_length=10, choices=Orientation.choices, blank=True)
    group_type = models.ForeignKey(
        GroupType, on_delete=models.PROTECT, related_name="groups", null=True, blank=True
    )
    conditions = models.ManyToManyField(Condition, related_name="groups")
    audiences = models.ManyToManyField(Audience, related_name="groups", blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.IN_PERSON)

    address = models.CharField(max_length=300, blank=True, validators=[single_line])
    town = models.CharField(max_length=100, blank=True, validators=[single_line])
    postcode = models.CharField(max_length=10, blank=True, validators=[single_line])
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    online_url = models.URLField(
        "online joining link", max_length=500, blank=True, validators=[web_url]
    )
    online_on_request = models.BooleanField(
        "joining link given on request",
        default=False,
        help_text="People ask the group for the link: pages say “Contact the group for the link”.",
    )
    dial_in = models.CharField(
        "dial-in number", max_length=40, blank=True, validators=[single_line]
    )
    joining_notes = models.CharField(
        "joining notes", max_length=300, blank=True, validators=[single_line]
    )
    what_to_expect = models.TextField("what to expect at a first meeting", blank=True)
    venue_hidden = models.BooleanField(
        "venue hidden",
        null=True,
        blank=True,
        help_text="Pages say “address given when you contact the group”. Unset: hidden for "
        "domestic abuse groups only.",
    )
    website = models.URLField(max_length=500, blank=True, validators=[web_url])
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=[single_line])

    leadership = models.CharField(
        max_length=30, choices=Leadership.choices, blank=True, help_text="Blank if not known."
    )
    sector = models.CharField(
        max_length=20, choices=Sector.choices, default=Sector.VOLUNTARY_COMMUNITY
    )
    referral = models.CharField(
        "referral route", max_length=30, choices=Referral.choices, default=Referral.EITHER
    )
    cost = models.CharField(max_length=200, blank=True, validators=[single_line])
    step_free = models.CharField(
        "step-free access", max_length=10, choices=StepFree.choices, default=StepFree.UNKNOWN
    )
    access_notes = models.TextField(blank=True, help_text="Hearing loop, interpreters and so on.")
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text="ISO 639 codes: 639-1 where one exists (en, cy), else 639-3 (bfi).",
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    archived_reason = models.CharField(
        max_length=10, choices=ArchivedReason.choices, blank=True, help_text="Archived groups only."
    )
    archived_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day it left the directory (archived groups only): its page says since when.",
    )
    last_verified = models.DateField(null=True, blank=True)
    confirmed_by = models.CharField(
        max_length=10,
        choices=ConfirmedBy.choices,
        blank=True,
        help_text="Who last confirmed the listing (on last_verified); blank if not known.",
    )
    confirmed_source = models.CharField(
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text="The meeting list a feed confirmed it from, such as “Sheffield AA”.",
    )
    paused = models.BooleanField(default=False, help_text="Not meeting for a while.")
    paused_until = models.DateField(
        null=True,
        blank=True,
        help_text="Paused groups only: the day it meets again (blank: not known yet).",
    )
    has_meeting_venues = models.BooleanField(
        default=False,
        editable=False,
        help_text="Some meeting has a venue of its own (kept by save_group, for the search).",
    )
    has_meetings = models.BooleanField(
        default=False,
        editable=False,
        help_text="It has meetings (kept by save_group, for the search: a group with none is "
        "searched by its own format, audiences, access and languages).",
    )
    condition_ids = models.JSONField(
        default=list,
        editable=False,
        help_text="Its conditions' ids (kept by save_group, for the search: a local search "
        "tests them in the row it reads instead of looking each group up in the join table).",
    )
    audience_ids = models.JSONField(
        default=list,
        editable=False,
        help_text="Its audiences' ids (kept by save_group, for the search, as condition_ids).",
    )
    meeting_keys = models.JSONField(
        default=list,
        editable=False,
        help_text="What its meetings are on their own values: days and times, formats, "
        "audiences, step-free venues (kept by save_group, for the search: models.meeting_keys).",
    )
    search_codes = models.JSONField(
        default=list,
        editable=False,
        help_text="Codes of its meetings' days and times, formats, audiences and access "
        "(kept by save_group, for the search: models.search_codes).",
    )
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    search_terms = models.TextField(
        blank=True,
        editable=False,
        help_text="The names of its conditions, kept here so that the search index can read them.",
    )
    # What a keyword search reads (groups/search_document.py): a weighted English tsvector
    # on PostgreSQL, GIN-indexed by migration 0018; the same text on SQLite.
    search_vector = models.GeneratedField(
        expression=SearchDocument(), output_field=DocumentField(), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GroupQuerySet.as_manager()
    history = GROUP_HISTORY
    # Set on an instance before a save, for django-simple-history: who made the change and
    # why, or that this save records no version (groups.services records one itself).
    _history_user: User | None
    _change_reason: str
    skip_history_when_saving: bool

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["status", "latitude", "longitude"], name="group_status_lat_lng_idx"
            ),
            models.Index(fields=["status", "name"], name="group_status_name_idx"),
            # The few paused groups by name, for pages of a search by name alone
            # (exchange/paging.py), which read them after the groups that meet now.
            models.Index(
                fields=["name", "id"],
                condition=Q(status=Status.PUBLISHED, paused=True),
                name="group_paused_name_idx",
            ),
            # Listings at one postcode, for the duplicate rule (groups/duplicates.py).
            models.Index(fields=["postcode"], name="group_postcode_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="group_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="group_longitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="group_lat_lng_together",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(format="online") | Q(latitude__isnull=False),
                name="group_published_in_person_has_location",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(format="in_person")
                | ~Q(online_url="")
                | Q(online_on_request=True),
                name="group_published_online_has_link",
            ),
            models.CheckConstraint(
                condition=Q(online_url="") | Q(online_on_request=False),
                name="group_link_or_on_request",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=SUBMITTED)
                | (~Q(orientation="") & Q(group_type__isnull=False)),
                name="group_submitted_has_orientation_and_type",
            ),
            models.CheckConstraint(
                condition=Q(paused=True) | Q(paused_until__isnull=True),
                name="group_paused_until_only_paused",
            ),
            models.CheckConstraint(
                condition=Q(orientation="") | Q(orientation__in=Orientation.values),
                name="group_orientation_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=Format.values), name="group_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="group_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(step_free__in=StepFree.values), name="group_step_free_valid"
            ),
            models.CheckConstraint(
                condition=Q(referral__in=Referral.values), name="group_referral_valid"
            ),
            models.CheckConstraint(
                condition=Q(leadership="") | Q(leadership__in=Leadership.values),
                name="group_leadership_valid",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="group_external_id_null_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(sector__in=Sector.values), name="group_sector_valid"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by="") | Q(confirmed_by__in=ConfirmedBy.values),
                name="group_confirmed_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_source="") | Q(confirmed_by=ConfirmedBy.FEED),
                name="group_confirmed_source_only_feed",
            ),
            models.CheckConstraint(
                condition=Q(archived_reason="")
                | Q(status="archived", archived_reason__in=ArchivedReason.values),
                name="group_archived_reason_only_archived",
            ),
            models.CheckConstraint(
                condition=Q(archived_on__isnull=True) | Q(status="archived"),
                name="group_archived_on_only_archived",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self.name)
        if self.external_id == "":
            self.external_id = None
        self.date_archiving()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return group_page_path(self.slug)

    def clean(self) -> None:
        self.date_archiving()
        errors: dict[str, list[str]] = {}
        for code in self.languages or []:
            if not isinstance(code, str) or not LANGUAGE_CODE_RE.match(code):
                errors.setdefault("languages", []).append(
                    f"“{code}” is not an ISO 639 language code (such as en, cy or bfi)."
                )
        if (self.latitude is None) != (self.longitude is None):
            errors.setdefault("latitude", []).append(
                "Give both latitude and longitude, or neither."
            )
        if self.online_url and self.online_on_request:
            errors.setdefault("online_on_request", []).append(
                "Give the joining link, or say it is given on request, not both."
            )
        if self.status in SUBMITTED:
            errors.update(self._submitted_errors())
        if errors:
            raise ValidationError(errors)

    def date_archiving(self) -> None:
        """archived_on follows the status: the day it was archived, else nothing. Every
        path that archives a group (closing, staleness, a moderator) saves it."""
        if self.status != Status.ARCHIVED:
            self.archived_on = None
        elif self.archived_on is None:
            self.archived_on = dt.date.today()

    def _submitted_errors(self) -> dict[str, list[str]]:
        """What a listing needs once it is submitted (a draft needs only its name)."""
        errors: dict[str, list[str]] = {}
        if not self.orientation:
            errors["orientation"] = ["Say whether the group is about personal or social change."]
        if self.group_type_id is None:
            errors["group_type"] = ["Choose a type of group."]
        if self.format != Format.IN_PERSON and not (self.online_url or self.online_on_request):
            errors["online_url"] = [
                "Online and hybrid groups need a joining link, or say it is given on request."
            ]
        if self.status == Status.PUBLISHED:
            errors.update(self.place_errors())
        return errors

    def place_errors(self) -> dict[str, list[str]]:
        """A listing that meets in person needs a place on the map once it is published or
        an organiser sends it (a feed's pending listing may wait for a moderator to place
        it)."""
        if self.format != Format.ONLINE and self.latitude is None:
            return {
                "postcode": [
                    "We cannot find where the group meets. Give its full postcode, such as "
                    "LS6 3HN, or the town."
                ]
            }
        return {}

    @cached_property
    def condition_terms(self) -> list[Condition]:
        """Its conditions in taxonomy order (with_cards() prefetches them for many groups)."""
        return list(self.conditions.all())

    @cached_property
    def audience_terms(self) -> list[Audience]:
        """Who it is for, in taxonomy order (with_cards() prefetches them for many groups)."""
        return list(self.audiences.all())

    @cached_property
    def weekly_meetings(self) -> list[Meeting]:
        """Its weekly meetings in order (with_weekly_meetings() prefetches them for many
        groups)."""
        return list(self.meetings.filter(recurrence=Recurrence.WEEKLY).order_by(*MEETING_ORDER))

    def forget_terms(self) -> None:
        """After its tags change, read them afresh."""
        self.__dict__.pop("condition_terms", None)
        self.__dict__.pop("audience_terms", None)

    def mutual_aid_marks(self) -> list[MutualAidMark]:
        """The three marks of a mutual aid group in the review's Box 1, answered from the
        group's leadership, type and sector, so a clinician can tell a peer-led voluntary
        group from a professionally run service."""
        leaders: dict[str, tuple[str, str]] = {
            Leadership.PEER_LED: ("yes", "It is peer-led: people who share the issue run it."),
            Leadership.PEER_LED_PROFESSIONAL_SUPPORT: (
                "yes",
                "People who share the issue run it, with support from professionals.",
            ),
            Leadership.PROFESSIONALLY_FACILITATED: ("no", "Professionals facilitate it."),
        }
        run_by = leaders.get(self.leadership, ("not_known", "The group has not said who leads it."))
        shared = SHARED_EXPERIENCE_BY_TYPE.get(
            self.type_slug, ("not_known", "Its type of group does not tell us.")
        )
        if shared[0] == "yes" and self.leadership == Leadership.PROFESSIONALLY_FACILITATED:
            shared = (
                "partly",
                f"{shared[1]} Professionals facilitate it, so their knowledge guides it too.",
            )
        sectors: dict[str, tuple[str, str]] = {
            Sector.VOLUNTARY_COMMUNITY: (
                "yes",
                "It is a voluntary or community group, not an NHS, statutory or private service.",
            ),
            Sector.NHS_STATUTORY: ("no", "It is run by the NHS or another statutory service."),
            Sector.PRIVATE: ("no", "It is run by a private provider."),
        }
        voluntary = sectors.get(self.sector, ("not_known", "Not known."))
        return [
            MutualAidMark("Run by and for people who share the issue", *run_by),
            MutualAidMark("Draws mainly on members' shared experience", *shared),
            MutualAidMark("A voluntary collective, not a statutory or private service", *voluntary),
        ]

    def mutual_aid_verdict(self) -> str:
        """One plain sentence on the three marks together."""
        answers = [mark.answer for mark in self.mutual_aid_marks()]
        if all(a == "yes" for a in answers):
            return (
                "By the review's definition (Box 1) this is a mutual aid group: run by and for "
                "people who share the issue, drawing on their shared experience, as a voluntary "
                "collective."
            )
        if "no" in answers:
            return (
                "By the review's definition (Box 1) this is not a mutual aid group in the full "
                "sense: it lacks at least one of the three marks below."
            )
        return (
            "By the review's definition (Box 1) this may be a mutual aid group, but not every "
            "one of the three marks below is clearly met."
        )

    @property
    def type_slug(self) -> str:
        """Its type's code; "" for a draft that has none yet."""
        return self.group_type.slug if self.group_type is not None else ""

    def listed_type(self) -> GroupType:
        """Its type: a submitted listing has one (the database says so); a draft may not."""
        if self.group_type is None:
            raise ValueError(f"“{self.name}” is a draft with no type of group yet.")
        return self.group_type

    @property
    def hides_venue(self) -> bool:
        """The venue is never shown or sent: "address given when you contact the group".
        Unless the organiser has said, a domestic abuse group's venue is hidden."""
        if self.venue_hidden is not None:
            return self.venue_hidden
        return any(c.slug == HIDDEN_VENUE_CONDITION for c in self.condition_terms)

    def is_paused(self, today: dt.date | None = None) -> bool:
        """Paused, and not yet back: it comes back by itself on paused_until."""
        if not self.paused:
            return False
        return self.paused_until is None or (today or london_today()) < self.paused_until

    def paused_text(self) -> str:
        """How cards, pages and sheets say a paused group is not meeting."""
        if self.paused_until is None:
            return "Paused: not meeting for now"
        back = self.paused_until
        return f"Paused: meets again from {back:%A} {back.day} {back:%B}"

    @property
    def online_joining_given(self) -> bool:
        return bool(self.online_url or self.online_on_request)

    @property
    def orientation_explained(self) -> str:
        return ORIENTATION_EXPLAINED.get(self.orientation, "")

    @property
    def is_online_only(self) -> bool:
        return self.format == Format.ONLINE

    @property
    def meets_in_person(self) -> bool:
        return self.format != Format.ONLINE

    def verified_months_ago(self, today: dt.date | None = None) -> int | None:
        if self.last_verified is None:
            return None
        return months_between(self.last_verified, today or dt.date.today())

    def confirmation_text(self) -> str:
        """Who confirmed the listing and when, as cards and pages say it."""
        if self.last_verified is None:
            return "Not yet confirmed"
        on = f"{self.last_verified.day} {self.last_verified:%B %Y}"
        if self.confirmed_by == ConfirmedBy.GROUP:
            return f"Confirmed by the group on {on}"
        if self.confirmed_by == ConfirmedBy.MODERATOR:
            return f"Checked by the directory on {on}"
        if self.confirmed_by == ConfirmedBy.FEED and self.confirmed_source:
            return f"From the {self.confirmed_source} meeting list, checked {on}"
        if self.confirmed_by == ConfirmedBy.FEED:
            return f"From a published meeting list, checked {on}"
        return f"Last checked on {on}"

    def is_stale(self, today: dt.date | None = None) -> bool:
        """Not re-confirmed for over 12 months, so details may be out of date."""
        months = self.verified_months_ago(today)
        return months is None or months >= 12

    def sorted_meetings(self) -> list[Meeting]:
        return sorted(self.meetings.all(), key=lambda m: (m.weekday, m.start_time))

    def upcoming(
        self, now: dt.datetime | None = None, *, meetings: Iterable[Meeting] | None = None
    ) -> Iterator[Occurrence]:
        """Its (or the given) meetings that have not ended, in date order, skipping the
        days it is paused; nothing while it is paused with no date to come back."""
        now = (now or london_now()).astimezone(LONDON)
        chosen = list(self.meetings.all() if meetings is None else meetings)
        if self.paused and self.paused_until is None:
            return
        back = self.paused_until if self.paused else None
        streams = [m.occurrences(now) for m in chosen]
        for occurrence in heapq.merge(*streams, key=lambda o: (o.start, o.meeting.start_time)):
            if back is None or occurrence.start.date() >= back:
                yield occurrence

    def next_day_of(self, meeting: Meeting, today: dt.date) -> dt.date | None:
        """The day of the meeting's next meeting from today on, paused days skipped."""
        start_of_day = dt.datetime.combine(today, dt.time(0), tzinfo=LONDON)
        days = (o.start.date() for o in self.upcoming(start_of_day, meetings=[meeting]))
        return next((day for day in days if day >= today), None)

    def next_meeting(
        self, now: dt.datetime | None = None, *, meetings: Iterable[Meeting] | None = None
    ) -> Occurrence | None:
        """The next meeting that has not ended (UK time), or None when none can be dated."""
        return next(self.upcoming(now, meetings=meetings), None)

    def openstreetmap_url(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        return (
            f"https://www.openstreetmap.org/?mlat={self.latitude:.5f}&mlon={self.longitude:.5f}"
            f"#map=17/{self.latitude:.5f}/{self.longitude:.5f}"
        )


# A slug that reverse() puts in a group page's path as it is (the <slug:> converter's).
PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def group_page_path(slug: str) -> str:
    """The path of a group's page, as reverse() gives it. reverse() checks each slug
    against the URL pattern, which cost a sixth of the CPU time of drawing 20 result
    cards; the path is the same around every plain slug, so it is reversed once for the
    URL conf and script prefix in use."""
    if not PLAIN_SLUG.fullmatch(slug):
        return reverse("groups:detail", kwargs={"slug": slug})
    head, tail = _page_path_around(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{head}{slug}{tail}"


@functools.cache
def _page_path_around(urlconf: str, script_prefix: str) -> tuple[str, str]:
    """A group page's path before and after its slug (reverse() reads the script prefix
    in use, which is this call's)."""
    marker = "slug"
    path = reverse("groups:detail", kwargs={"slug": marker}, urlconf=urlconf)
    head, tail = path.rsplit(marker, 1)
    return head, tail


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from earlier to later (1 Jan to 31 Jan is 0, to 1 Feb is 1).
    A month from a day that a shorter month lacks ends on that month's last day, as in
    date arithmetic everywhere: 31 Jan to 28 Feb is 1, 29 Feb 2024 to 28 Feb 2025 is 12."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    month_ends = later.day == calendar.monthrange(later.year, later.month)[1]
    if later.day < earlier.day and not month_ends:
        months -= 1
    return months


def stale_on_or_before(today: dt.date) -> dt.date:
    """The latest last_verified that is 12 or more months before today (by months_between):
    a listing verified on or before it may be out of date. For filtering in SQL."""
    year, month = today.year - 1, today.month
    last_day = calendar.monthrange(year, month)[1]
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        return dt.date(year, month, last_day)
    return dt.date(year, month, min(today.day, last_day))


def unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "group"
    slug, n = base, 2
    while Group.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every other week"
    MONTHLY = "monthly", "Monthly"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


WEEK_OF_MONTH_CHOICES = [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (-1, "Last")]
TIME_OF_DAY_CHOICES = [
    ("morning", "Morning (before 12pm)"),
    ("afternoon", "Afternoon (12pm to 5pm)"),
    ("evening", "Evening (from 5pm)"),
]
NOON = dt.time(12, 0)
FIVE_PM = dt.time(17, 0)


# Monday first, then by start time: how a group's meetings are listed everywhere.
MEETING_ORDER = ["weekday", "start_time", "id"]


@dataclass(frozen=True)
class Venue:
    """Where an in-person meeting is, and whether it is step-free."""

    address: str
    town: str
    postcode: str
    latitude: float | None
    longitude: float | None
    step_free: str

    @property
    def step_free_label(self) -> str:
        return StepFree(self.step_free or StepFree.UNKNOWN).label


@dataclass(frozen=True)
class Joining:
    """How to join a meeting online or by phone."""

    online_url: str
    on_request: bool
    dial_in: str
    notes: str

    def __bool__(self) -> bool:
        return bool(self.online_url or self.on_request or self.dial_in or self.notes)


@dataclass(frozen=True)
class Occurrence:
    """One meeting on one day, in UK time. It may end the next day."""

    meeting: Meeting
    start: dt.datetime
    end: dt.datetime


# What a meeting may say about itself; blank, each is the group's.
MEETING_VENUE_FIELDS = ("address", "town", "postcode", "latitude", "longitude", "step_free")
MEETING_JOINING_FIELDS = ("online_url", "online_on_request", "dial_in", "joining_notes")

# Every change to a meeting (who is it for included) is recorded; save_group makes one
# record for each meeting it adds, after its audiences are set.
MEETING_HISTORY = HistoricalRecords(m2m_fields=["audiences"], bases=[HistoricalActor])


class Meeting(models.Model):
    """A regular meeting. Times are UK local time (Europe/London), as people read them. A
    meeting may cross midnight (23:00 to 01:00): it belongs to the day and time it starts.

    How it runs (format, venue, joining details, who it is for, languages) is the
    group's, unless the meeting gives its own: a monthly family session, a meeting online
    only, one at another venue.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="meetings")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    recurrence = models.CharField(
        max_length=12, choices=Recurrence.choices, default=Recurrence.WEEKLY
    )
    anchor_date = models.DateField(
        null=True, blank=True, help_text="Fortnightly only: the date of any one meeting."
    )
    week_of_month = models.SmallIntegerField(
        null=True, blank=True, choices=WEEK_OF_MONTH_CHOICES, help_text="Monthly only."
    )
    note = models.CharField(max_length=200, blank=True, validators=[single_line])
    format = models.CharField(
        max_length=10, choices=Format.choices, blank=True, help_text="Blank: as the group."
    )
    address = models.CharField(
        "venue address",
        max_length=300,
        blank=True,
        validators=[single_line],
        help_text="A venue of its own; blank: the group's.",
    )
    town = models.CharField(max_length=100, blank=True, validators=[single_line])
    postcode = models.CharField(max_length=10, blank=True, validators=[single_line])
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    step_free = models.CharField(
        "step-free access",
        max_length=10,
        choices=StepFree.choices,
        blank=True,
        help_text="At its own venue only.",
    )
    online_url = models.URLField(
        "online joining link",
        max_length=500,
        blank=True,
        validators=[web_url],
        help_text="Joining details of its own; none given: the group's.",
    )
    online_on_request = models.BooleanField("joining link given on request", default=False)
    dial_in = models.CharField(
        "dial-in number", max_length=40, blank=True, validators=[single_line]
    )
    joining_notes = models.CharField(
        "joining notes", max_length=300, blank=True, validators=[single_line]
    )
    audiences = models.ManyToManyField(
        Audience, related_name="meetings", blank=True, help_text="None: as the group."
    )
    languages = models.JSONField(default=list, blank=True, help_text="None: as the group.")

    history = MEETING_HISTORY
    _history_user: User | None  # who removed it, for django-simple-history (see Group)
    skip_history_when_saving: bool
    _change_reason: str

    class Meta:
        ordering = MEETING_ORDER
        constraints = [
            models.CheckConstraint(
                condition=~Q(end_time=models.F("start_time")), name="meeting_end_is_not_start"
            ),
            models.CheckConstraint(
                condition=Q(format="") | Q(format__in=Format.values), name="meeting_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="meeting_venue_point_valid",
            ),
            models.CheckConstraint(
                condition=Q(online_url="") | Q(online_on_request=False),
                name="meeting_link_or_on_request",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="meeting_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    recurrence="monthly",
                    week_of_month__isnull=False,
                    week_of_month__in=[1, 2, 3, 4, -1],
                )
                | (~Q(recurrence="monthly") & Q(week_of_month__isnull=True)),
                name="meeting_week_of_month_only_monthly",
            ),
            models.CheckConstraint(
                condition=Q(recurrence="fortnightly") | Q(anchor_date__isnull=True),
                name="meeting_anchor_only_fortnightly",
            ),
            models.CheckConstraint(
                condition=Q(recurrence__in=Recurrence.values), name="meeting_recurrence_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_time and self.end_time and self.end_time == self.start_time:
            errors["end_time"] = (
                "The end time must be different from the start time (a meeting may end "
                "after midnight, such as 23:00 to 01:00)."
            )
        if self.online_url and self.online_on_request:
            errors["online_on_request"] = (
                "Give the joining link, or say it is given on request, not both."
            )
        for code in self.languages or []:
            if not isinstance(code, str) or not LANGUAGE_CODE_RE.match(code):
                errors["languages"] = f"“{code}” is not an ISO 639 language code."
        if self.recurrence == Recurrence.MONTHLY and self.week_of_month is None:
            errors["week_of_month"] = "Say which week of the month the group meets."
        if self.recurrence != Recurrence.MONTHLY and self.week_of_month is not None:
            errors["week_of_month"] = "Only monthly meetings have a week of the month."
        if self.anchor_date and self.recurrence != Recurrence.FORTNIGHTLY:
            errors["anchor_date"] = "Only fortnightly meetings have an anchor date."
        if self.anchor_date and self.anchor_date.weekday() != self.weekday:
            errors["anchor_date"] = (
                f"{self.anchor_date:%-d %B %Y} is a {self.anchor_date:%A}, "
                f"not a {Weekday(self.weekday).label}."
            )
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def time_of_day_q(time_of_day: str) -> Q:
        if time_of_day == "morning":
            return Q(start_time__lt=NOON)
        if time_of_day == "afternoon":
            return Q(start_time__gte=NOON, start_time__lt=FIVE_PM)
        return Q(start_time__gte=FIVE_PM)

    @property
    def weekday_code(self) -> str:
        return WEEKDAY_CODES[self.weekday]

    @property
    def can_be_dated(self) -> bool:
        return not (self.recurrence == Recurrence.FORTNIGHTLY and self.anchor_date is None)

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time < self.start_time

    @property
    def effective_format(self) -> str:
        return self.format or self.group.format

    def get_effective_format_display(self) -> str:
        return Format(self.effective_format).label

    @property
    def meets_in_person(self) -> bool:
        return self.effective_format != Format.ONLINE

    @property
    def meets_online(self) -> bool:
        return self.effective_format != Format.IN_PERSON

    @property
    def has_own_venue(self) -> bool:
        return bool(self.address or self.town or self.postcode or self.latitude is not None)

    @property
    def venue(self) -> Venue | None:
        """Where it meets in person: its own venue, else the group's; None online."""
        if not self.meets_in_person:
            return None
        source: Group | Meeting = self if self.has_own_venue else self.group
        values = {name: getattr(source, name) for name in MEETING_VENUE_FIELDS}
        if source is self:
            values["step_free"] = self.step_free or StepFree.UNKNOWN
        return Venue(**values)

    @property
    def joining(self) -> Joining | None:
        """How to join online or by phone: its own details, else the group's."""
        if not self.meets_online and not (self.dial_in or self.group.dial_in):
            return None
        own = self._joining_of(self)
        return own if own else self._joining_of(self.group)

    @property
    def own_joining(self) -> Joining | None:
        """Its own joining details, if it has any."""
        own = self._joining_of(self)
        return own if own else None

    @staticmethod
    def _joining_of(source: Group | Meeting) -> Joining:
        return Joining(
            online_url=source.online_url,
            on_request=source.online_on_request,
            dial_in=source.dial_in,
            notes=source.joining_notes,
        )

    @cached_property
    def own_audience_terms(self) -> tuple[Audience, ...]:
        return tuple(self.audiences.all())

    @property
    def audience_terms(self) -> tuple[Audience, ...]:
        """Who it is for: its own audiences, else the group's."""
        return tuple(self.own_audience_terms or self.group.audience_terms)

    @property
    def language_codes(self) -> list[str]:
        return list(self.languages or self.group.languages or [])

    def occurrences(self, now: dt.datetime) -> Iterator[Occurrence]:
        """Its meetings that have not ended by now (UK time), soonest first; nothing when
        its dates cannot be known (every other week, with no date of one meeting)."""
        now = now.astimezone(LONDON)
        # A meeting that started yesterday may not have ended yet.
        day = self.next_date(now.date() - dt.timedelta(days=1))
        while day is not None:
            start = dt.datetime.combine(day, self.start_time, tzinfo=LONDON)
            end_day = day + dt.timedelta(days=1) if self.crosses_midnight else day
            end = dt.datetime.combine(end_day, self.end_time, tzinfo=LONDON)
            if end > now:
                yield Occurrence(self, start, end)
            day = self.next_date(day + dt.timedelta(days=1))

    def describe(self) -> str:
        day = Weekday(self.weekday).label
        times = f"{format_time(self.start_time)} to {format_time(self.end_time)}"
        if self.recurrence == Recurrence.FORTNIGHTLY:
            return f"Every other {day}, {times}"
        if self.recurrence == Recurrence.MONTHLY and self.week_of_month is not None:
            which = dict(WEEK_OF_MONTH_CHOICES)[self.week_of_month].lower()
            return f"{which.capitalize()} {day} of the month, {times}"
        return f"Every {day}, {times}"

    def next_date(self, today: dt.date) -> dt.date | None:
        """The date of the next meeting on or after today, or None if it cannot be known."""
        if self.recurrence == Recurrence.MONTHLY:
            year, month = today.year, today.month
            for _ in range(3):
                candidate = nth_weekday(year, month, self.weekday, self.week_of_month or 1)
                if candidate >= today:
                    return candidate
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return None
        if self.recurrence == Recurrence.FORTNIGHTLY:
            if self.anchor_date is None:
                return None
            offset = (today - self.anchor_date).days % 14
            return today if offset == 0 else today + dt.timedelta(days=14 - offset)
        return today + dt.timedelta(days=(self.weekday - today.weekday()) % 7)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The nth (1-4, or -1 for last) given weekday of a month."""
    days = [
        dt.date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]
    return days[-1] if n == -1 else days[n - 1]


def format_time(value: dt.time) -> str:
    """UK style: 7pm, 7:30pm, 12pm."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


class PlaceKind(models.TextChoices):
    POSTCODE = "postcode", "Postcode"
    DISTRICT = "district", "Postcode district"
    TOWN = "town", "Town"


class PlaceQuerySet(models.QuerySet["Place"]):
    def lookup(self, text: str) -> Place | None:
        """The place a clinician means by a postcode, postcode district or town name."""
        return geo.lookup_place(self, text)

    def candidates(self, text: str) -> list[Place]:
        """Every place the text may mean: one for a postcode or district, and for a town
        name each town of that name (Newport, Richmond), unless "Name, County" picks one."""
        return geo.place_candidates(self, text)


class Place(models.Model):
    """A point that a typed place name resolves to. Loaded offline by load_places."""

    key = models.CharField(max_length=100, help_text="Normalised: upper case, single spaces.")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=PlaceKind.choices)
    latitude = models.FloatField()
    longitude = models.FloatField()
    county = models.CharField(
        max_length=100,
        blank=True,
        help_text="GeoNames' admin_name2 (or the nation): tells places of one name apart.",
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key", "county"], name="place_kind_key_county_unique"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="place_coordinates_in_range",
            ),
        ]
        indexes = [models.Index(fields=["key"], name="place_key_idx")]

    def __str__(self) -> str:
        return self.name
