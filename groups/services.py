"""Writes that touch several tables. The organiser form, the admin and the CSV import
all save a group through save_group(), so every path enforces the same rules."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from . import taxonomy
from .languages import language_name
from .models import (
    GROUP_HISTORY,
    MEETING_HISTORY,
    MEETING_ORDER,
    SUBMITTED,
    Audience,
    Condition,
    Format,
    Group,
    GroupType,
    Meeting,
    Recurrence,
    Status,
    StepFree,
    meeting_keys,
    search_codes,
    unique_slug,
)


class _Keep(enum.Enum):
    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


# A value left out of GroupValues: the group keeps what it has (a new group, the default).
KEEP = _Keep.KEEP
Keep = Literal[_Keep.KEEP]


@dataclass(frozen=True, kw_only=True)
class GroupValues:
    """The values of a group's own fields that a save sets. A field left out keeps the
    group's value; a field that is not a group's (a typo, an old name) is a TypeError,
    so nothing a caller means to set is silently dropped."""

    name: str | Keep = KEEP
    slug: str | Keep = KEEP
    summary: str | Keep = KEEP
    description: str | Keep = KEEP
    orientation: str | Keep = KEEP
    group_type: GroupType | Keep | None = KEEP
    format: str | Keep = KEEP
    address: str | Keep = KEEP
    town: str | Keep = KEEP
    postcode: str | Keep = KEEP
    latitude: float | Keep | None = KEEP
    longitude: float | Keep | None = KEEP
    online_url: str | Keep = KEEP
    website: str | Keep = KEEP
    email: str | Keep = KEEP
    phone: str | Keep = KEEP
    leadership: str | Keep = KEEP
    sector: str | Keep = KEEP
    referral: str | Keep = KEEP
    cost: str | Keep = KEEP
    step_free: str | Keep = KEEP
    access_notes: str | Keep = KEEP
    languages: list[str] | Keep = KEEP
    online_on_request: bool | Keep = KEEP
    dial_in: str | Keep = KEEP
    joining_notes: str | Keep = KEEP
    what_to_expect: str | Keep = KEEP
    venue_hidden: bool | Keep | None = KEEP
    paused: bool | Keep = KEEP
    paused_until: dt.date | Keep | None = KEEP
    status: str | Keep = KEEP
    archived_reason: str | Keep = KEEP
    last_verified: dt.date | Keep | None = KEEP
    confirmed_by: str | Keep = KEEP
    confirmed_source: str | Keep = KEEP
    external_id: str | Keep | None = KEEP

    def given(self) -> dict[str, Any]:
        """The fields this save sets, by name."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP
        }


def condition_search_terms(conditions: Iterable[Condition]) -> str:
    """What Group.search_terms holds: its condition names, for the search index."""
    return " ".join(sorted(c.name for c in conditions))


def refresh_search_terms(groups: Iterable[Group]) -> None:
    """Rewrites search_terms, e.g. after a condition is renamed."""
    changed = []
    for group in groups:
        terms = condition_search_terms(group.conditions.all())
        if terms != group.search_terms:
            group.search_terms = terms
            changed.append(group)
    Group.objects.bulk_update(changed, ["search_terms"], batch_size=1000)


