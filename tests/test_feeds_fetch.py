"""Fetching feeds (issue 14, point 2's fetching): a real server on 127.0.0.1, real sockets.

The limits: 30 s in all, 20 MB, a conditional GET, and no private, loopback or link-local
address (every address a name resolves to, and every redirect) unless
FEEDS_ALLOW_PRIVATE is on.
"""

from __future__ import annotations

import gzip
import ipaddress

import pytest

from feeds.fetch import FetchError, fetch, public_only
from tests.support.feeds import FeedServer

pytestmark = pytest.mark.django_db  # conftest's autouse cache fixture needs the database


@pytest.fixture
def server():
    served = FeedServer()
    yield served
    served.close()


@pytest.fixture(autouse=True)
def _allow_private(settings):
    settings.FEEDS_ALLOW_PRIVATE = True


def test_it_fetches_and_then_asks_conditionally(server):
    url = server.serve("/feed.json", [{"name": "A"}])

    first = fetch(url)
    again = fetch(url, etag=first.etag, last_modified=first.last_modified)

    assert first.body == b'[{"name": "A"}]'
    assert first.etag and first.last_modified
    assert again.not_modified and again.body == b""
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == first.etag
    assert headers["If-Modified-Since"] == first.last_modified


def test_it_refuses_loopback_and_private_addresses_unless_allowed(server, settings):
    url = server.serve("/feed.json", [])
    settings.FEEDS_ALLOW_PRIVATE = False

    with pytest.raises(FetchError, match="private, loopback or link-local"):
        fetch(url)

    assert server.requests == []  # refused before connecting


PRIVATE = "127.0.0.1 10.1.2.3 172.16.0.1 192.168.1.1 169.254.169.254 100.64.0.1 0.0.0.0 ::1"
PRIVATE += " fe80::1 fc00::1 ::ffff:127.0.0.1 224.0.0.1"


@pytest.mark.parametrize("address", PRIVATE.split())
def test_only_public_addresses_pass_the_default_policy(address):
    assert not public_only(ipaddress.ip_address(address))


def test_a_public_address_passes():
    assert public_only(ipaddress.ip_address("151.101.0.223"))
    assert public_only(ipaddress.ip_address("2a04:4e42::223"))


def test_every_address_a_name_resolves_to_is_checked(server):
    """A name with a public address and a private one is refused (the resolver stands in
    for DNS, which tests cannot reach)."""
    url = server.serve("/feed.json", []).replace("127.0.0.1", "feeds.example.org")
    allowed = {ipaddress.ip_address("127.0.0.1")}

    def resolve(host, port, **kwargs):
        return [(2, 1, 6, "", ("127.0.0.1", port)), (2, 1, 6, "", ("10.0.0.7", port))]

    with pytest.raises(FetchError, match=r"10\.0\.0\.7"):
        fetch(url, policy=lambda a: a in allowed, resolver=resolve)
    assert server.requests == []


def test_a_redirect_to_a_refused_address_is_refused(server):
    """The first hop is allowed; the redirect's target (127.0.0.2) is not."""
    other = FeedServer(host="127.0.0.2")
    try:
        target = other.serve("/internal.json", [{"secret": True}])
        url = server.serve("/feed.json", raw=b"", status=302, headers={"Location": target})
        allowed = {ipaddress.ip_address("127.0.0.1")}

        with pytest.raises(FetchError, match=r"127\.0\.0\.2"):
            fetch(url, policy=lambda a: a in allowed)

        assert other.requests == []
    finally:
        other.close()


def test_it_follows_redirects_it_may_follow(server):
    server.serve("/new.json", [1, 2])
    url = server.serve("/old.json", raw=b"", status=301, headers={"Location": "/new.json"})

    fetched = fetch(url)

    assert fetched.body == b"[1, 2]"
    assert fetched.url.endswith("/new.json")


def test_a_redirect_loop_stops(server):
    url = server.serve("/loop.json", raw=b"", status=302, headers={"Location": "/loop.json"})

    with pytest.raises(FetchError, match="redirects"):
        fetch(url)


def test_a_feed_over_the_size_cap_is_refused(server):
    url = server.serve("/big.json", raw=b"[" + b"0," * 600 + b"0]")

    with pytest.raises(FetchError, match="larger than"):
        fetch(url, max_bytes=1000)


def test_the_cap_holds_without_a_content_length(server):
    """A server that streams (no length) is cut off once it passes the cap."""
    url = server.serve("/stream.json", raw=b"[" + b"0," * 600 + b"0]")
    server.answers["/stream.json"].headers["Connection"] = "close"
    server.answers["/stream.json"].headers["Content-Length"] = ""

    with pytest.raises(FetchError, match="larger than"):
        fetch(url, max_bytes=1000)


def test_the_cap_counts_what_gzip_unpacks_to(server):
    packed = gzip.compress(b"[" + b"0," * 50_000 + b"0]")
    url = server.serve("/bomb.json", raw=packed, headers={"Content-Encoding": "gzip"})

    with pytest.raises(FetchError, match="larger than"):
        fetch(url, max_bytes=10_000)
    assert len(packed) < 10_000


def test_a_gzipped_feed_is_read(server):
    url = server.serve(
        "/feed.json", raw=gzip.compress(b"[1]"), headers={"Content-Encoding": "gzip"}
    )

    assert fetch(url).body == b"[1]"


def test_a_slow_server_times_out(server):
    url = server.serve("/slow.json", [], delay=2.0)

    with pytest.raises(FetchError, match="in time"):
        fetch(url, timeout=0.5)


def test_an_error_answer_is_a_failure(server):
    url = server.serve("/down.json", raw=b"oops", status=503)

    with pytest.raises(FetchError, match="503"):
        fetch(url)


def test_an_unreachable_host_is_a_failure(server):
    url = server.url("/feed.json")
    server.close()

    with pytest.raises(FetchError, match="Could not reach"):
        fetch(url)


@pytest.mark.parametrize("url", ["ftp://example.org/feed.json", "file:///etc/passwd", "x"])
def test_only_web_addresses_are_fetched(url):
    with pytest.raises(FetchError, match="not an http or https address"):
        fetch(url)
