"""Fetching a feed: the only place the directory reaches out to the internet.

Admins type these addresses, so a fetch must not become a way into our own network:
the host is resolved here, every address it resolves to must be a public one (unless
FEEDS_ALLOW_PRIVATE is on, as in tests), and the connection goes to an address that was
checked, so the name cannot resolve elsewhere in between. Each redirect is checked the
same way. A fetch gives up after FETCH_TIMEOUT seconds in all and FETCH_MAX_BYTES of
content (after decompression), and asks with If-None-Match / If-Modified-Since so an
unchanged feed costs one small answer.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings

FETCH_TIMEOUT = 30.0
FETCH_MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[Address], bool]
# socket.getaddrinfo's signature, as far as we use it: (host, port, type=...) -> infos.
Resolver = Callable[..., list[Any]]


class FetchError(Exception):
    """The feed could not be fetched; the message says why, for its admins."""


@dataclass(frozen=True)
class Fetched:
    url: str
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


def public_only(address: Address) -> bool:
    """Public addresses only: no private, loopback, link-local, shared or reserved ones
    (an IPv6 address that carries an IPv4 one is judged by that)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def default_policy() -> AddressPolicy:
    return (lambda address: True) if settings.FEEDS_ALLOW_PRIVATE else public_only


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = FETCH_MAX_BYTES,
    policy: AddressPolicy | None = None,
    resolver: Resolver = socket.getaddrinfo,
    sink: IO[bytes] | None = None,
) -> Fetched:
    """GETs url, following redirects, within the time and size limits. The content is the
    answer's body, or is written to sink (a file) when one is given, so a large feed need
    not be held in memory. Raises FetchError."""
    policy = policy or default_policy()
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        host, addresses = _resolve(url, policy, resolver)
        connection, response = _request(url, host, addresses, etag, last_modified, deadline)
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location", "")
                if not location:
                    raise FetchError(f"{url} redirected without saying where to.")
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return Fetched(url, True, etag=etag, last_modified=last_modified)
            if response.status != 200:
                raise FetchError(f"The server answered {response.status} {response.reason}.")
            body = _read(connection, response, deadline, max_bytes, sink)
            return Fetched(
                url,
                False,
                body,
                etag=response.getheader("ETag", "")[:300],
                last_modified=response.getheader("Last-Modified", "")[:100],
            )
        finally:
            response.close()
            connection.release()
    raise FetchError(f"More than {MAX_REDIRECTS} redirects.")


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to an address checked beforehand; TLS still checks the
    certificate against the host name."""

    def __init__(self, host: str, port: int, *, addresses: list[str], tls, timeout) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses, self.tls = addresses, tls
        self.socket: socket.socket | None = None

    def connect(self) -> None:
        last: OSError | None = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
            except OSError as exc:
                last = exc
                continue
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host) if self.tls else sock
            self.socket = self.sock
            return
        raise last or OSError("no address to connect to")

    def close(self) -> None:
        """http.client hands the socket to a response that will close it; we keep it open
        (each read sets its timeout to the time left) and release() closes it."""
        self.sock = None
        super().close()

    def release(self) -> None:
        super().close()
        if self.socket is not None:
            self.socket.close()


def _request(
    url: str, host: str, addresses: list[str], etag: str, last_modified: str, deadline: float
):
    parts = urlsplit(url)
    port = _port(parts)
    tls = ssl.create_default_context() if parts.scheme == "https" else None
    connection = _PinnedConnection(
        host, port, addresses=addresses, tls=tls, timeout=_left(deadline)
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "User-Agent": f"mutual-aid-directory-feeds/1.0 (+{settings.SITE_URL})",
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        connection.request("GET", path, headers=headers)
        return connection, connection.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        connection.release()
        raise FetchError(f"Could not reach {parts.hostname}: {_why(exc)}") from None


def _port(parts: Any) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _resolve(url: str, policy: AddressPolicy, resolver: Resolver) -> tuple[str, list[str]]:
    """The URL's host and every address it has, each allowed by the policy; else
    FetchError."""
    parts = urlsplit(url)
    try:
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError
        host, port = parts.hostname, _port(parts)
    except ValueError:
        raise FetchError(f"{url[:200]} is not an http or https address.") from None
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"Could not find {host}: {_why(exc)}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [a for a in addresses if not policy(ipaddress.ip_address(a.split("%")[0]))]
    if refused or not addresses:
        raise FetchError(
            f"{host} is at a private, loopback or link-local address ({', '.join(refused)}): "
            "feeds are fetched from public addresses only."
        )
    return host, addresses


def _read(connection, response, deadline: float, max_bytes: int, sink: IO[bytes] | None) -> bytes:
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"The feed is larger than {max_bytes // (1024 * 1024)} MB.")
    gzipped = response.getheader("Content-Encoding", "").lower() in {"gzip", "x-gzip"}
    inflate = zlib.decompressobj(wbits=47) if gzipped else None
    parts, size = [], 0
    while True:
        connection.socket.settimeout(_left(deadline))
        try:
            chunk = response.read(CHUNK)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"The feed stopped part way: {_why(exc)}") from None
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise FetchError("The feed's gzip compression is broken.") from None
        if sink is not None:
            sink.write(chunk)
        else:
            parts.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"The feed is larger than {max_bytes // (1024 * 1024)} MB.")
    return b"".join(parts)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError("No complete answer in time (the limit is 30 seconds).")
    return left


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    return str(exc) or type(exc).__name__
