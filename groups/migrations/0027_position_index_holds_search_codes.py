"""The position index also holds the search codes' column itself (PostgreSQL only).

0026 put group_search_codes(search_codes) among the index's keys, which lets the index
skip groups without a wanted code; but PostgreSQL answers a scan from the index alone
only when every column the statement names is in the index, and a key over an expression
does not count for its column: searches by a meeting's values read each group they kept
from the table again.
"""

from django.db import migrations

COVERED = (
    "id, latitude, longitude, name, format, orientation, group_type_id, referral, step_free,"
    " has_meeting_venues, has_meetings, paused, paused_until, last_verified, condition_ids,"
    " audience_ids, meeting_keys"
)
INDEX = (
    "CREATE INDEX group_earth_idx ON groups_group USING gist (group_earth(latitude, longitude),"
    " group_search_codes(search_codes) gist__int_ops) INCLUDE ({})"
    " WHERE status = 'published' AND latitude IS NOT NULL"
)


def _index(covered: str):
    def replace(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP INDEX IF EXISTS group_earth_idx")
            schema_editor.execute(INDEX.format(covered))

    return replace


class Migration(migrations.Migration):
    dependencies = [("groups", "0026_group_search_codes")]

    operations = [migrations.RunPython(_index(f"{COVERED}, search_codes"), _index(COVERED))]
