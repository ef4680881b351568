"""The position index on our own group_earth() rather than earthdistance's ll_to_earth()
(PostgreSQL only; nothing on SQLite).

Autovacuum analyses tables with search_path = pg_catalog. ll_to_earth()'s body names
cube(), earth() and the earth type unqualified, so evaluating the index expression there
failed (`type "earth" does not exist`) and groups_group never had planner statistics.
Qualifying ll_to_earth in the index is not enough: the error is inside its body.
group_earth() is the same formula with every name qualified by the extensions' schemas;
being a plain SQL function it is still inlined, so an index scan costs what it did.
"""

from django.db import migrations

INDEX_ON = "CREATE INDEX group_earth_idx ON groups_group USING gist ({}(latitude, longitude)) WHERE status = 'published' AND latitude IS NOT NULL"


def _schema_of(schema_editor, extension: str) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(n.nspname) FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = %s",
            [extension],
        )
        return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    cube, earth = _schema_of(schema_editor, "cube"), _schema_of(schema_editor, "earthdistance")
    r = f"{earth}.earth()"
    schema_editor.execute(f"""
        CREATE FUNCTION group_earth(latitude double precision, longitude double precision)
        RETURNS {earth}.earth LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT {cube}.cube({cube}.cube({cube}.cube(
            {r} * pg_catalog.cos(pg_catalog.radians($1)) * pg_catalog.cos(pg_catalog.radians($2))),
            {r} * pg_catalog.cos(pg_catalog.radians($1)) * pg_catalog.sin(pg_catalog.radians($2))),
            {r} * pg_catalog.sin(pg_catalog.radians($1)))::{earth}.earth $$
    """)
    schema_editor.execute("DROP INDEX IF EXISTS group_earth_idx")
    schema_editor.execute(INDEX_ON.format("group_earth"))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS group_earth_idx")
    schema_editor.execute(INDEX_ON.format("ll_to_earth"))
    schema_editor.execute("DROP FUNCTION group_earth(double precision, double precision)")


class Migration(migrations.Migration):
    dependencies = [("groups", "0015_web_url_and_one_line_without_bidi_controls")]

    operations = [migrations.RunPython(forwards, backwards)]
