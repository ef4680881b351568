"""review_staleness on the zero-setup SQLite file, beside a worker that keeps writing to
it (as `make run`'s server and db_worker do): WAL mode, a busy timeout and IMMEDIATE
transactions let it wait its turn instead of failing with "database is locked"."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
from django.conf import settings

from tests.support.migrated import copy_migrated_sqlite

# (The test's own database is not used: the commands run on a SQLite file of their own.)
pytestmark = pytest.mark.django_db

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]
SEED = """
import datetime as dt
from django.contrib.auth import get_user_model
from groups.models import Condition, GroupType
from groups.services import GroupValues, save_group
from organisers.models import GroupOwner
user = get_user_model().objects.create_user("o", "o@example.org", "x")
for n in range(4):
    group = save_group(
        values=GroupValues(
            name=f"Old group {n}", orientation="inward", format="online",
            online_url="https://example.org/join", status="published",
            last_verified=dt.date(2020, 1, 1), group_type=GroupType.objects.first(),
        ),
        conditions=Condition.objects.filter(slug="alcohol"),
    )
    if n == 0:
        GroupOwner.objects.create(group=group, user=user)
"""


def busy_worker(path, stop: threading.Event) -> None:
    """Writes in short transactions, over and over, like the email worker."""
    with closing(sqlite3.connect(path, isolation_level=None, timeout=30)) as db:
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT OR REPLACE INTO directory_cache (cache_key, value, expires) "
                "VALUES ('worker', ?, '2999-01-01 00:00:00')",
                (str(time.time()),),
            )
            time.sleep(0.2)
            db.execute("COMMIT")
            time.sleep(0.01)


def test_it_runs_beside_a_busy_worker(tmp_path, run_dir):
    path = tmp_path / "directory.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "true"}
    run = {"env": env, "cwd": settings.BASE_DIR, "capture_output": True, "text": True}
    copy_migrated_sqlite(path, run_dir)
    subprocess.run([*MANAGE, "shell", "-c", SEED], check=True, **run)

    stop = threading.Event()
    worker = threading.Thread(target=busy_worker, args=(path, stop))
    worker.start()
    try:
        done = subprocess.run([*MANAGE, "review_staleness", "--dry-run"], **run)
        assert done.returncode == 0, done.stderr
        done = subprocess.run([*MANAGE, "review_staleness"], **run)
    finally:
        stop.set()
        worker.join()
    assert done.returncode == 0, done.stderr
    assert "0 reminded, 1 taken out of search, 3 sent to the moderators" in done.stdout
    with closing(sqlite3.connect(path)) as db:
        reports = db.execute("SELECT count(*) FROM moderation_report").fetchone()
        statuses = db.execute("SELECT status FROM groups_group ORDER BY id").fetchall()
        journal = db.execute("PRAGMA journal_mode").fetchone()
    assert reports == (3,)
    assert statuses == [("archived",), ("published",), ("published",), ("published",)]
    assert journal == ("wal",)
