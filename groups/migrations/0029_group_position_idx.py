"""A second, narrow position index for searches near a place by what a group's row holds
(a condition, or nothing but the place), PostgreSQL only.

The position index (group_earth_idx) also holds the search codes, as a second key and as
a column, and the columns of a search by a meeting's values (0025-0028); its entries are
about twice as wide, so a search that asks nothing of the codes reads more index pages
for the same groups, and more of them at 50,000 groups than at 5,000. This index holds
the position and only what a local search by condition filters and orders by, and the
planner takes whichever index is cheaper for the statement. Measured on the quiet
machine (the local search by condition's main statement, best of 200, 5,000 -> 50,000
groups): the wide index alone 0.384 -> 0.586 ms (1.53x); with 0024's fifteen columns here
0.354 -> 0.532 ms (1.50x); with these ten 0.328 -> 0.425 ms (1.30x).
"""

from django.db import migrations

COVERED = (
    "id, latitude, longitude, name, format, has_meeting_venues, condition_ids,"
    " paused, paused_until, last_verified"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX group_position_idx ON groups_group USING gist"
            f" (group_earth(latitude, longitude)) INCLUDE ({COVERED})"
            " WHERE status = 'published' AND latitude IS NOT NULL"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS group_position_idx")


class Migration(migrations.Migration):
    dependencies = [("groups", "0028_meeting_keys_step_free_by_format")]

    operations = [migrations.RunPython(forwards, backwards)]
