"""Reports evidence web addresses that no longer answer. It changes nothing."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO

from django.core.management.base import BaseCommand, CommandParser

from evidence.models import Evidence

USER_AGENT = "mutual-aid-directory-link-checker"


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    detail: str


class _SameMethodRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect with the method asked, so HEAD stays HEAD (Python 3.12's urllib
    turned it into GET, and would download the page the HEAD was meant to spare)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None:
            redirected.method = req.get_method()
        return redirected


_opener = urllib.request.build_opener(_SameMethodRedirects)


def check_url(url: str, timeout: float) -> LinkResult:
    """HEAD, then GET when HEAD fails; redirects are followed. Only http(s) is asked."""
    if not url.lower().startswith(("http://", "https://")):
        return LinkResult(False, "not a web address")
    result = _ask(url, "HEAD", timeout)
    if result.ok:
        return result
    return _ask(url, "GET", timeout)


def _ask(url: str, method: str, timeout: float) -> LinkResult:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310 (only http and https reach here)
    try:
        with _opener.open(request, timeout=timeout) as response:
            if method == "GET":
                response.read(1024)
            return LinkResult(True, f"{response.status}")
    except urllib.error.HTTPError as error:
        return LinkResult(False, f"HTTP {error.code}")
    except urllib.error.URLError as error:
        return LinkResult(False, f"no answer ({error.reason})")
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        return LinkResult(False, f"no answer ({error.__class__.__name__}: {error})")


class Command(BaseCommand):
    help = (
        "Checks the web address of every evidence record (HEAD, then GET) and lists those "
        "that no longer answer. It changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="Seconds to wait for each address."
        )
        parser.add_argument(
            "--published-only", action="store_true", help="Skip unpublished records."
        )

    def handle(self, *args, timeout: float, published_only: bool, **options) -> None:
        records = Evidence.objects.exclude(url="").order_by("key")
        if published_only:
            records = records.published()
        checked = broken = 0
        for record in records.only("key", "url"):
            checked += 1
            result = check_url(record.url, timeout)
            if not result.ok:
                broken += 1
                self.stdout.write(f"{record.key}: {record.url} ({result.detail})")
        summary = f"Checked {checked} web address{'es' if checked != 1 else ''}: "
        summary += (
            f"{broken} no longer answer{'s' if broken == 1 else ''}." if broken else "all answer."
        )
        self.stdout.write(self.style.WARNING(summary) if broken else self.style.SUCCESS(summary))
