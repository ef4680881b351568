"""The directory as Open Referral HSDS 3.0 documents.

Each published group is an organization providing one service, at a physical location
(when it meets in person), a location of its own for each meeting held in person at a
venue of its own (with that meeting's schedule), and a virtual one (when it meets
online), on schedules built from its meetings. Its conditions, orientation, group type
and audiences are attributes pointing at terms of our own taxonomies. Every id is a UUID
derived (uuid5) from a fixed namespace and the group's primary key (and a meeting's) or
the term's slug, so ids are the same on every request and in every export, with nothing
stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Func, UUIDField

from groups.languages import language_name
from groups.models import (
    MEETING_VENUE_FIELDS,
    ORIENTATION_EXPLAINED,
    Audience,
    Condition,
    Group,
    GroupQuerySet,
    GroupType,
    Meeting,
    Orientation,
    Recurrence,
    Status,
    Venue,
)
from groups.services import MeetingSpec
from referrals.calendar import ICAL_DAYS, first_date
from referrals.sheets import how_to_join, who_for

HSDS_VERSION = "3.0"
HIDDEN_VENUE = "Address given when you contact the group"
# Fixed for ever: changing it changes every id we have ever published.
NAMESPACE = uuid.UUID("3b0f6f1e-8a55-4c52-9e0c-7d3c2f6a1b84")
UK_TIME_NOTE = "Times are UK local time (Europe/London): GMT in winter, BST (UTC+1) in summer."

# The kind of location a meeting's own venue is: "meeting-" and the meeting's key.
MEETING_KIND = "meeting-"

Absolute = Callable[[str], str]


def hsds_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def organization_id(group: Group) -> str:
    return hsds_id("organization", group.pk)


def service_id(group: Group) -> str:
    return hsds_id("service", group.pk)


# --- Taxonomies ---------------------------------------------------------------------


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    link_type: str

    @property
    def id(self) -> str:
        return hsds_id("taxonomy", self.key)


@dataclass(frozen=True)
class Term:
    taxonomy: Taxonomy
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return hsds_id("taxonomy_term", self.taxonomy.key, self.code)


CONDITIONS = Taxonomy(
    "conditions",
    "Mutual aid directory: conditions",
    "The conditions, problems or life events a mutual aid group is for.",
    "condition",
)
ORIENTATION = Taxonomy(
    "orientation",
    "Mutual aid directory: orientation",
    "Whether a group works on its members' personal change (inward), on social change "
    "(outward), or both (hybrid).",
    "orientation",
)
GROUP_TYPES = Taxonomy(
    "group_types",
    "Mutual aid directory: group types",
    "What kind of mutual aid group it is: twelve-step, peer support, activity-based and so on.",
    "group_type",
)
AUDIENCES = Taxonomy(
    "audiences",
    "Mutual aid directory: audiences",
    "Particular groups of people a mutual aid group is for, beyond its conditions.",
    "audience",
)
TAXONOMIES = [CONDITIONS, ORIENTATION, GROUP_TYPES, AUDIENCES]


def _term(taxonomy: Taxonomy, obj: Condition | GroupType | Audience) -> Term:
    return Term(taxonomy, obj.slug, obj.name, obj.description or obj.name)


def orientation_term(value: str) -> Term:
    return Term(ORIENTATION, value, Orientation(value).label, ORIENTATION_EXPLAINED[value])


def all_terms() -> list[Term]:
    return [
        *(_term(CONDITIONS, c) for c in Condition.objects.all()),
        *(orientation_term(value) for value in Orientation.values),
        *(_term(GROUP_TYPES, g) for g in GroupType.objects.all()),
        *(_term(AUDIENCES, a) for a in Audience.objects.all()),
    ]


def group_terms(group: Group) -> list[Term]:
    return [
        *(_term(CONDITIONS, c) for c in group.condition_terms),
        orientation_term(group.orientation),
        _term(GROUP_TYPES, group.listed_type()),
        *(_term(AUDIENCES, a) for a in group.audience_terms),
    ]


def taxonomy_json(taxonomy: Taxonomy, absolute: Absolute) -> dict[str, Any]:
    return {
        "id": taxonomy.id,
        "name": taxonomy.name,
        "description": taxonomy.description,
        "uri": absolute(f"/api/hsds/taxonomies/{taxonomy.id}"),
        "version": "1",
    }


def term_json(term: Term, absolute: Absolute, *, nested: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": term.id,
        "code": term.code,
        "name": term.name,
        "description": term.description,
        "taxonomy": term.taxonomy.name,
        "taxonomy_id": term.taxonomy.id,
        "language": "en",
        "term_uri": absolute(f"/api/hsds/taxonomy_terms/{term.id}"),
    }
    if nested:
        data["taxonomy_detail"] = taxonomy_json(term.taxonomy, absolute)
    return data


# --- Services -----------------------------------------------------------------------


def published_groups() -> GroupQuerySet:
    return Group.objects.published().with_cards().order_by("pk")


# Each kind of id as PostgreSQL computes it (uuid-ossp) from the group's primary key,
# exactly as indexed by exchange/migrations/0001_hsds_id_indexes.py.
ID_SQL = {
    "organization": "'organization:' || %(expressions)s::text",
    "service": "'service:' || %(expressions)s::text",
    "physical": "'service_at_location:' || %(expressions)s::text || ':physical'",
    "virtual": "'service_at_location:' || %(expressions)s::text || ':virtual'",
}


class DatabaseHsdsId(Func):
    """A group's HSDS id of one kind, computed by PostgreSQL (the primary key is compiled
    through the query, so no table name is written here)."""

    output_field = UUIDField()

    def __init__(self, kind: str) -> None:
        template = f"uuid_generate_v5('{NAMESPACE}'::uuid, {ID_SQL[kind]})"
        super().__init__(F("pk"), template=template)


def group_for(kind: str, value: str) -> Group | None:
    """The published group whose service (or organization) has this id."""
    wanted = _uuid(value)
    return _with_id(kind, wanted, lambda pk: hsds_id(kind, pk)) if wanted else None


def service_at_location_for(value: str) -> tuple[Group, str] | None:
    """The published group and the kind of location a service_at_location id names."""
    wanted = _uuid(value)
    for kind in ("physical", "virtual") if wanted else ():
        group = _with_id(kind, wanted, _service_at_location_ids(kind))
        if group is not None:
            return (group, kind) if kind in location_kinds(group) else None
    return _meeting_location_for(wanted) if wanted else None


class DatabaseMeetingLocationId(Func):
    """A meeting's own location's service_at_location id, computed by PostgreSQL exactly
    as exchange/migrations/0002_meeting_location_id_index.py indexes it (the group's and
    the meeting's keys are compiled through the query: no table name is written here)."""

    output_field = UUIDField()
    template = (
        f"uuid_generate_v5('{NAMESPACE}'::uuid, 'service_at_location:' || %(expressions)s::text)"
    )
    arg_joiner = f"::text || ':{MEETING_KIND}' || "

    def __init__(self) -> None:
        super().__init__(F("group_id"), F("pk"))


def _meeting_location_for(wanted: str) -> tuple[Group, str] | None:
    """The published group and meeting location a service_at_location id names: on
    PostgreSQL one index lookup; elsewhere a scan of the meetings that have a point."""
    meetings = Meeting.objects.filter(latitude__isnull=False, group__status=Status.PUBLISHED)
    if connection.vendor == "postgresql":
        # The meetings alone first (no join), so the partial index on them is read.
        ids = Meeting.objects.filter(latitude__isnull=False).alias(
            hsds_id=DatabaseMeetingLocationId()
        )
        found = list(ids.filter(hsds_id=uuid.UUID(wanted)).order_by().values_list("pk")[:1])
        meetings = meetings.filter(pk__in=[pk for (pk,) in found])
    for pk, group_pk in meetings.values_list("pk", "group_id").iterator():
        kind = f"{MEETING_KIND}{pk}"
        if hsds_id("service_at_location", group_pk, kind) == wanted:
            group = published_groups().get(pk=group_pk)
            return (group, kind) if kind in location_kinds(group) else None
    return None


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


def _service_at_location_ids(kind: str) -> Callable[[int], str]:
    return lambda pk: hsds_id("service_at_location", pk, kind)


def _with_id(kind: str, wanted: str, id_of: Callable[[int], str]) -> Group | None:
    """On PostgreSQL one index lookup; elsewhere (SQLite, the local default) a scan of the
    published groups' ids, which no database there can index."""
    if connection.vendor == "postgresql":
        # The id alone first: with the card's joins (a draft's type may be empty, so a
        # LEFT JOIN) the planner may walk another index of a small table instead.
        ids = Group.objects.published().alias(hsds_id=DatabaseHsdsId(kind))
        found = list(ids.filter(hsds_id=uuid.UUID(wanted)).order_by().values("pk")[:1])
        return published_groups().get(pk=found[0]["pk"]) if found else None
    for pk in Group.objects.published().values_list("pk", flat=True).iterator():
        if id_of(pk) == wanted:
            return published_groups().get(pk=pk)
    return None


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def organization_json(group: Group, absolute: Absolute) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": organization_id(group),
        "name": group.name,
        "description": group.summary or f"A mutual aid group: {group.listed_type().name.lower()}.",
        "uri": absolute(group.get_absolute_url()),
    }
    if group.email:
        data["email"] = group.email
    if group.website:
        data["website"] = group.website
    return data


