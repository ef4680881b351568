"""PostgreSQL-only search machinery; every operation here does nothing on SQLite.

- a stored, generated tsvector over the group's own text (name first) with a GIN index,
  for English full-text search with stemming;
- a trigram index on the name and condition names, for small typos (word similarity);
- a GiST index on the group's position on the earth (cube/earthdistance), so a local
  search reads only the groups inside its box, however large the country's directory.
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

from directory.postgres import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("groups", "0005_group_search_terms")]

    operations = [
        CreateExtension("pg_trgm"),
        CreateExtension("cube"),
        CreateExtension("earthdistance"),
        PostgresOnlySQL(
            sql="""
            ALTER TABLE groups_group ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') ||
                setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') ||
                setweight(to_tsvector('english'::regconfig, coalesce(search_terms, '')), 'B') ||
                setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
            ) STORED;
            CREATE INDEX group_search_vector_idx ON groups_group USING gin (search_vector)
                WHERE status = 'published';
            CREATE INDEX group_words_trgm_idx ON groups_group
                USING gin ((name || ' ' || search_terms) gin_trgm_ops)
                WHERE status = 'published';
            CREATE INDEX group_earth_idx ON groups_group
                USING gist (ll_to_earth(latitude, longitude))
                WHERE status = 'published' AND latitude IS NOT NULL;
            CREATE INDEX group_online_idx ON groups_group (name, id)
                WHERE status = 'published' AND format = 'online';
            """,
            reverse_sql="""
            DROP INDEX IF EXISTS group_online_idx;
            DROP INDEX IF EXISTS group_earth_idx;
            DROP INDEX IF EXISTS group_words_trgm_idx;
            DROP INDEX IF EXISTS group_search_vector_idx;
            ALTER TABLE groups_group DROP COLUMN IF EXISTS search_vector;
            """,
        ),
    ]
