"""Deployment checks (`manage.py check --deploy`) for what settings alone cannot see."""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


def _loopback(text: str) -> bool:
    try:
        return ipaddress.ip_network(text, strict=False).is_loopback
    except ValueError:
        return text == "localhost"


@register(Tags.security, deploy=True)
def proxy_named_for_an_open_bind(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """gunicorn open beyond this host (BIND) means a load balancer elsewhere: unless it is
    named in FORWARDED_ALLOW_IPS, every client seems to be the balancer, and they all
    share one rate limit."""
    host = os.environ.get("BIND", "").rpartition(":")[0].strip("[]")
    if not host or _loopback(host):
        return []
    if any(p == "*" or not _loopback(p) for p in settings.FORWARDED_ALLOW_IPS):
        return []
    return [
        Warning(
            f"gunicorn listens on {host} (BIND) but FORWARDED_ALLOW_IPS names only this "
            "host's proxy: every client behind a load balancer would share one rate limit.",
            hint="Set FORWARDED_ALLOW_IPS to the load balancer's address (README, Running "
            "at scale), and let nothing else reach gunicorn.",
            id="accounts.W001",
        )
    ]
