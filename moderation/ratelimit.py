"""A small rate limit for anonymous forms, kept in the shared (database) cache under a
keyed hash of the client's address: no address is ever stored."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from accounts.adapter import request_client_key


def allow(request: HttpRequest, action: str, *, limit: int, seconds: int) -> bool:
    """Counts one use of action by this client; False once it has been used limit times
    in the window."""
    key = f"rl:{action}:{request_client_key(request)}"
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit
