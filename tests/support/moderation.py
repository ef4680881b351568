"""Helpers for tests that decide on a listing as a moderator would."""

from __future__ import annotations

import re


def seen_version(client, url: str) -> str:
    """The version the review page shows (what its approve form carries)."""
    page = client.get(url).content.decode()
    return re.search(r'name="version" value="([^"]*)"', page).group(1)


def decide(client, url: str, action: str = "approve", **data):
    """Opens the review page, then approves (or turns down) what it showed."""
    return client.post(url, {"action": action, "version": seen_version(client, url), **data})
