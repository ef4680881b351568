"""PostgreSQL only: the service_at_location id of each meeting held at a venue of its own,
indexed, so /api/hsds/service_at_locations/ID finds the meeting with one index lookup.

The expression must stay exactly exchange.hsds.DatabaseMeetingLocationId's, or the
planner cannot use the index. SQLite, the local default, scans instead.
"""

from django.db import migrations

from directory.postgres import PostgresOnlySQL

NAMESPACE = "3b0f6f1e-8a55-4c52-9e0c-7d3c2f6a1b84"
ID = "'service_at_location:' || group_id::text || ':meeting-' || id::text"


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_hsds_id_indexes"),
        ("groups", "0017_meeting_values_pause_hidden_venue"),
    ]

    operations = [
        PostgresOnlySQL(
            sql=f"CREATE INDEX meeting_hsds_location_idx ON groups_meeting "
            f"((uuid_generate_v5('{NAMESPACE}'::uuid, {ID}))) WHERE latitude IS NOT NULL",
            reverse_sql="DROP INDEX IF EXISTS meeting_hsds_location_idx",
        ),
    ]
