"""PostgreSQL only: the HSDS ids of each published group, indexed, so a detail request
(/api/hsds/services/ID and the like) finds its group with one index lookup.

An id is uuid5(exchange.hsds.NAMESPACE, "KIND:PK"), which uuid-ossp's uuid_generate_v5
computes the same way; the expressions here must stay exactly those in
exchange.hsds.ID_SQL, or the planner cannot use the indexes. SQLite, the local default,
scans instead (exchange.hsds._scan).
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

from directory.postgres import PostgresOnlySQL

NAMESPACE = "3b0f6f1e-8a55-4c52-9e0c-7d3c2f6a1b84"
KINDS = {
    "organization": "'organization:' || id::text",
    "service": "'service:' || id::text",
    "physical": "'service_at_location:' || id::text || ':physical'",
    "virtual": "'service_at_location:' || id::text || ':virtual'",
}


class Migration(migrations.Migration):
    dependencies = [("groups", "0013_place_county")]

    operations = [
        CreateExtension("uuid-ossp"),
        PostgresOnlySQL(
            sql=[
                f"CREATE INDEX group_hsds_{kind}_idx ON groups_group "
                f"((uuid_generate_v5('{NAMESPACE}'::uuid, {expression}))) "
                "WHERE status = 'published'"
                for kind, expression in KINDS.items()
            ],
            reverse_sql=[f"DROP INDEX IF EXISTS group_hsds_{kind}_idx" for kind in KINDS],
        ),
    ]
