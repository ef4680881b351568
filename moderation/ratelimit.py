"""A small rate limit for anonymous forms and the public reading endpoints, counted in
RateCount under a keyed hash of the client's address: no address is ever stored.

Each use is counted by one statement (an upsert returning the new count): the public API
counts every request, and the database cache's add() and incr() took about a dozen
statements in two transactions to do the same."""

from __future__ import annotations

import time

from django.db import connections, router
from django.http import HttpRequest

from accounts.adapter import request_client_key

from .models import RateCount


def allow(request: HttpRequest, action: str, *, limit: int, seconds: int) -> bool:
    """Counts one use of action by this client; False once it has been used limit times
    in the window, which begins at the client's first use and lasts seconds."""
    return count_use(f"rl:{action}:{request_client_key(request)}", seconds) <= limit


def count_use(key: str, seconds: int) -> int:
    """Adds one to key's count in its window and returns the count; a window that has
    ended starts again at 1. Atomic under concurrent requests (ON CONFLICT)."""
    # Always the primary: the count is written (a replica router sends reads elsewhere).
    connection = connections[router.db_for_write(RateCount)]
    table = connection.ops.quote_name(RateCount._meta.db_table)
    now = int(time.time())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS counted (key, count, expires) VALUES (%s, 1, %s)"  # noqa: S608
            " ON CONFLICT (key) DO UPDATE SET"
            " count = CASE WHEN counted.expires <= %s THEN 1 ELSE counted.count + 1 END,"
            " expires = CASE WHEN counted.expires <= %s THEN excluded.expires"
            " ELSE counted.expires END"
            " RETURNING count",
            [key, now + seconds, now, now],
        )
        return cursor.fetchone()[0]


def purge_expired_counts() -> int:
    """Deletes the counts whose window has ended; returns how many."""
    deleted, _ = RateCount.objects.filter(expires__lte=int(time.time())).delete()
    return deleted
