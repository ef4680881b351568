"""Production settings with the rate limits raised, for bench/load.py and bench/run.py.

The load script signs ten organisers in from one address (127.0.0.1) and keeps them
busy for a minute; the limits that protect the sign-in page from guessing would count
them as one client, as the public API's per-client limits would count wrk's and the
load script's clinicians. Only the gunicorn that they start reads this module
(DJANGO_SETTINGS_MODULE=bench.load_settings), so the limits are back to normal the
moment it stops, and production settings have no switch that turns them down.
"""

import re

from directory.settings import *  # noqa: F403

RAISE_BY = 100


def raised(spec: str) -> str:
    """An allauth rate-limit spec ("10/m/ip,5/5m/key") with every count multiplied."""
    return re.sub(r"(^|,)(\d+)/", lambda m: f"{m[1]}{int(m[2]) * RAISE_BY}/", spec)


# allauth merges this over its own defaults: raise ours, and its sign-in limit (30/m/ip).
_production = {"login": "30/m/ip", **(globals().get("ACCOUNT_RATE_LIMITS") or {})}
ACCOUNT_RATE_LIMITS = {action: raised(spec) for action, spec in _production.items() if spec}
# The public reading endpoints' per-client limits (directory.access).
PUBLIC_RATE_LIMITS = {
    bucket: (requests * RAISE_BY, seconds)
    for bucket, (requests, seconds) in PUBLIC_RATE_LIMITS.items()  # noqa: F405
}
