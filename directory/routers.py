"""Reads from a streaming replica (REPLICA_DATABASE_URL), for anonymous public reading only.

A request reads from the replica only while ReplicaReadsMiddleware says so: an anonymous
GET or HEAD of one of the PUBLIC_READS pages below. Everything else reads the primary:
writes, every request from a signed-in user (an organiser who has just saved sees their
change, however far the replica lags), POSTs, the pages behind an emailed link (they read
a key written a moment ago), management commands and tasks. Sessions, the rate-limit
counts and the cache table always use the primary: they are written by the very requests
that read them, and a counter read from a lagging copy would never reach its limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, OperationalError, models
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

REPLICA = "replica"

# The pages whose data is published listings and evidence: what a lag of a second or two
# cannot make wrong for a reader, and that strangers may request as often as they like.
PUBLIC_READS = frozenset(
    {
        "groups:search",
        "groups:detail",
        "groups:about",
        "groups:api-group-list",
        "groups:api-group-detail",
        "evidence:library",
        "evidence:gap-map",
        "evidence:detail",
        "evidence:how-we-rate",
        "referrals:shortlist",
        "referrals:sheet",
        "referrals:text",
        "referrals:group_sheet",
        "referrals:group_text",
        "referrals:calendar",
        "referrals:patient",
        "exchange:hsds_root",
        "exchange:hsds_services",
        "exchange:hsds_service",
        "exchange:hsds_organizations",
        "exchange:hsds_organization",
        "exchange:hsds_taxonomies",
        "exchange:hsds_taxonomy",
        "exchange:hsds_terms",
        "exchange:hsds_term",
        "exchange:hsds_service_at_locations",
        "exchange:hsds_service_at_location",
        "exchange:meeting_guide",
        "exchange:search_export",
    }
)

# Written by the requests that read them, so read where they are written: sessions, the
# rate-limit counts, and the database cache's table (a stand-in model with these names).
PRIMARY_ONLY = frozenset(
    {("sessions", "session"), ("moderation", "ratecount"), ("django_cache", "cacheentry")}
)

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads of published data go to the replica."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type[models.Model], **hints: object) -> str:
        kept_on_primary = (model._meta.app_label, model._meta.model_name) in PRIMARY_ONLY
        return REPLICA if _reading_replica.get() and not kept_on_primary else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[models.Model], **hints: object) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: object) -> bool:
        # The replica is a copy of the primary: a row read from either is the same row.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        # The replica is read-only; it gets the schema by replication.
        return db == DEFAULT_DB_ALIAS


def reads_from_replica(request: HttpRequest) -> bool:
    match = request.resolver_match
    return (
        request.method in ("GET", "HEAD")
        and match is not None
        and match.view_name in PUBLIC_READS
        and not request.user.is_authenticated
    )


def _streamed_from_replica(content: Iterator[bytes]) -> Iterator[bytes]:
    with replica_reads():
        yield from content


class ReplicaReadsMiddleware:
    """Sends an anonymous public read to the replica: from the view (once the access
    checks and rate limits before it have read the primary) until the response leaves
    this middleware, and while a streamed answer (the CSV download) is read out. Not used
    without a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if REPLICA not in settings.DATABASES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _reading_replica.set(False)
        try:
            response = self.get_response(request)
            if _reading_replica.get() and isinstance(response, StreamingHttpResponse):
                content = response.streaming_content
                if isinstance(content, Iterator):  # not an async one: WSGI reads it here
                    response.streaming_content = _streamed_from_replica(content)
            return response
        finally:
            _reading_replica.reset(token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if reads_from_replica(request):
            _reading_replica.set(True)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """A replica that is down, or that cancelled a read to replay the primary's changes,
        costs the reader nothing: the same page is read again from the primary. (A CSV
        download that fails part way through has begun and cannot start again.)"""
        if not (_reading_replica.get() and isinstance(exception, OperationalError)):
            return None
        # Only the error's class: its text may quote the statement, whose values (a
        # postcode, a keyword) must never reach a log.
        logger.warning(
            "Read from the replica failed (%s): read from the primary", type(exception).__name__
        )
        _reading_replica.set(False)
        match = request.resolver_match
        if match is None:  # never: process_view, which set the flag, had it
            return None
        return match.func(request, *match.args, **match.kwargs)
