"""What a sync fetches for each format, and what it remembers for the next one."""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True)
class Documents:
    """A feed's JSON: one document, or an HSDS API's pages in order."""

    documents: list[Any]
    etag: str = ""
    last_modified: str = ""


def fetch(source: Source, *, conditional: bool) -> Documents | None:
    """The source's JSON, or None when it says nothing changed since the last sync.
    Raises FetchError or FeedError."""
    if source.format == FeedFormat.HSDS:
        return Documents(_hsds_pages(source.url))
    fetched = get(
        source.url,
        etag=source.etag if conditional else "",
        last_modified=source.last_modified if conditional else "",
    )
    if fetched.not_modified:
        return None
    return Documents([parsers.decode(fetched.body)], fetched.etag, fetched.last_modified)


def services_url(base: str, page: int) -> str:
    """The page of /services?full=true under an HSDS API's address (the API's root or its
    /services address both work)."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    query = urlencode({"full": "true", "page": page, "per_page": HSDS_PER_PAGE})
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _hsds_pages(base: str) -> list[Any]:
    """Every page of services, within the same size limit as one feed."""
    pages: list[Any] = []
    budget = FETCH_MAX_BYTES
    for number in range(1, HSDS_MAX_PAGES + 1):
        fetched = get(services_url(base, number), max_bytes=budget)
        budget -= len(fetched.body)
        page = parsers.decode(fetched.body)
        if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
            raise FeedError(f"Page {number} of the services is not an HSDS page.")
        pages.append(page)
        if page.get("last_page") is True or not page["contents"]:
            return pages
        total = page.get("total_pages")
        if isinstance(total, int) and number >= total:
            return pages
    raise FetchError(f"The API has more than {HSDS_MAX_PAGES} pages of services.")


def parse(source: Source, fetched: Documents) -> ParsedFeed:
    return parsers.parse(source.format, fetched.documents)


def remember(source: Source, fetched: Documents, now: dt.datetime, *, meetings: int) -> None:
    """After a healthy sync: what to ask next time (the conditional GET), and how many
    meetings it had (the next sync's health check)."""
    first = source.first_synced_at or now
    Source.objects.filter(pk=source.pk).update(
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        meeting_count=meetings,
        first_synced_at=first,
    )
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.meeting_count, source.first_synced_at = meetings, first
