import logging
import re

# From "?" to the protocol of a request line, whatever is between ("GET /?q=a "b HTTP/1.1"),
# else to the end of the line: a query string can hold quotes and spaces.
_QUERY = re.compile(r"\?(?:.*?(?= HTTP/\d)|.*)")


class StripQueryStrings(logging.Filter):
    """Removes query strings from log lines: a search may carry a patient's postcode."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _QUERY.sub("", message)
            record.args = None
        return True