@dataclass(frozen=True, kw_only=True)
class MeetingSpec:
    """A meeting as a save gives it. Blank values of how it runs are the group's."""

    weekday: int
    start_time: dt.time
    end_time: dt.time
    recurrence: str = Recurrence.WEEKLY
    anchor_date: dt.date | None = None
    week_of_month: int | None = None
    note: str = ""
    format: str = ""
    address: str = ""
    town: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    step_free: str = ""
    online_url: str = ""
    online_on_request: bool = False
    dial_in: str = ""
    joining_notes: str = ""
    audiences: tuple[Audience, ...] = ()
    languages: tuple[str, ...] = ()

    @classmethod
    def of(cls, meeting: Any) -> MeetingSpec:
        """The spec of a Meeting, or of a meeting's historical record."""
        audiences = [getattr(row, "audience", row) for row in meeting.audiences.all()]
        return cls(
            **{name: getattr(meeting, name) for name in _PLAIN_MEETING_FIELDS},
            audiences=tuple(sorted(audiences, key=lambda a: a.pk)),
            languages=tuple(meeting.languages or ()),
        )

    @classmethod
    def of_groups(cls, group_ids: Collection[int]) -> dict[int, list[MeetingSpec]]:
        """Each group's meetings in their order (weekday, start), read as values with their
        audiences' ids in two queries: a model for each meeting and its audiences cost an
        export of 500 groups more than the rest of it (bench/ANALYSIS.md)."""
        rows = list(
            Meeting.objects.filter(group_id__in=list(group_ids))
            .order_by(*MEETING_ORDER)
            .values_list("pk", "group_id", "languages", *_PLAIN_MEETING_FIELDS)
        )
        own = taxonomy.tag_ids(
            Meeting.audiences.through, "meeting", "audience", [r[0] for r in rows]
        )
        audiences = taxonomy.audiences(covering={a for ids in own.values() for a in ids}).by_id
        found: dict[int, list[MeetingSpec]] = {}
        for pk, group_id, languages, *plain in rows:
            spec = cls(
                **dict(zip(_PLAIN_MEETING_FIELDS, plain, strict=True)),
                audiences=tuple(audiences[a] for a in own.get(pk, ())),  # by id, as of()
                languages=tuple(languages or ()),
            )
            found.setdefault(group_id, []).append(spec)
        return found

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> MeetingSpec:
        """From a form's cleaned data: the fields it has (others are ignored), the rest
        blank."""
        given = {f.name: values[f.name] for f in fields(cls) if f.name in values}
        if "audiences" in given:
            given["audiences"] = tuple(sorted(given["audiences"] or (), key=lambda a: a.pk))
        if "languages" in given:
            given["languages"] = tuple(given["languages"] or ())
        return cls(**given)

    def meeting(self) -> Meeting:
        """An unsaved Meeting with these values (its audiences are set once it is saved)."""
        return Meeting(
            **{name: getattr(self, name) for name in _PLAIN_MEETING_FIELDS},
            languages=list(self.languages),
        )

    def to_json(self) -> dict[str, Any]:
        """As JSON (a pending revision stores its meetings so)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in _PLAIN_MEETING_FIELDS}
        data["start_time"] = self.start_time.strftime("%H:%M")
        data["end_time"] = self.end_time.strftime("%H:%M")
        data["anchor_date"] = self.anchor_date.isoformat() if self.anchor_date else None
        data["audiences"] = [a.slug for a in self.audiences]
        data["languages"] = list(self.languages)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeetingSpec:
        """to_json()'s inverse; fields JSON saved before they existed are blank."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["start_time"] = dt.time.fromisoformat(data["start_time"])
        values["end_time"] = dt.time.fromisoformat(data["end_time"])
        anchor = data.get("anchor_date")
        values["anchor_date"] = dt.date.fromisoformat(anchor) if anchor else None
        slugs = data.get("audiences") or []
        values["audiences"] = tuple(Audience.objects.filter(slug__in=slugs).order_by("pk"))
        values["languages"] = tuple(data.get("languages") or ())
        return cls(**values)

    def how_it_runs(self, *, hide_venue: bool = False) -> list[str]:
        """Its own values in words ("Online", "at St Mary's Hall", "for carers and
        family"), where it differs from its group."""
        values = [Format(self.format).label] if self.format else []
        venue = ", ".join(p for p in (self.address, self.town, self.postcode) if p)
        if venue:
            values.append(
                "at a venue given when you contact the group" if hide_venue else f"at {venue}"
            )
        if self.step_free:
            values.append(StepFree(self.step_free).label.lower())
        if self.online_url:
            values.append(f"join at {self.online_url}")
        elif self.online_on_request:
            values.append("contact the group for the link")
        if self.dial_in:
            values.append(f"dial in on {self.dial_in}")
        if self.joining_notes:
            values.append(self.joining_notes)
        if self.audiences:
            values.append("for " + ", ".join(a.name.lower() for a in self.audiences))
        if self.languages:
            values.append("in " + ", ".join(language_name(code) for code in self.languages))
        return values

    @property
    def has_own_venue(self) -> bool:
        return bool(self.address or self.town or self.postcode or self.latitude is not None)

    @property
    def keys(self) -> set[str]:
        """What it is on its own values, for its group's meeting_keys."""
        return meeting_keys(
            weekday=self.weekday,
            start_time=self.start_time,
            format=self.format,
            audience_ids=[a.pk for a in self.audiences],
            own_venue=self.has_own_venue,
            step_free=self.step_free,
        )


