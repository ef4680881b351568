"""The keyword search's typo match is now written `words %> text` (TrigramWordSimilar),
whose function is pg_trgm's word_similarity_commutator_op: give it the cost migration
0008 gave word_similarity_op (PostgreSQL only).

With the extension's default cost the planner again scanned every group computing word
similarity on a small directory (73 ms a keyword search at 5,000 groups) rather than
reading the trigram and full-text indexes. Altering an extension's function needs its
owner; where another role created it the planner keeps its guess and searches still work.
"""

from django.db import migrations

from directory.postgres import PostgresOnlySQL


def set_cost(cost: int) -> str:
    return f"""
    DO $$
    BEGIN
        ALTER FUNCTION word_similarity_commutator_op(text, text) COST {cost};
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'pg_trgm belongs to another role; word similarity keeps its default cost';
    END
    $$;
    """


class Migration(migrations.Migration):
    dependencies = [("groups", "0019_group_condition_ids")]

    operations = [PostgresOnlySQL(sql=set_cost(100), reverse_sql=set_cost(1))]
