"""gunicorn's logger (`logger_class` in gunicorn.conf.py), kept from recording what a
clinician typed or who they are.

- Access log: no client address, the path without its query string (nor the key of a
  link that is one: directory.logging.SECRET_LINK_PATHS), and every value
  with its control characters escaped, so a path decoded from %0D%0A cannot forge lines.
- Error log: the same for every line, tracebacks included ("Error handling request
  /?near=..." after a worker timed out; "Invalid request from ip=...").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, cast

from gunicorn import glogging

if TYPE_CHECKING:
    from gunicorn.glogging import _AtomsDict
    from gunicorn.http import Request
    from gunicorn.http.wsgi import Response

from directory.logging import escape_controls, without_secrets

_IP = re.compile(r"\bip=\S+?(?=[:,\s]|$)")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return escape_controls(without_secrets(value))
    return value


class PrivateErrorLines(logging.Filter):
    """Every gunicorn error-log record with request-borne text made safe."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _IP.sub("ip=-", _clean(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = without_secrets(trace)
        return True


class Logger(glogging.Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # setup() runs again on a reload: add the filter once.
        if not any(isinstance(f, PrivateErrorLines) for f in self.error_log.filters):
            self.error_log.addFilter(PrivateErrorLines())

    def atoms(
        self,
        resp: Response,
        req: Request,
        environ: MutableMapping[str, Any],
        request_time: dt.timedelta,
    ) -> _AtomsDict:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms.update({"h": "-", "q": "-"})
        # The same keys, each value with its str cleaned, so still the stubs' _AtomsDict.
        return cast("_AtomsDict", {key: _clean(value) for key, value in atoms.items()})
