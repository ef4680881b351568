"""Tell PostgreSQL's planner what pg_trgm's word similarity really costs (PostgreSQL only).

The extension declares it as cheap as comparing two numbers, so on a small directory the
planner scanned every group computing it (30 ms at 5,000 groups) rather than using the
trigram index (under 2 ms). Altering an extension's function needs its owner; where the
extension was created by another role the planner keeps its guess and searches still work.
A dump and restore recreates the extension with its defaults: run migrate's SQL again.
"""

from django.db import migrations

from directory.postgres import PostgresOnlySQL


def set_cost(cost: int) -> str:
    return f"""
    DO $$
    BEGIN
        ALTER FUNCTION word_similarity_op(text, text) COST {cost};
        ALTER FUNCTION word_similarity(text, text) COST {cost};
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'pg_trgm belongs to another role; word similarity keeps its default cost';
    END
    $$;
    """


class Migration(migrations.Migration):
    dependencies = [("groups", "0007_history_rejected_archived_reason")]

    operations = [PostgresOnlySQL(sql=set_cost(100), reverse_sql=set_cost(1))]
