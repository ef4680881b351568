"""Tests that need a migrated database of their own copy the test database as the
migrations left it (tests/support/migrated.py) instead of migrating from nothing: the
copy must be what migrating gives."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection

from evidence.models import Evidence
from groups.models import Condition
from tests.support import migrated
from tests.support.database import row_counts

pytestmark = pytest.mark.django_db

CATALOGUE = {
    "migrations": "SELECT app || '.' || name FROM django_migrations ORDER BY 1",
    "extensions": "SELECT extname FROM pg_extension ORDER BY 1",
    # With their costs: migrations set some of pg_trgm's, which pg_dump does not keep.
    "functions": "SELECT proname, procost FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
    "ORDER BY 1, 2",
    "indexes": "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
}


def test_on_postgresql_a_copy_has_every_migration_and_what_they_seeded():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite there is no dump, and tests migrate")
    assert migrated._dump, "the test database was not dumped when it was made"
    s = connection.settings_dict
    server = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}"
    name = f"copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrated.restore_migrated(f"{server}/{name}")
        counts = row_counts()  # the test database: as migrated, in this test's transaction
        quote = connection.ops.quote_name
        with psycopg.connect(f"{server}/{name}") as copy, connection.cursor() as ours:
            for what, sql in CATALOGUE.items():
                ours.execute(sql)
                assert copy.execute(sql).fetchall() == ours.fetchall(), what
            copied = {
                t: copy.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0] for t in counts
            }
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert copied == counts
    seeded = [Condition._meta.db_table, Evidence._meta.db_table]
    assert all(counts[table] for table in seeded), "the migrations' rows are there"