def schedule_json(group: Group, meeting: Meeting, index: int) -> dict[str, Any]:
    day = ICAL_DAYS[meeting.weekday]
    data: dict[str, Any] = {
        "id": hsds_id("schedule", group.pk, index),
        "service_id": service_id(group),
        "freq": "MONTHLY" if meeting.recurrence == Recurrence.MONTHLY else "WEEKLY",
        "interval": 2 if meeting.recurrence == Recurrence.FORTNIGHTLY else 1,
        "byday": f"{meeting.week_of_month}{day}" if meeting.week_of_month else day,
        "wkst": "MO",
        "opens_at": meeting.start_time.strftime("%H:%M"),
        "closes_at": meeting.end_time.strftime("%H:%M"),
        "attending_type": meeting.effective_format,
    }
    if has_location_of_its_own(meeting):
        # Held at a venue of its own: the schedule of that service_at_location.
        kind = meeting_kind(meeting)
        data["service_at_location_id"] = service_at_location_id(group, kind)
        data["location_id"] = hsds_id("location", group.pk, kind)
    if group.paused and group.paused_until:
        # Its meetings start again on the day the group comes back.
        data["valid_from"] = group.paused_until.isoformat()
    start = first_date(meeting, group)
    description = f"{meeting.describe()}. {UK_TIME_NOTE}"
    if start is not None:
        data["dtstart"] = start.isoformat()
    else:
        description += " We do not know which weeks: ask the group."
    data["description"] = description
    notes = [meeting.note, *MeetingSpec.of(meeting).how_it_runs(hide_venue=group.hides_venue)]
    if any(notes):
        data["notes"] = "; ".join(n for n in notes if n)
    return data


