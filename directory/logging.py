"""What keeps a clinician's search (and who made it) out of every log line."""

import logging
import re

# From "?" to the protocol of a request line, whatever is between ("GET /?q=a "b HTTP/1.1"),
# else to the end of the line: a query string can hold quotes and spaces.
_QUERY = re.compile(r"\?(?:.*?(?= HTTP/\d)|.*)")
# C0 controls, DEL, C1 controls and the Unicode line and paragraph separators: a request
# path decoded from %0D%0A must not start a line of its own in a log.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Links that are themselves a key (confirm an address, reset a password, accept an
# invitation, answer from an email without signing in): their key is left out of every log
# line, so that whoever reads a log cannot use a link that still works. A new such URL
# goes here; tests/test_secret_links.py walks the URL conf for `token` and `key` arguments.
SECRET_LINK_PATHS = (
    "accounts/confirm-email",
    "accounts/password/reset/key",
    "organisers/invitations",
    "organisers/still-meeting",
    "organisers/edit",
    "organisers/claims",
)
_SECRET_LINK = re.compile("(/(?:" + "|".join(map(re.escape, SECRET_LINK_PATHS)) + r")/)[^/\s\"'?]+")


def without_query_strings(text: str) -> str:
    return _QUERY.sub("", text) if "?" in text else text


def without_secrets(text: str) -> str:
    """Without query strings, nor the key of a link that is one (SECRET_LINK_PATHS)."""
    return without_query_strings(_SECRET_LINK.sub(r"\1-", text))


def escape_controls(text: str) -> str:
    """Control characters written as escapes (\\r, \\n, \\x1b), so one request is one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class StripQueryStrings(logging.Filter):
    """Removes query strings from log lines (a search may carry a patient's postcode), and
    the keys of links that are one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = without_secrets(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
