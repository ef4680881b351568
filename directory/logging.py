"""What keeps a clinician's search (and who made it) out of every log line."""

import logging
import re

# From "?" to the protocol of a request line, whatever is between ("GET /?q=a "b HTTP/1.1"),
# else to the end of the line: a query string can hold quotes and spaces.
_QUERY = re.compile(r"\?(?:.*?(?= HTTP/\d)|.*)")
# C0 controls, DEL, C1 controls and the Unicode line and paragraph separators: a request
# path decoded from %0D%0A must not start a line of its own in a log.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def without_query_strings(text: str) -> str:
    return _QUERY.sub("", text) if "?" in text else text


def escape_controls(text: str) -> str:
    """Control characters written as escapes (\\r, \\n, \\x1b), so one request is one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class StripQueryStrings(logging.Filter):
    """Removes query strings from log lines: a search may carry a patient's postcode."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = without_query_strings(message)
            record.args = None
        return True
