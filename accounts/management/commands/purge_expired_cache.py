"""Deletes the database cache's expired entries and the rate limits' ended counts.

Django deletes them only when the table outgrows its MAX_ENTRIES, so without this a rate
limit's count (a keyed hash of a client's address or of a typed email address) would stay
on disk long after it stopped counting, against what the privacy notices say. Run it
hourly from cron (README)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management.base import BaseCommand
from django.db import connections, router
from django.utils import timezone

from moderation.ratelimit import purge_expired_counts


def purge_expired(alias: str = "default") -> int:
    """Deletes the entries of a database cache that have expired; returns how many."""
    cache = caches[alias]
    if not isinstance(cache, DatabaseCache):
        return 0
    connection = connections[router.db_for_write(cache.cache_model_class)]
    table = connection.ops.quote_name(cache.cache_model_class._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now])  # noqa: S608
        return cursor.rowcount


class Command(BaseCommand):
    help = "Deletes expired cache entries and rate-limit counts. Run hourly."

    def handle(self, *args: object, **options: Any) -> None:
        deleted = sum(purge_expired(alias) for alias in settings.CACHES)
        counts = purge_expired_counts()
        if int(options["verbosity"]) > 1:
            self.stdout.write(f"Deleted {deleted} expired cache entries, {counts} rate counts.")
