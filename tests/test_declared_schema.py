"""The schema is declared where people look: the search vector is a field of Group,
compiled per database; SQL written by hand names no table; migrations stand alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from groups.models import Group

ROOT = Path(settings.BASE_DIR)

# Migration 0006's hand-made column: the declared field must compute exactly this.
MIGRATION_0006_VECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') ||
    setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, coalesce(search_terms, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
"""


def _our_python(*, migrations: bool) -> list[Path]:
    files = []
    for config in apps.get_app_configs():
        if Path(config.path).parent != ROOT:
            continue
        for path in Path(config.path).rglob("*.py"):
            if ("migrations" in path.parts) == migrations:
                files.append(path)
    return files


def test_the_search_vector_is_a_generated_field_of_group():
    field = Group._meta.get_field("search_vector")
    assert field.generated and field.db_persist


@pytest.mark.django_db
def test_the_search_vector_follows_the_groups_text(make_group):
    group = make_group("Panic Walkers", summary="Walking together.", description="Tea after.")
    group.refresh_from_db()
    if connection.vendor == "postgresql":
        assert "'panic':1A" in group.search_vector
        assert "'walk':3B" in group.search_vector
        assert re.search(r"'tea':\d+C", group.search_vector)
    else:
        # SQLite has no tsvector: the vector is the group's text itself.
        assert group.search_vector.startswith("Panic Walkers Walking together. ")
        assert group.search_vector.endswith(" Tea after.")


@pytest.mark.django_db
def test_on_postgresql_the_vector_is_migration_0006s(make_group):
    if connection.vendor != "postgresql":
        pytest.skip("the tsvector is PostgreSQL's")
    make_group("Anxiety Circle", summary="Talking helps.", description="A café, then a walk.")
    make_group("Gambling Harm Group", summary="", description="")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE search_vector IS DISTINCT FROM ("
            + MIGRATION_0006_VECTOR
            + ")) FROM groups_group"
        )
        total, different = cursor.fetchone()
    assert total >= 2 and different == 0


def _raw_sql_strings(tree: ast.AST) -> list[str]:
    """The literal text of every RawSQL(...)'s SQL argument (f-strings' literal parts too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RawSQL" and node.args:
            found += [
                part.value
                for part in ast.walk(node.args[0])
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            ]
    return found


def test_no_table_name_is_written_in_raw_sql():
    tables = {model._meta.db_table for model in apps.get_models()}
    written = [
        (str(path.relative_to(ROOT)), table)
        for path in _our_python(migrations=False)
        for text in _raw_sql_strings(ast.parse(path.read_text()))
        for table in tables
        if table in text
    ]
    assert written == []


def test_it_finds_table_names_in_raw_sql():
    tree = ast.parse('RawSQL(f"groups_group.id = {x}", ())')
    assert _raw_sql_strings(tree) == ["groups_group.id = "]


def _imports_a_migration(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and ".migrations" in node.module:
            return True
        if isinstance(node, ast.Import) and any(".migrations" in a.name for a in node.names):
            return True
        # importlib.import_module("app.migrations.0006_...") is an import all the same.
        if isinstance(node, ast.Constant) and ".migrations." in str(node.value):
            return True
    return False


def test_no_migration_imports_another_migrations_module():
    importing = [
        str(path.relative_to(ROOT))
        for path in _our_python(migrations=True)
        if _imports_a_migration(ast.parse(path.read_text()))
    ]
    assert importing == []


def test_it_sees_a_migration_imported_by_name():
    tree = ast.parse('import_module("groups.migrations.0006_postgres_search")')
    assert _imports_a_migration(tree)
