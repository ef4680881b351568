"""The elements of a large JSON array, read one at a time from a file.

A Meeting Guide feed or a BMLT answer is one array of up to 20 MB. json.load would hold
the whole document as Python objects at once; this holds one element (and a chunk of
text) at a time, so a sync's memory does not grow with the feed.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from .intermediate import FeedError

CHUNK = 256 * 1024
WHITESPACE = " \t\n\r"


class NotAnArray(Exception):
    """The document is JSON, but not an array (its first character says so)."""

    def __init__(self, first: str) -> None:
        super().__init__(first)
        self.first = first


class _Reader:
    def __init__(self, stream: IO[bytes], chunk: int) -> None:
        self.stream, self.chunk = stream, chunk
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer, self.pos, self.eof = "", 0, False

    def more(self) -> bool:
        """Reads another chunk; False at the end of the file."""
        if self.eof:
            return False
        data = self.stream.read(self.chunk)
        try:
            self.buffer += self.text.decode(data, final=not data)
        except UnicodeDecodeError:
            raise FeedError("The feed is not UTF-8 text.") from None
        self.eof = not data
        return True

    def skip_space(self) -> str:
        """The next character that is not whitespace, or "" at the end."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def value(self, decoder: json.JSONDecoder) -> Any:
        while True:
            try:
                found, end = decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self.more():
                    continue
                raise FeedError(f"The feed is not JSON ({exc.msg}).") from None
            # A number may go on in the next chunk: only trust what ends before the buffer.
            if end == len(self.buffer) and self.more():
                continue
            self.pos = end
            if self.pos > self.chunk:
                self.buffer, self.pos = self.buffer[self.pos :], 0
            return found


def items(stream: IO[bytes], chunk: int = CHUNK) -> Iterator[Any]:
    """Each element of the array the stream holds. Raises NotAnArray before yielding
    anything if the document is something else, FeedError if it is not JSON."""
    reader, decoder = _Reader(stream, chunk), json.JSONDecoder()
    first = reader.skip_space()
    if first != "[":
        raise NotAnArray(first)
    reader.pos += 1
    if reader.skip_space() == "]":
        reader.pos += 1
        return _end(reader)
    while True:
        reader.skip_space()
        yield reader.value(decoder)
        following = reader.skip_space()
        reader.pos += 1
        if following == "]":
            return _end(reader)
        if following != ",":
            raise FeedError("The feed is not JSON (its array is broken).")


def _end(reader: _Reader) -> None:
    if reader.skip_space():
        raise FeedError("The feed is not JSON (something follows its array).")