_PLAIN_MEETING_FIELDS = tuple(
    f.name for f in fields(MeetingSpec) if f.name not in ("audiences", "languages")
)


def _term_ids(terms: Iterable[Condition] | Iterable[Audience]) -> list[int]:
    """The ids a group's row keeps of its conditions or audiences (condition_ids,
    audience_ids). A term never saved has none: refused, as Django refuses to tag a group
    with it, before anything is written."""
    ids = [term.pk for term in terms]
    if None in ids:
        raise ValueError("A group can only be tagged with a condition or audience that is saved.")
    return sorted(ids)


def _save_with_free_slug(group: Group, created: bool) -> None:
    """unique_slug() checks, then the insert follows: a group of the same name saved at
    that moment can take the slug in between. Take the next free slug rather than fail.
    (Called inside save_group's transaction; each attempt has a savepoint of its own.)"""
    for attempt in range(5):
        try:
            with transaction.atomic():
                group.save()
            return
        except IntegrityError:
            taken = Group.objects.filter(slug=group.slug).exclude(pk=group.pk).exists()
            if not created or not taken or attempt == 4:
                raise
            group.slug = unique_slug(group.name)


@transaction.atomic
def save_group(
    *,
    group: Group | None = None,
    values: GroupValues,
    conditions: Iterable[Condition] | None = None,
    audiences: Iterable[Audience] | None = None,
    meetings: Iterable[MeetingSpec] | None = None,
    actor: User | None = None,
    reason: str = "",
) -> Group:
    """Creates or updates a group with its tags and meetings, all or nothing.

    What is left out stays as it is: a field not given in values, and conditions,
    audiences or meetings left as None (a new group starts with none). Meetings, when
    given, replace the group's meetings (unchanged ones are kept, so their history stays
    readable). Raises ValidationError (keyed by field) and writes nothing if anything is
    invalid. The change is recorded in the group's history as made by actor (else the
    request's user, if any) for reason.
    """
    group = group if group is not None else Group()
    created = group.pk is None
    if conditions is None:
        conditions = list(group.conditions.all()) if not created else []
    conditions = list(conditions)
    specs = list(meetings) if meetings is not None else None
    if audiences is not None:
        audiences = list(audiences)
        group.audience_ids = _term_ids(audiences)
    new_meetings = _prepare(group, values, conditions, specs)
    try:
        wanted = list(zip(specs, new_meetings, strict=True)) if specs is not None else None
        _write(group, created, conditions, audiences, wanted, actor=actor, reason=reason)
    except IntegrityError as exc:
        # Leaving save_group's atomic block with this error rolls back all it wrote.
        raise ValidationError(constraint_problem(exc)) from None
    if actor is not None:
        group._history_user = actor
    group._change_reason = reason
    GROUP_HISTORY.create_historical_record(group, "+" if created else "~")
    return group


