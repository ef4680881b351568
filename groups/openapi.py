"""The OpenAPI 3 description of the JSON API, served at /api/schema/."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from evidence.models import Certainty, Direction, Kind, Studied

from .models import WEEKDAY_CODES, Format, Orientation, Recurrence, Referral, StepFree


def _param(name: str, schema: dict, description: str, *, repeat: bool = False) -> dict:
    if repeat:
        schema = {"type": "array", "items": schema}
    # The search form sends every field, blank ones included; blank means "any".
    param = {"name": name, "in": "query", "required": False, "allowEmptyValue": True}
    param |= {"schema": schema, "description": description}
    if repeat:
        param |= {"style": "form", "explode": True}
    return param


# What each parameter means to an API user; its type and valid values come from the
# search's FilterSet, the one definition the page's form and the API share.
DESCRIPTIONS = {
    "q": (
        "Keywords: each must match the name, summary, conditions or description (English"
        ' stemming; -word leaves out, "two words" together). Without a place: groups'
        " named for them first, then the rest, then typo matches (only when fewer than a"
        " page match), each by name; paused groups last."
    ),
    "near": "UK postcode, postcode district or town. Not with lat/lng.",
    "lat": "Latitude; needs lng.",
    "lng": "Longitude; needs lat.",
    "radius_km": "Radius in km (default 16).",
    "condition": "Condition code; any matches.",
    "orientation": "inward and outward include hybrid groups.",
    "group_type": "Group type code.",
    "format": "in_person and online include hybrid groups.",
    "day": "Meeting day.",
    "time_of_day": "Meeting start: morning < 12:00, afternoon < 17:00, evening.",
    "audience": "Audience code; any matches.",
    "language": "ISO 639 language code: groups that meet in this language.",
    "step_free": "Only groups with step-free access.",
    "referral": "Accepts this referral route.",
    "include_online": (
        "With a location, also list online-only groups after local ones "
        "(format=online does so too)."
    ),
}

# A search counts its matches only up to a cap (settings.SEARCH_COUNT_CAP, or the end of
# the page asked for): an exact total reads every match, whatever the page shows.
COUNT_DESCRIPTION = (
    "How many groups match: exact when count_is_lower_bound is false; else there are more "
    "than this many (a search counts up to {cap}, or to the end of the page asked for)."
)
LOWER_BOUND_DESCRIPTION = (
    "true when more groups match than count says; next still leads to the next page "
    "while there is one."
)


def query_parameters(*, with_codes: bool = True) -> list[dict[str, Any]]:
    """The list's query parameters, from SearchFilter: the same names, types and valid
    values (condition, group type and audience codes included) as the page's form."""
    from .filters import SearchFilter, filter_schema

    parameters = []
    for name, declared in SearchFilter.base_filters.items():
        schema, repeat = filter_schema(declared, with_codes=with_codes)
        parameters.append(_param(name, schema, DESCRIPTIONS.get(name, ""), repeat=repeat))
    parameters.append(_param("page", {"type": "integer", "minimum": 1}, "Page, 20 results each."))
    return parameters


