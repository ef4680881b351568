"""The OpenAPI 3 description of the JSON API, served at /api/schema/."""

from __future__ import annotations

from typing import Any

from .models import TIME_OF_DAY_CHOICES, WEEKDAY_CODES, Format, Orientation, Recurrence, Referral


def _param(name: str, schema: dict, description: str, *, repeat: bool = False) -> dict:
    if repeat:
        schema = {"type": "array", "items": schema}
    # The search form sends every field, blank ones included; blank means "any".
    param = {"name": name, "in": "query", "required": False, "allowEmptyValue": True}
    param |= {"schema": schema, "description": description}
    if repeat:
        param |= {"style": "form", "explode": True}
    return param


def openapi_document(max_radius_km: float) -> dict[str, Any]:
    nullable_str = {"type": "string", "nullable": True}
    slug = {"type": "string", "maxLength": 50}
    meeting = {
        "type": "object",
        "required": ["weekday", "start", "end", "recurrence", "week_of_month"],
        "properties": {
            "weekday": {"type": "string", "enum": WEEKDAY_CODES},
            "start": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "end": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "recurrence": {"type": "string", "enum": Recurrence.values},
            "week_of_month": {"type": "integer", "enum": [1, 2, 3, 4, -1], "nullable": True},
        },
    }
    group = {
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
            "town",
            "postcode",
            "latitude",
            "longitude",
            "distance_km",
            "meetings",
            "last_verified",
            "url",
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
            "town": {"type": "string"},
            "postcode": {"type": "string"},
            "latitude": {"type": "number", "nullable": True},
            "longitude": {"type": "number", "nullable": True},
            "distance_km": {"type": "number", "nullable": True},
            "meetings": {"type": "array", "items": meeting},
            "last_verified": {"type": "string", "format": "date", "nullable": True},
            "url": {"type": "string", "format": "uri"},
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
            "id", "citation", "year", "design", "sample_size", "country",
            "outcome_direction", "finding", "url", "source_url",
        ],
        "properties": {
            "id": {"type": "integer"},
            "citation": {"type": "string"},
            "year": {"type": "integer", "nullable": True},
            "design": {"type": "string"},
            "sample_size": {"type": "integer", "nullable": True},
            "country": {"type": "string", "nullable": True},
            "outcome_direction": {"type": "string"},
            "finding": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "source_url": {"type": "string", "nullable": True},
        },
    }  # fmt: skip
    caution = {
        "type": "object",
        "required": ["kind", "text", "evidence"],
        "properties": {
            "kind": {"type": "string"},
            "text": {"type": "string"},
            "evidence": {"type": "array", "items": {"type": "integer"}},
        },
    }
    group_detail = {
        "type": "object",
        "required": [*group["required"], "evidence", "evidence_summary", "cautions"],
        "properties": {
            **group["properties"],
            "evidence": {"type": "array", "items": evidence_item},
            "evidence_summary": {"type": "string"},
            "cautions": {"type": "array", "items": caution},
        },
    }
    not_found = {"type": "object", "properties": {"detail": {"type": "string"}}}
    true_only = {"type": "string", "enum": ["true"]}
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
                    "parameters": [
                        _param("q", {"type": "string", "maxLength": 200}, "Keywords."),
                        _param(
                            "near",
                            {"type": "string", "maxLength": 100},
                            "UK postcode, postcode district or town. Not with lat/lng.",
                        ),
                        _param(
                            "lat",
                            {"type": "number", "minimum": -90, "maximum": 90},
                            "Latitude; needs lng.",
                        ),
                        _param(
                            "lng",
                            {"type": "number", "minimum": -180, "maximum": 180},
                            "Longitude; needs lat.",
                        ),
                        _param(
                            "radius_km",
                            {
                                "type": "number",
                                "exclusiveMinimum": True,
                                "minimum": 0,
                                "maximum": max_radius_km,
                            },
                            "Radius in km (default 16).",
                        ),
                        _param("condition", slug, "Condition slug; any matches.", repeat=True),
                        _param(
                            "orientation",
                            {"type": "string", "enum": Orientation.values},
                            "inward and outward include hybrid groups.",
                        ),
                        _param("group_type", slug, "Group type slug."),
                        _param(
                            "format",
                            {"type": "string", "enum": Format.values},
                            "in_person and online include hybrid groups.",
                        ),
                        _param("day", {"type": "string", "enum": WEEKDAY_CODES}, "Meeting day."),
                        _param(
                            "time_of_day",
                            {"type": "string", "enum": [c for c, _ in TIME_OF_DAY_CHOICES]},
                            "Meeting start: morning < 12:00, afternoon < 17:00, evening.",
                        ),
                        _param("audience", slug, "Audience slug; any matches.", repeat=True),
                        _param("step_free", true_only, "Only groups with step-free access."),
                        _param(
                            "referral",
                            {"type": "string", "enum": [Referral.SELF, Referral.PROFESSIONAL]},
                            "Accepts this referral route.",
                        ),
                        _param(
                            "include_online",
                            true_only,
                            "With a location, also list online-only groups after local ones "
                            "(format=online does so too).",
                        ),
                        _param("page", {"type": "integer", "minimum": 1}, "Page, 20 results each."),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of groups",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["count", "next", "previous", "results"],
                                        "properties": {
                                            "count": {"type": "integer"},
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
                    },
                }
            },
        },
    }
