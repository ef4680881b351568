"""The review's evidence in every install (evidence/data/evidence_from_review.json).

Safe to run again: records are matched by their stable key, updated, never duplicated.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "evidence_from_review.json"
# The day the shipped records were last checked against the review.
REVIEWED_ON = dt.date(2026, 11, 26)


def _tags(model, slugs, key):
    found = list(model.objects.filter(slug__in=slugs))
    missing = set(slugs) - {t.slug for t in found}
    if missing:
        raise ValueError(f"{key}: unknown {model.__name__} {sorted(missing)}")
    return found


def load(apps, schema_editor):
    Evidence = apps.get_model("evidence", "Evidence")
    Condition = apps.get_model("groups", "Condition")
    GroupType = apps.get_model("groups", "GroupType")
    Audience = apps.get_model("groups", "Audience")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        key = item["key"]
        record, _ = Evidence.objects.update_or_create(
            key=key,
            defaults={
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
                "outcome_direction": item["outcome_direction"],
                "outcome_measures": item["outcome_measures"],
                "finding": item["finding"],
                "source_section": item["paper_section"] or "",
                "last_reviewed": REVIEWED_ON,
                "is_published": True,
            },
        )
        record.conditions.set(_tags(Condition, item["conditions"], key))
        record.group_types.set(_tags(GroupType, item["group_types"], key))
        record.audiences.set(_tags(Audience, item["audiences"], key))


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("groups", "0002_seed_taxonomies"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