def openapi_document(*, with_codes: bool = True) -> dict[str, Any]:
    """The document; with_codes=False leaves out the taxonomy codes (read from the
    database), for a caller that has none yet."""
    nullable_str = {"type": "string", "nullable": True}
    meeting = {
        "type": "object",
        "required": [
            "weekday",
            "start",
            "end",
            "recurrence",
            "week_of_month",
            "ends_next_day",
            "format",
            "venue",
            "joining",
            "audiences",
            "languages",
        ],
        "properties": {
            "weekday": {"type": "string", "enum": WEEKDAY_CODES},
            "start": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "end": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "recurrence": {"type": "string", "enum": Recurrence.values},
            "week_of_month": {"type": "integer", "enum": [1, 2, 3, 4, -1], "nullable": True},
            "ends_next_day": {"type": "boolean", "description": "It crosses midnight."},
            "anchor_date": {"type": "string", "format": "date", "nullable": True},
            "note": {"type": "string"},
            "format": {"type": "string", "enum": Format.values},
            "venue": {
                "type": "object",
                "nullable": True,
                "description": "Where it meets in person (its own venue, else the group's); "
                "null online. A hidden venue gives only hidden, town and step_free.",
                "properties": {
                    "hidden": {"type": "boolean"},
                    "address": {"type": "string"},
                    "town": {"type": "string"},
                    "postcode": {"type": "string"},
                    "latitude": {"type": "number", "nullable": True},
                    "longitude": {"type": "number", "nullable": True},
                    "step_free": {"type": "string", "enum": StepFree.values},
                },
            },
            "joining": {
                "type": "object",
                "nullable": True,
                "description": "How to join online or by phone (its own, else the group's).",
                "properties": {
                    "online_url": {"type": "string"},
                    "on_request": {"type": "boolean"},
                    "dial_in": {"type": "string"},
                    "notes": {"type": "string"},
                },
            },
            "audiences": {"type": "array", "items": {"type": "string"}},
            "languages": {"type": "array", "items": {"type": "string"}},
        },
    }
    group: dict[str, Any] = {
        "type": "object",
        "required": [
            "id",
            "slug",
            "name",
            "summary",
            "orientation",
            "group_type",
            "conditions",
            "audiences",
            "format",
            "address",
            "town",
            "postcode",
            "latitude",
            "longitude",
            "distance_km",
            "meetings",
            "email",
            "phone",
            "website",
            "cost",
            "referral",
            "step_free",
            "languages",
            "last_verified",
            "may_be_out_of_date",
            "url",
            "venue_hidden",
            "online_url",
            "online_on_request",
            "dial_in",
            "joining_notes",
            "what_to_expect",
            "paused",
            "paused_until",
            "next_meeting",
        ],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "summary": {"type": "string"},
            "orientation": {"type": "string", "enum": Orientation.values},
            "group_type": {"type": "string"},
            "conditions": {"type": "array", "items": {"type": "string"}},
            "audiences": {"type": "array", "items": {"type": "string"}},
            "format": {"type": "string", "enum": Format.values},
            "address": {"type": "string"},
            "town": {"type": "string"},
            "postcode": {"type": "string", "nullable": True},
            "latitude": {"type": "number", "nullable": True},
            "longitude": {"type": "number", "nullable": True},
            "distance_km": {"type": "number", "nullable": True},
            "meetings": {"type": "array", "items": meeting},
            "email": {"type": "string"},
            "phone": {"type": "string"},
            "website": {"type": "string"},
            "cost": {"type": "string"},
            "referral": {"type": "string", "enum": Referral.values},
            "step_free": {
                "type": "boolean",
                "nullable": True,
                "description": "Step-free access: null when the group has not said.",
            },
            "languages": {"type": "array", "items": {"type": "string"}},
            "last_verified": {"type": "string", "format": "date", "nullable": True},
            "may_be_out_of_date": {
                "type": "boolean",
                "description": "Not confirmed by the group for 12 months or more.",
            },
            "url": {"type": "string", "format": "uri"},
            "venue_hidden": {
                "type": "boolean",
                "description": "The venue is given when people contact the group: address, "
                "postcode and point are left out, and distance_km is to the nearest km.",
            },
            "online_url": {"type": "string"},
            "online_on_request": {
                "type": "boolean",
                "description": "The joining link is given on request.",
            },
            "dial_in": {"type": "string"},
            "joining_notes": {"type": "string"},
            "what_to_expect": {"type": "string"},
            "paused": {"type": "boolean", "description": "Not meeting for a while."},
            "paused_until": {"type": "string", "format": "date", "nullable": True},
            "next_meeting": {
                "type": "object",
                "nullable": True,
                "description": "The next meeting that has not ended (UK time).",
                "properties": {
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time"},
                },
            },
        },
    }
    errors = {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }
        },
    }
    evidence_item = {
        "type": "object",
        "required": [
            "id", "citation", "year", "kind", "studied", "design", "sample_size", "country",
            "outcome_direction", "counts", "finding", "url", "source_url",
        ],
        "properties": {
            "id": {"type": "integer"},
            "citation": {"type": "string"},
            "year": {"type": "integer", "nullable": True},
            "kind": {
                "type": "string",
                "enum": list(Kind.values),
                "description": "Only outcome_study and systematic_review can count.",
            },
            "studied": {"type": "string", "enum": list(Studied.values)},
            "design": {"type": "string"},
            "sample_size": {"type": "integer", "nullable": True},
            "country": {"type": "string", "nullable": True},
            "outcome_direction": {
                "type": "string",
                "enum": list(Direction.values),
                "nullable": True,
                "description": "Null unless the record is an outcome study or systematic review.",
            },
            "counts": {
                "type": "boolean",
                "description": "Whether it counts towards one of this group's ratings.",
            },
            "finding": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "source_url": {"type": "string", "nullable": True},
        },
    }  # fmt: skip
    certainty_source = {
        "type": "object",
        "required": ["id", "citation", "year", "level", "role", "url"],
        "properties": {
            "id": {"type": "integer"},
            "citation": {"type": "string"},
            "year": {"type": "integer", "nullable": True},
            "level": {"type": "string", "enum": [c for c in Certainty.values if c != "none"]},
            "role": {"type": "string", "enum": ["headline", "supporting", "conflicting"]},
            "url": {"type": "string", "format": "uri"},
        },
    }
    certainty_item = {
        "type": "object",
        "description": (
            "How certain the evidence is that groups like this help, for one of the group's "
            "conditions (at most three), by the rules at /evidence/how-we-rate/."
        ),
        "required": [
            "condition", "level", "direction", "statement", "reasons", "sources",
            "set_by_editors",
        ],
        "properties": {
            "condition": {"type": "string", "description": "A condition slug."},
            "level": {"type": "string", "enum": list(Certainty.values)},
            "direction": {
                "type": "string",
                "enum": [*Direction.values],
                "nullable": True,
                "description": "Null when the level is none.",
            },
            "statement": {"type": "string", "description": "The line in words, hedged."},
            "reasons": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Why the records the rating rests on were rated down.",
            },
            "sources": {
                "type": "array",
                "items": certainty_source,
                "description": "The records that count: the rating rests on the headline ones.",
            },
            "set_by_editors": {
                "type": "object",
                "nullable": True,
                "required": ["date", "reason"],
                "properties": {
                    "date": {"type": "string", "format": "date"},
                    "reason": {"type": "string"},
                },
            },
        },
    }  # fmt: skip
    caution = {
        "type": "object",
        "required": ["kind", "text", "evidence"],
        "properties": {
            "kind": {
                "type": "string",
                "enum": ["negative", "mixed", "thin", "harm_reduction", "boundaries"],
            },
            "text": {"type": "string"},
            "evidence": {"type": "array", "items": {"type": "integer"}},
        },
    }
    group_detail = {
        "type": "object",
        "required": [*group["required"], "certainty", "evidence", "evidence_summary", "cautions"],
        "properties": {
            **group["properties"],
            "certainty": {"type": "array", "items": certainty_item},
            "evidence": {"type": "array", "items": evidence_item},
            "evidence_summary": {"type": "string"},
            "cautions": {"type": "array", "items": caution},
        },
    }
    not_found = {"type": "object", "properties": {"detail": {"type": "string"}}}
    too_many = {
        "description": "Too many requests from this address (see README: rate limits)",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before asking again",
                "schema": {"type": "integer"},
            }
        },
        "content": {"application/json": {"schema": errors}},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Mutual aid directory API",
            "version": "1",
            "description": (
                "Published mutual aid groups near a place. Read-only and open. Only published "
                "groups are returned. Meeting times are UK local time (Europe/London)."
            ),
        },
        "paths": {
            "/api/groups/": {
                "get": {
                    "operationId": "listGroups",
                    "summary": "Search published groups",
                    "parameters": query_parameters(with_codes=with_codes),
                    "responses": {
                        "200": {
                            "description": "A page of groups",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": [
                                            "count",
                                            "count_is_lower_bound",
                                            "next",
                                            "previous",
                                            "results",
                                        ],
                                        "properties": {
                                            "count": {
                                                "type": "integer",
                                                "description": COUNT_DESCRIPTION.format(
                                                    cap=settings.SEARCH_COUNT_CAP
                                                ),
                                            },
                                            "count_is_lower_bound": {
                                                "type": "boolean",
                                                "description": LOWER_BOUND_DESCRIPTION,
                                            },
                                            "next": nullable_str,
                                            "previous": nullable_str,
                                            "results": {"type": "array", "items": group},
                                        },
                                    }
                                }
                            },
                        },
                        "400": {
                            "description": "A bad parameter",
                            "content": {"application/json": {"schema": errors}},
                        },
                        "404": {
                            "description": "A page past the last",
                            "content": {"application/json": {"schema": not_found}},
                        },
                        "429": too_many,
                    },
                }
            },
            "/api/groups/{id}/": {
                "get": {
                    "operationId": "getGroup",
                    "summary": "One published group",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The group, with the evidence about groups like it",
                            "content": {"application/json": {"schema": group_detail}},
                        },
                        "404": {
                            "description": "No published group with that id",
                            "content": {"application/json": {"schema": not_found}},
                        },
                        "429": too_many,
                    },
                }
            },
        },
    }
