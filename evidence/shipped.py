"""The evidence every install ships with: evidence/data/evidence_from_review.json.

The records were checked against the review one by one (each review-derived record keeps
the review's own words it rests on, in `basis`); two newer sources, a Cochrane review and a
NICE guideline, were read from the sources themselves. Migrations load them, so an install
gets them with `migrate`; tests that flush the database load them again with load().
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "evidence_from_review.json"


def shipped_records() -> list[dict[str, Any]]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _values(item: dict[str, Any], field_names: set[str]) -> dict[str, Any]:
    values = {
        "authors": item["authors"],
        "year": item["year"],
        "title": item["title"] or "",
        "venue": item["venue"] or "",
        "url": item["url"] or "",
        "doi": item.get("doi") or "",
        "design": item["design"],
        "sample_size": item["sample_size"],
        "sample_unit": item.get("sample_unit", "participants"),
        "country": item["country"] or "",
        "orientation": item["orientation"] or "",
        "kind": item["kind"],
        "studied": item["studied"],
        "outcome_direction": item["outcome_direction"] or "",
        "outcome_measures": item["outcome_measures"],
        "main_outcome": item.get("main_outcome") or "",
        "finding": item["finding"],
        "source_section": item["paper_section"] or "",
        "origin": item["origin"],
        "basis": item["basis"],
        "journal_article": item["journal_article"],
        "is_published": True,
    }
    # A migration's historical model may predate a field added later.
    return {name: value for name, value in values.items() if name in field_names}


def _tags(model: Any, slugs: list[str], key: str) -> list[Any]:
    found = list(model.objects.filter(slug__in=slugs))
    missing = set(slugs) - {t.slug for t in found}
    if missing:
        raise ValueError(f"{key}: unknown {model.__name__} {sorted(missing)}")
    return found


def load(apps: Any, reviewed_on: Any = None) -> None:
    """Create or correct every shipped record, matched by its stable key; safe to run
    again. apps is a migration's app registry, or django.apps.apps."""
    Evidence = apps.get_model("evidence", "Evidence")
    Condition = apps.get_model("groups", "Condition")
    GroupType = apps.get_model("groups", "GroupType")
    Audience = apps.get_model("groups", "Audience")
    field_names = {f.name for f in Evidence._meta.get_fields()}
    for item in shipped_records():
        key = item["key"]
        values = _values(item, field_names)
        if reviewed_on is not None:
            values["last_reviewed"] = reviewed_on
        record, _ = Evidence.objects.update_or_create(key=key, defaults=values)
        record.conditions.set(_tags(Condition, item["conditions"], key))
        record.group_types.set(_tags(GroupType, item["group_types"], key))
        record.audiences.set(_tags(Audience, item["audiences"], key))
