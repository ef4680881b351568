"""The search vector becomes Group.search_vector, a GeneratedField declared on the model
(groups/search_document.py compiles it per database: a weighted tsvector on PostgreSQL,
plain text on SQLite).

On PostgreSQL migration 0006 made the same column by hand: it is dropped with its index
and generated again from each row's own columns, so nothing is lost. The GIN index stays
PostgreSQL-only, here.
"""

from django.db import migrations, models

import groups.search_document
from directory.postgres import PostgresOnlySQL

INDEX = (
    "CREATE INDEX group_search_vector_idx ON groups_group USING gin (search_vector)"
    " WHERE status = 'published'"
)
# Migration 0006's column, for going back.
HAND_MADE_COLUMN = """
    ALTER TABLE groups_group ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(search_terms, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
    ) STORED
"""


class Migration(migrations.Migration):
    dependencies = [("groups", "0017_meeting_values_pause_hidden_venue")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "DROP INDEX IF EXISTS group_search_vector_idx",
                "ALTER TABLE groups_group DROP COLUMN IF EXISTS search_vector",
            ],
            reverse_sql=[HAND_MADE_COLUMN, INDEX],
        ),
        migrations.AddField(
            model_name="group",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=groups.search_document.SearchDocument(),
                output_field=groups.search_document.DocumentField(),
            ),
        ),
        PostgresOnlySQL(sql=INDEX, reverse_sql="DROP INDEX IF EXISTS group_search_vector_idx"),
    ]