def _prepare(
    group: Group,
    values: GroupValues,
    conditions: list[Condition],
    specs: list[MeetingSpec] | None,
    *,
    slug_for: Callable[[str], str] = unique_slug,
    in_batch: bool = False,
) -> list[Meeting]:
    """Sets values on the group and checks it by our rules, as every save does; returns
    its meetings, unsaved. Raises ValidationError, keyed by field, if anything is wrong."""
    for name, value in values.given().items():
        setattr(group, name, value)
    if group.status != Status.ARCHIVED:
        group.archived_reason = ""
    if not group.slug:
        group.slug = slug_for(group.name)
    if specs is not None:
        group.has_meetings = bool(specs)
        group.has_meeting_venues = any(spec.has_own_venue for spec in specs)
        group.meeting_keys = sorted(set().union(*(spec.keys for spec in specs)))
    errors = _group_errors(group, conditions, in_batch=in_batch)
    new_meetings = [spec.meeting() for spec in specs or []]
    for index, meeting in enumerate(new_meetings):
        meeting.group = group
        for field, messages in _meeting_errors(group, meeting).items():
            errors.setdefault(f"meetings[{index}].{field}", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    group.search_terms = condition_search_terms(conditions)
    group.condition_ids = _term_ids(conditions)
    group.search_codes = search_codes(
        group.meeting_keys,
        format=group.format,
        audience_ids=group.audience_ids,
        step_free=group.step_free,
    )
    return new_meetings


@dataclass(frozen=True, kw_only=True)
class NewGroup:
    """A group for create_groups(): its values, tags and meetings."""

    values: GroupValues
    conditions: Sequence[Condition] = ()
    audiences: Sequence[Audience] = ()
    meetings: Sequence[MeetingSpec] = ()


@transaction.atomic
def create_groups(
    new: Sequence[NewGroup], *, actor: User | None = None, reason: str = ""
) -> list[Group | ValidationError]:
    """Creates many groups at once (a meeting list's first import) by save_group()'s rules
    and with the same history, in about ten statements a batch rather than eighteen a
    group. Each group is checked as save_group() checks it: one that fails is not written
    and its ValidationError stands in its place. If the database refuses the batch (say,
    a slug another save took meanwhile), raises ValidationError having written nothing:
    save them one at a time with save_group() then."""
    slug_for = _FreeSlugs([item.values.name for item in new])
    results: list[Group | ValidationError] = []
    rows: list[tuple[Group, NewGroup, list[Meeting]]] = []
    for item in new:
        group = Group(audience_ids=_term_ids(item.audiences))
        try:
            meetings = _prepare(
                group,
                item.values,
                list(item.conditions),
                list(item.meetings),
                slug_for=slug_for,
                in_batch=True,
            )
        except ValidationError as exc:
            results.append(exc)
            continue
        if group.external_id == "":  # as Group.save() does
            group.external_id = None
        rows.append((group, item, meetings))
        results.append(group)
    try:
        _insert(rows, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(constraint_problem(exc)) from None
    return results


class _FreeSlugs:
    """unique_slug() for a batch: the slugs its names would take are read in one query,
    and two groups of one name in the batch get different slugs."""

    def __init__(self, names: Iterable[Any]) -> None:
        bases = {slugify(name)[:200] or "group" for name in names if isinstance(name, str)}
        self.taken = set(Group.objects.filter(slug__in=bases).values_list("slug", flat=True))

    def __call__(self, name: str) -> str:
        base = slugify(name)[:200] or "group"
        slug, n = base, 2
        # A slug beyond its base is asked of the database, as unique_slug() asks (rare).
        while slug in self.taken or (slug != base and Group.objects.filter(slug=slug).exists()):
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        return slug


def _insert(
    rows: list[tuple[Group, NewGroup, list[Meeting]]], *, actor: User | None, reason: str
) -> None:
    """Inserts checked new groups with their tags, meetings and history records."""
    groups = Group.objects.bulk_create([group for group, _, _ in rows])
    conditions = Group.conditions.through.objects.bulk_create(
        Group.conditions.through(group=g, condition=c)
        for g, item, _ in rows
        for c in item.conditions
    )
    audiences = Group.audiences.through.objects.bulk_create(
        Group.audiences.through(group=g, audience=a) for g, item, _ in rows for a in item.audiences
    )
    meetings = [m for _, _, group_meetings in rows for m in group_meetings]
    Meeting.objects.bulk_create(meetings)  # each knows its group, saved above
    specs = [spec for _, item, _ in rows for spec in item.meetings]
    meeting_audiences = Meeting.audiences.through.objects.bulk_create(
        Meeting.audiences.through(meeting=m, audience=a)
        for m, spec in zip(meetings, specs, strict=True)
        for a in spec.audiences
    )
    _history(GROUP_HISTORY, Group, groups, conditions=conditions, audiences=audiences,
             actor=actor, reason=reason)  # fmt: skip
    _history(MEETING_HISTORY, Meeting, meetings, audiences=meeting_audiences,
             actor=actor, reason=reason)  # fmt: skip


def _history(
    records: HistoricalRecords,
    model: type[Group] | type[Meeting],
    objs: Sequence[Group] | Sequence[Meeting],
    *,
    actor: User | None,
    reason: str,
    **tags: list[Any],
) -> None:
    """The "+" history records of rows inserted in bulk, with their tags' rows, as
    save_group() records one group (simple-history's bulk helper leaves the tags out)."""
    history = model.history.bulk_history_create(
        objs, default_user=actor, default_change_reason=reason
    )
    by_row = {record.id: record for record in history}
    for name, through_rows in tags.items():
        field = model._meta.get_field(name)
        tag_model = records.m2m_models[field]
        owner = field.m2m_field_name()  # type: ignore[union-attr]
        names = [f.name for f in field.remote_field.through._meta.fields]  # type: ignore[union-attr]
        tag_model.objects.bulk_create(
            tag_model(
                history=by_row[getattr(row, f"{owner}_id")], **{n: getattr(row, n) for n in names}
            )
            for row in through_rows
        )


def _write(
    group: Group,
    created: bool,
    conditions: list[Condition],
    audiences: Iterable[Audience] | None,
    meetings: list[tuple[MeetingSpec, Meeting]] | None,
    *,
    actor: User | None,
    reason: str,
) -> None:
    # One history record for the whole save, taken once the tags are in place.
    group.skip_history_when_saving = True
    try:
        _save_with_free_slug(group, created)
        group.conditions.set(conditions)
        if audiences is not None:
            group.audiences.set(list(audiences))
        group.forget_terms()
    finally:
        del group.skip_history_when_saving
    if meetings is not None:
        _replace_meetings(group, meetings, actor=actor, reason=reason, created=created)


CONSTRAINT_NAME_RE = re.compile(r'constraint (?:failed: )?"?([a-z_]+)"?', re.IGNORECASE)


def constraint_problem(exc: IntegrityError) -> str:
    """The database's refusal in the words Django's own constraint check would use."""
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if not name and (match := CONSTRAINT_NAME_RE.search(str(exc))):
        name = match.group(1)
    return f"Constraint “{name}” is violated." if name else f"The database refused it: {exc}"


def _group_errors(
    group: Group, conditions: list[Condition], *, in_batch: bool = False
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        # The database checks its constraints as it writes (see _write); asking it first,
        # one query per constraint per row, cost three quarters of a save. A batch
        # (create_groups) also leaves unique values and the group type's row to it: one
        # query each a group, and a refusal sends the batch back one group at a time.
        group.full_clean(
            exclude=["group_type"] if in_batch else None,
            validate_unique=not in_batch,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    # A draft needs only its name; the rest holds once it is submitted.
    if not conditions and group.status in SUBMITTED:
        errors.setdefault("conditions", []).append("Choose at least one condition.")
    return errors


def _meeting_errors(group: Group, meeting: Meeting) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        meeting.full_clean(exclude=["group"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if group.status not in SUBMITTED:
        return errors
    # Places, like the group's own (Group.place_errors), once it is published: a feed's
    # pending listing may wait for a moderator to place it.
    placed = group.status == Status.PUBLISHED
    if placed and meeting.meets_in_person and meeting.has_own_venue and meeting.latitude is None:
        errors.setdefault("postcode", []).append(
            "We cannot find where this meeting is. Give its venue's full postcode, or the town."
        )
    if placed and meeting.meets_in_person and not meeting.has_own_venue and group.latitude is None:
        errors.setdefault("address", []).append(
            "This meeting is in person: give its venue, or where the group meets."
        )
    if meeting.meets_online and not meeting.joining:
        errors.setdefault("online_url", []).append(
            "This meeting is online: give its joining link (or the group's), or say it is "
            "given on request."
        )
    return errors


def _replace_meetings(
    group: Group,
    wanted: list[tuple[MeetingSpec, Meeting]],
    *,
    actor: User | None,
    reason: str,
    created: bool = False,
) -> None:
    """Deletes the group's meetings that are not wanted and adds the new ones; a meeting
    that is wanted unchanged stays as it is, so its history stays readable."""
    unmatched = (
        list(group.meetings.prefetch_related("audiences")) if group.pk and not created else []
    )
    plain: list[Meeting] = []
    for spec, meeting in wanted:
        same = next((m for m in unmatched if MeetingSpec.of(m) == spec), None)
        if same is not None:
            unmatched.remove(same)
        elif spec.audiences:
            _add_meeting(meeting, spec.audiences, actor, reason)
        else:
            plain.append(meeting)
    for meeting in unmatched:
        if actor is not None:
            meeting._history_user = actor
        meeting._change_reason = reason
        meeting.delete()
    if plain:
        # Most meetings have no audiences of their own: one insert for them all.
        bulk_create_with_history(plain, Meeting, default_user=actor, default_change_reason=reason)


def _add_meeting(
    meeting: Meeting, audiences: Iterable[Audience], actor: User | None, reason: str
) -> None:
    """Saves a meeting with its audiences, recorded once in its history."""
    meeting.skip_history_when_saving = True
    try:
        meeting.save()
        meeting.audiences.set(list(audiences))
    finally:
        del meeting.skip_history_when_saving
    if actor is not None:
        meeting._history_user = actor
    meeting._change_reason = reason
    MEETING_HISTORY.create_historical_record(meeting, "+")
