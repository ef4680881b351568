"""The test database as the migrations left it: copied once when the test database is
created (tests/conftest.py), put back when a test needs it after a flush."""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import connection, models, transaction

# Rows that a test may add while it only reads: the shortlist lives in the session, and
# each public read is counted for its rate limit (moderation.ratelimit's RateCount).
CHANGING_TABLES = {"django_session", "moderation_ratecount"}

_migrated: list[str] = []


def remember_migrated_state() -> None:
    """Copies what the migrations seeded (taxonomies, the review's evidence, content types
    and permissions). Call it once, right after the test database is created."""
    _migrated[:] = [connection.creation.serialize_db_to_string()]


def restore_migrated_state() -> None:
    """Empties every table and puts back what the migrations seeded: a few bulk inserts,
    where Django's own deserialization saves row by row (about 900 queries)."""
    if not _migrated:
        raise RuntimeError("remember_migrated_state() was not called when the database was made")
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for item in serializers.deserialize("json", _migrated[0]):
        rows[type(item.object)].append(item.object)
        for name, targets in item.m2m_data.items():
            field = item.object._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            rows[through] += [
                through(**{f"{source}_id": item.object.pk, f"{target}_id": pk}) for pk in targets
            ]
    # Foreign keys are checked at commit, so the order of the inserts does not matter.
    with transaction.atomic():
        for model, objects in rows.items():
            model._base_manager.bulk_create(objects)


def row_counts() -> dict[str, int]:
    """Each table's number of rows, in one query."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True)} - CHANGING_TABLES
    )
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT count(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))
