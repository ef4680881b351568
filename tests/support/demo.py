"""The sample data (`manage.py load_demo`) in a test's own database transaction, fast.

The command takes seconds (thousands of places, 82 groups through the import). The first
call in a test process runs it and keeps the rows it added; later calls insert those rows
again in a few bulk inserts. The copy is taken only from a database with no places and no
groups (as after the migrations), so nothing the command would have updated is missed;
from any other state, or if a kept row's key is taken, the command itself runs.
tests/test_import.py tests the command itself."""

from __future__ import annotations

from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models

from directory.memo import forget_all
from groups.models import Group, Place
from tests.support.database import row_counts

# (model, its non-generated columns, the rows the command added), once per process.
_Rows = list[tuple[type[models.Model], list[str], list[tuple[object, ...]]]]
_added: _Rows = []


def _tables() -> dict[str, type[models.Model]]:
    return {
        m._meta.db_table: m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.generated]


def _run_and_keep() -> None:
    """Runs the command and keeps the rows it added to each table (by primary key)."""
    tables = _tables()
    before_counts = row_counts()
    before = {
        t: set(tables[t]._base_manager.values_list("pk", flat=True))
        for t, n in before_counts.items()
        if n and t in tables
    }
    call_command("load_demo", stdout=StringIO())
    for table, count in row_counts().items():
        if table not in tables or count == before_counts.get(table, 0):
            continue
        model = tables[table]
        columns = _columns(model)
        rows = model._base_manager.exclude(pk__in=before.get(table, set())).values_list(*columns)
        _added.append((model, columns, list(rows)))


def _keys_free() -> bool:
    pk = {model: model._meta.pk.attname for model, _, _ in _added}
    return not any(
        model._base_manager.filter(pk__in=[row[columns.index(pk[model])] for row in rows]).exists()
        for model, columns, rows in _added
    )


def load_demo() -> None:
    """The sample data, as `manage.py load_demo` leaves it, in the current transaction."""
    pristine = not Place.objects.exists() and not Group.objects.exists()
    if not _added:
        if pristine:
            _run_and_keep()
        else:
            call_command("load_demo", stdout=StringIO())
        return
    if not pristine or not _keys_free():
        call_command("load_demo", stdout=StringIO())
        return
    for model, columns, rows in _added:
        model._base_manager.bulk_create(
            model(**dict(zip(columns, row, strict=True))) for row in rows
        )
    # Rows inserted with their keys leave a sequence behind them (PostgreSQL).
    statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _, _ in _added])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    # The command's saves would have told the memos (the sample banner); bulk inserts do not.
    forget_all()