def location_kinds(group: Group, *, physical_only: bool = False) -> list[str]:
    """Where a group's service is: "physical" when it meets in person at a known place;
    "meeting-PK" for each meeting held in person at a known venue of its own; "virtual"
    when it has a joining link or gives it on request (unless only physical ones are
    wanted). exchange.hsds_query counts the same in SQL, to page them."""
    kinds = []
    if group.meets_in_person and group.latitude is not None:
        kinds.append("physical")
    kinds += [meeting_kind(m) for m in group.sorted_meetings() if has_location_of_its_own(m)]
    if group.online_joining_given and not physical_only:
        kinds.append("virtual")
    return kinds


def meeting_kind(meeting: Meeting) -> str:
    return f"{MEETING_KIND}{meeting.pk}"


def has_location_of_its_own(meeting: Meeting) -> bool:
    """Held in person at a venue of its own whose point is known (a point is only ever
    stored with a venue of its own): hsds_query.MEETING_PLACE in SQL."""
    return meeting.latitude is not None and meeting.meets_in_person


def meeting_at(group: Group, kind: str) -> Meeting | None:
    """The meeting a "meeting-PK" kind of location names, if it is one of the group's."""
    if not kind.startswith(MEETING_KIND):
        return None
    pk = kind.removeprefix(MEETING_KIND)
    return next((m for m in group.sorted_meetings() if str(m.pk) == pk), None)


def _place_of(group: Group, kind: str) -> tuple[Venue, str]:
    """The venue a physical location is at (the group's, or a meeting's own), and its
    access notes."""
    meeting = meeting_at(group, kind)
    if meeting is not None and meeting.venue is not None:
        return meeting.venue, ""
    venue = Venue(**{name: getattr(group, name) for name in MEETING_VENUE_FIELDS})
    return venue, group.access_notes


def _ids(group: Group, kind: str, name: str) -> str:
    # The group's own venue keeps the ids it had before meetings had venues of their own.
    return hsds_id(name, group.pk) if kind == "physical" else hsds_id(name, group.pk, kind)


