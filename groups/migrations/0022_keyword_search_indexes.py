"""Indexes for a keyword search without a place that reads only what its page needs
(groups/search.py, first_candidates; PostgreSQL only, nothing on SQLite).

- group_name_words_idx: the name's own words (the vector's weight-A lexemes), so the
  groups named for a keyword are found without reading every group that mentions it.
  It is not partial: PostgreSQL keeps statistics on an expression index's values only
  when the index is not partial, and the planner needs them to choose between walking
  the names in order (a word in many names) and this index (a word in few).
- group_paused_idx: published groups paused by their organisers, few at any time, read
  whole (they come last, whatever their names).
"""

from django.db import migrations

from directory.postgres import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("groups", "0021_group_has_meetings")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE INDEX group_name_words_idx ON groups_group"
                " USING gin (ts_filter(search_vector, '{a}'))",
                "CREATE INDEX group_paused_idx ON groups_group (id)"
                " WHERE status = 'published' AND paused",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS group_paused_idx",
                "DROP INDEX IF EXISTS group_name_words_idx",
            ],
        ),
    ]
