"""Each format's parser: JSON in, feeds.intermediate.ParsedFeed out."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from .. import jsonstream
from ..intermediate import FeedError, ParsedFeed
from ..models import FeedFormat
from . import bmlt, hsds, meeting_guide


def decode(body: bytes) -> Any:
    """A response body as JSON, or FeedError."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedError("The feed is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise FeedError(f"The feed is not JSON ({exc.msg} at line {exc.lineno}).") from None


def parse(fmt: str, documents: Iterable[Any]) -> ParsedFeed:
    """The groups in a feed's JSON: one document, or (HSDS) its pages in order."""
    if fmt == FeedFormat.HSDS:
        return hsds.parse(documents)
    return _parser(fmt).parse(next(iter(documents)))


def read(fmt: str, file: IO[bytes]) -> ParsedFeed:
    """A Meeting Guide or BMLT feed from a file, its array read one element at a time."""
    file.seek(0)
    try:
        return _parser(fmt).parse(jsonstream.items(file))
    except jsonstream.NotAnArray as exc:
        if exc.first == "{":  # BMLT's answer with get_used_formats, or not a feed at all
            file.seek(0)
            return _parser(fmt).parse(decode(file.read()))
        what = "empty" if not exc.first else "not JSON"
        raise FeedError(f"The feed is {what}.") from None


def _parser(fmt: str) -> Any:
    return {FeedFormat.MEETING_GUIDE: meeting_guide, FeedFormat.BMLT: bmlt}[FeedFormat(fmt)]
