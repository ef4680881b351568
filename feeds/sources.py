"""What a sync fetches for each format, and what it remembers for the next one."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import parsers
from .fetch import FETCH_MAX_BYTES, FetchError
from .fetch import fetch as get
from .intermediate import FeedError, ParsedFeed
from .models import FeedFormat, Source

HSDS_PER_PAGE = 100
HSDS_MAX_PAGES = 500
# A feed's body waits in memory up to this size, then on disk.
SPOOL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Read:
    """A source's feed, parsed, and what to ask for next time."""

    feed: ParsedFeed
    etag: str = ""
    last_modified: str = ""


def read(source: Source, *, conditional: bool) -> Read | None:
    """The source's feed, parsed; None when it says nothing changed since the last sync.
    Raises FetchError or FeedError."""
    if source.format == FeedFormat.HSDS:
        return Read(parsers.parse(source.format, _hsds_pages(source.url)))
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
        fetched = get(
            source.url,
            etag=source.etag if conditional else "",
            last_modified=source.last_modified if conditional else "",
            sink=body,
        )
        if fetched.not_modified:
            return None
        feed = parsers.read(source.format, body)
    return Read(feed, fetched.etag, fetched.last_modified)


def services_url(base: str, page: int) -> str:
    """The page of /services?full=true under an HSDS API's address (the API's root or its
    /services address both work)."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    query = urlencode({"full": "true", "page": page, "per_page": HSDS_PER_PAGE})
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _hsds_pages(base: str) -> Iterator[Any]:
    """Every page of services, one at a time, within the same size limit as one feed."""
    budget = FETCH_MAX_BYTES
    for number in range(1, HSDS_MAX_PAGES + 1):
        fetched = get(services_url(base, number), max_bytes=budget)
        budget -= len(fetched.body)
        page = parsers.decode(fetched.body)
        if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
            raise FeedError(f"Page {number} of the services is not an HSDS page.")
        yield page
        total = page.get("total_pages")
        if page.get("last_page") is True or not page["contents"]:
            return
        if isinstance(total, int) and number >= total:
            return
    raise FetchError(f"The API has more than {HSDS_MAX_PAGES} pages of services.")


def remember(source: Source, read: Read, now: dt.datetime) -> None:
    """After a healthy sync: what to ask next time (the conditional GET), and how many
    meetings it had (the next sync's health check)."""
    first = source.first_synced_at or now
    Source.objects.filter(pk=source.pk).update(
        etag=read.etag,
        last_modified=read.last_modified,
        meeting_count=read.feed.size,
        first_synced_at=first,
    )
    source.etag, source.last_modified = read.etag, read.last_modified
    source.meeting_count, source.first_synced_at = read.feed.size, first
