"""Each format's parser: JSON in, feeds.intermediate.ParsedFeed out."""

from __future__ import annotations

import json
from typing import Any

from ..intermediate import FeedError, ParsedFeed
from ..models import FeedFormat
from . import bmlt, hsds, meeting_guide


def decode(body: bytes) -> Any:
    """A response body as JSON, or FeedError."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedError("The feed is not UTF-8 text.") from None
    except ValueError as exc:
        raise FeedError(f"The feed is not JSON ({exc.msg} at line {exc.lineno}).") from None


def parse(fmt: str, documents: list[Any]) -> ParsedFeed:
    """The groups in a feed's JSON: one document, or (HSDS) its pages in order."""
    if fmt == FeedFormat.HSDS:
        return hsds.parse(documents)
    parser = {FeedFormat.MEETING_GUIDE: meeting_guide, FeedFormat.BMLT: bmlt}[FeedFormat(fmt)]
    return parser.parse(documents[0])
