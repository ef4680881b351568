"""The position index holds every column a search near a place filters or orders groups
met at their own venue by (PostgreSQL only; nothing on SQLite).

A page near a place picks its first few groups from those in the band of its last result
(search.page_ids) and a KNN probe finds that band (search.page_radius). Both read only the
index now (an index-only scan, where the visibility map allows): before, each candidate
was read from its own block of the table, so a search read as many blocks as candidates,
scattered over a table ten times larger in a directory ten times larger.
"""

from django.db import migrations

COVERED = (
    "id, latitude, longitude, name, format, orientation, group_type_id, referral, step_free,"
    " has_meeting_venues, has_meetings, paused, paused_until, last_verified, condition_ids"
)
INDEX = (
    "CREATE INDEX group_earth_idx ON groups_group USING gist (group_earth(latitude, longitude))"
    " {} WHERE status = 'published' AND latitude IS NOT NULL"
)


def _replace(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS group_earth_idx")
    schema_editor.execute(INDEX.format(include))


def forwards(apps, schema_editor):
    _replace(schema_editor, f"INCLUDE ({COVERED})")


def backwards(apps, schema_editor):
    _replace(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("groups", "0023_group_paused_name_idx")]

    operations = [migrations.RunPython(forwards, backwards)]
