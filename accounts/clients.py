"""Who a request comes from, for rate limits and sign-in throttling.

A client is its own address unless the request came through a proxy we were told about
(FORWARDED_ALLOW_IPS, the same setting gunicorn reads for X-Forwarded-Proto; loopback
by default, for the proxy on the same host that the production recipe puts in front).
Only then is X-Forwarded-For read, from the right: each proxy appends the address it saw,
so the client is the rightmost entry that is not one of our proxies. Anything further
left was written by the client and proves nothing.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _proxies(allowed: tuple[str, ...]) -> tuple[bool, tuple[Network, ...]]:
    """(whether any peer counts as a proxy ("*"), the listed proxy networks)."""
    networks = tuple(ipaddress.ip_network(a, strict=False) for a in allowed if a != "*")
    return "*" in allowed, networks


def _listed(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client behind a request, as far as it can be known."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    any_peer, networks = _proxies(tuple(settings.FORWARDED_ALLOW_IPS))
    if not forwarded or not (any_peer or _listed(peer, networks)):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _listed(hop, networks):
            return hop
    return hops[0] if hops else peer