def location_json(group: Group, kind: str, *, nested: bool = True) -> dict[str, Any]:
    """A group's physical or virtual location, or a meeting's own venue; nested=False
    leaves out its lists (the list endpoints carry one-to-one fields only). A hidden
    venue has no address, postcode or point ("address given when you contact the
    group")."""
    lid = hsds_id("location", group.pk, kind)
    if kind == "virtual":
        virtual = {"id": lid, "location_type": "virtual", "name": "Online"}
        if group.online_url:
            virtual["url"] = group.online_url
        else:
            virtual["description"] = "Contact the group for the link."
        return virtual
    venue, access_notes = _place_of(group, kind)
    location: dict[str, Any] = {"id": lid, "location_type": "physical"}
    if group.hides_venue:
        location.update(name=HIDDEN_VENUE, description=HIDDEN_VENUE)
    else:
        location.update(
            name=venue.address or venue.town or group.name,
            latitude=venue.latitude,
            longitude=venue.longitude,
        )
    if not nested:
        return location
    location["accessibility"] = [
        {
            "id": _ids(group, kind, "accessibility"),
            "location_id": lid,
            "description": venue.step_free_label,
            **({"details": access_notes} if access_notes else {}),
        }
    ]
    if not group.hides_venue and (venue.address or venue.town or venue.postcode):
        location["addresses"] = [
            {
                "id": _ids(group, kind, "address"),
                "location_id": lid,
                "address_1": venue.address,
                "city": venue.town,
                "state_province": "",
                "postal_code": venue.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ]
    return location


def service_at_location_id(group: Group, kind: str) -> str:
    return hsds_id("service_at_location", group.pk, kind)


def service_at_location_json(
    group: Group, kind: str, absolute: Absolute, *, nested: bool = True
) -> dict[str, Any]:
    location = location_json(group, kind, nested=nested)
    data: dict[str, Any] = {
        "id": service_at_location_id(group, kind),
        "service_id": service_id(group),
        "location_id": location["id"],
        "description": "Meets in person." if kind == "physical" else "Meets online.",
        "location": location,
    }
    meeting = meeting_at(group, kind)
    if meeting is not None:
        data["description"] = f"Its meeting here: {meeting.describe()}."
        if nested:
            index = group.sorted_meetings().index(meeting)
            data["schedules"] = [schedule_json(group, meeting, index)]
    return data


def service_at_location_item(group: Group, kind: str, absolute: Absolute) -> dict[str, Any]:
    """An item of /service_at_locations: one-to-one fields, with its service's."""
    data = service_at_location_json(group, kind, absolute, nested=False)
    data["service"] = service_summary_json(group, absolute)
    return data


def service_at_location_full(group: Group, kind: str, absolute: Absolute) -> dict[str, Any]:
    """GET /service_at_locations/{id}: the location in full, and its service."""
    data = service_at_location_json(group, kind, absolute)
    service = service_summary_json(group, absolute)
    service["organization"] = organization_json(group, absolute)
    data["service"] = service
    return data


def _locations(group: Group, absolute: Absolute) -> list[dict[str, Any]]:
    return [service_at_location_json(group, kind, absolute) for kind in location_kinds(group)]


def service_summary_json(group: Group, absolute: Absolute) -> dict[str, Any]:
    """The one-to-one fields of a service (the list's items)."""
    description = "\n\n".join(part for part in (group.summary, group.description) if part)
    data: dict[str, Any] = {
        "id": service_id(group),
        "organization_id": organization_id(group),
        "name": group.name,
        "description": description or group.name,
        "url": absolute(group.get_absolute_url()),
        "status": "temporarily closed" if group.is_paused() else "active",
        "application_process": how_to_join(group),
        "eligibility_description": who_for(group),
        "last_modified": _timestamp(group.updated_at),
    }
    if group.email:
        data["email"] = group.email
    if group.cost:
        data["fees_description"] = group.cost
    if group.last_verified:
        data["assured_date"] = group.last_verified.isoformat()
    if group.is_stale():
        data["alert"] = "The group has not confirmed these details for over 12 months."
    return data


def service_json(group: Group, absolute: Absolute) -> dict[str, Any]:
    """A fully nested service, as GET /services/{id} returns it."""
    sid = service_id(group)
    data = service_summary_json(group, absolute)
    data["organization"] = organization_json(group, absolute)
    if group.phone:
        data["phones"] = [
            {
                "id": hsds_id("phone", group.pk),
                "service_id": sid,
                "number": group.phone,
                "type": "voice",
            }
        ]
    data["schedules"] = [
        schedule_json(group, meeting, index)
        for index, meeting in enumerate(group.sorted_meetings())
    ]
    data["service_at_locations"] = _locations(group, absolute)
    data["languages"] = [
        {
            "id": hsds_id("language", group.pk, code),
            "service_id": sid,
            "name": language_name(code),
            "code": code,
        }
        for code in group.languages or []
    ]
    data["attributes"] = [
        {
            "id": hsds_id("attribute", group.pk, term.taxonomy.key, term.code),
            "link_id": sid,
            "link_type": term.taxonomy.link_type,
            "link_entity": "service",
            "taxonomy_term_id": term.id,
            "taxonomy_term": term_json(term, absolute),
        }
        for term in group_terms(group)
    ]
    return data


def organization_full_json(group: Group, absolute: Absolute) -> dict[str, Any]:
    data = organization_json(group, absolute)
    data["services"] = [service_summary_json(group, absolute)]
    return data


def services_json(groups: Iterable[Group], absolute: Absolute) -> list[dict[str, Any]]:
    return [service_json(group, absolute) for group in groups]
