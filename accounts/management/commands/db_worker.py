"""`manage.py db_worker`: django-tasks-db's worker, which survives the database going away.

The library's worker exits on the first error from the database, so a restart of
PostgreSQL (an upgrade, a failover) stopped the sending of email until someone restarted
the worker by hand. This one drops the broken connection, waits (1 s, doubling to 30 s)
and carries on: a task claimed when the database went away is in the same state as after
a crash of the worker, and the tasks queued meanwhile are sent when it comes back.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("django_tasks_db")

FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 30.0
# A worker that has run this long since the database last failed starts over at 1 s.
HEALTHY_SECONDS = 60.0


class Worker(db_worker.Worker):
    def run(self) -> None:
        wait = FIRST_WAIT_SECONDS
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks: done
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() - started > HEALTHY_SECONDS:
                    wait = FIRST_WAIT_SECONDS
                # The error's type only: its text can name the server and the database.
                logger.warning(
                    "Database unavailable (%s); the worker tries again in %.0f s",
                    type(exc).__name__,
                    wait,
                )
                connections.close_all()
                time.sleep(wait)
                wait = min(wait * 2, MAX_WAIT_SECONDS)


class Command(db_worker.Command):
    help = db_worker.Command.help + ", reconnecting when the database restarts"

    def handle(self, *args: Any, **options: Any) -> None:
        # The library's handle() builds its Worker by name from its module and has no hook
        # to pass another class, so this one stands in for it while handle() runs.
        original = db_worker.Worker
        setattr(db_worker, "Worker", Worker)  # noqa: B010 (mypy forbids assigning a class)
        try:
            super().handle(*args, **options)
        finally:
            setattr(db_worker, "Worker", original)  # noqa: B010
