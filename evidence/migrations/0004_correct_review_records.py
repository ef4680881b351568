"""The corrected records (issue 12): every shipped record checked against the review, with
its kind, what it studied and the review's words it rests on; records the review makes
without a citation (faith groups, residential mutual aid), SIGN 2004, Wilson 1995, and two
newer sources (the 2020 Cochrane review of AA and twelve-step facilitation, NICE NG206).

Records an editor added in the admin are not in the shipped file: their old directions are
carried over as well as they can be (a direction means an outcome study; "no outcome
reported" means a descriptive account) for the editors to check. Safe to run again.
"""

import datetime as dt

from django.db import migrations

from evidence import shipped

# The day the shipped records were last checked against the review.
REVIEWED_ON = dt.date(2026, 12, 7)
OLD_DESIGNS = [
    "meta_analysis", "review", "rct", "non_randomised_controlled", "cohort", "before_after",
    "cross_sectional_survey", "qualitative", "case_study", "action_research", "anecdote", "other",
]
OLD_DIRECTIONS = {
    "positive": "positive",
    "negative": "negative",
    "mixed": "mixed",
    "none_detected": "no_effect",
}


def carry_over(apps, schema_editor):
    Evidence = apps.get_model("evidence", "Evidence")
    for record in Evidence.objects.all():
        direction = OLD_DIRECTIONS.get(record.outcome_direction, "")
        record.kind = "outcome_study" if direction else "descriptive"
        record.outcome_direction = direction
        record.origin = "review_2008" if record.basis else "source_itself"
        record.save(update_fields=["kind", "outcome_direction", "origin"])


def load(apps, schema_editor):
    carry_over(apps, schema_editor)
    shipped.load(apps, reviewed_on=REVIEWED_ON)


def back(apps, schema_editor):
    """Directions the old schema accepts, so that migrating back to 0002 works."""
    Evidence = apps.get_model("evidence", "Evidence")
    Evidence.objects.filter(outcome_direction="no_effect").update(outcome_direction="none_detected")
    Evidence.objects.exclude(outcome_direction__in=["positive", "negative", "mixed", "none_detected"]).update(
        outcome_direction="not_reported"
    )
    Evidence.objects.exclude(design__in=OLD_DESIGNS).update(design="other")


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0003_record_kind_and_basis"),
        ("groups", "0002_seed_taxonomies"),
    ]
    operations = [migrations.RunPython(load, back)]
