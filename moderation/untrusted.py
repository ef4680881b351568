"""Text that nobody moderated (a reporter's details, a draft's name) in our email: never in
a subject, and in a body without anything a mail program turns into a live link."""

from __future__ import annotations

import re

# Web addresses with or without a scheme, bare domains (example.org/path) and email
# addresses: what mail programs make clickable in plain text.
LINK_LIKE_RE = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
    r"|\b(?:[\w-]+\.)+[a-z]{2,}\b(?:/\S*)?"
)


def defang(text: str) -> str:
    """The text with its links made inert and still readable: "https://evil.example/x"
    becomes "https[:]//evil[.]example/x", an address "a[at]b[.]org"."""

    def inert(match: re.Match[str]) -> str:
        link = match.group(0)
        return link.replace("://", "[:]//").replace("@", "[at]").replace(".", "[.]")

    return LINK_LIKE_RE.sub(inert, text)
