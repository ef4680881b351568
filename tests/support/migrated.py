"""Migrated databases for the tests that need one of their own (a server of their own,
SQLite beside PostgreSQL, a restart): migrating from nothing runs every migration, about
13 s of CPU each time; a copy of a migrated database takes under a second.

- PostgreSQL: the test database is dumped (schema and what the migrations seeded) right
  after it is made, before any test (tests/conftest.py); `restore_migrated(url)` loads
  that dump into another empty database, on the test server or a cluster of a test's own.
- SQLite: `copy_migrated_sqlite(path, shared)` copies a file migrated once per run; the
  first test process to need it makes it, under a lock, and the others wait for it.

Either falls back to `manage.py migrate` when there is no copy to take."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from django.db import connection, transaction

from tests.support.pgcluster import pg_bin

ROOT = Path(__file__).resolve().parent.parent.parent

_dump: list[Path] = []


def _migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def _libpq_env() -> dict[str, str]:
    """The test database's connection settings, as libpq's tools read them."""
    s = connection.settings_dict
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD",
             "NAME": "PGDATABASE"}  # fmt: skip
    return {**os.environ, **{env: str(s[key]) for key, env in names.items() if s.get(key)}}


def dump_migrated(path: Path) -> None:
    """Dumps the test database as the migrations left it. Call it once, right after the
    test database is made. On SQLite, without pg_dump, or if it fails (a server newer
    than our pg_dump), nothing is kept and restore_migrated() migrates instead."""
    bindir = pg_bin()
    if connection.vendor != "postgresql" or bindir is None or not (bindir / "pg_dump").exists():
        return
    dumped = subprocess.run(
        [str(bindir / "pg_dump"), "--no-owner", "--no-privileges", "-f", str(path)],
        env=_libpq_env(), capture_output=True, check=False,
    )  # fmt: skip
    if dumped.returncode == 0:
        with path.open("a") as dump:
            dump.writelines(_extension_costs())
        _dump[:] = [path]


def _extension_costs() -> list[str]:
    """pg_dump recreates an extension with its own defaults, so the costs migrations gave
    its functions (groups 0008 and 0020, pg_trgm's word similarity) are set again after."""
    with transaction.atomic(), connection.cursor() as cursor:
        # The dump runs with an empty search_path: name each function and type in full.
        cursor.execute("SET LOCAL search_path TO pg_catalog")
        cursor.execute(
            "SELECT format('ALTER FUNCTION %s COST %s;', p.oid::regprocedure, p.procost)"
            " FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid"
            " AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e' ORDER BY 1"
        )
        return [f"{statement}\n" for (statement,) in cursor.fetchall()]


def restore_migrated(database_url: str) -> None:
    """Brings an empty PostgreSQL database to where the migrations leave one."""
    bindir = pg_bin()
    if not _dump or bindir is None:
        _migrate(database_url)
        return
    subprocess.run(
        [str(bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(_dump[0]),
         database_url],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def copy_migrated_sqlite(path: Path, shared: Path) -> None:
    """Makes path a migrated SQLite database. shared: a folder every test process of the
    run can see, where the first to need it keeps the migrated file."""
    template = shared / "migrated.sqlite3"
    with (shared / "migrated.sqlite3.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            migrated = shared / "migrating.sqlite3"
            _migrate(f"sqlite:///{migrated}")
            _copy_sqlite(migrated, shared / "migrated.partial")
            (shared / "migrated.partial").rename(template)
    _copy_sqlite(template, path)


def _copy_sqlite(source: Path, target: Path) -> None:
    # SQLite's own backup copies the database whole, with what its write-ahead log holds.
    with closing(sqlite3.connect(source)) as db, closing(sqlite3.connect(target)) as copy:
        db.backup(copy)
