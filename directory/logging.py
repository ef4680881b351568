import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class StripQueryStrings(logging.Filter):
    """Removes query strings from log lines: a search may carry a patient's postcode."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _QUERY.sub("", message)
            record.args = None
        return True
