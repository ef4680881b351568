"""Issue 13 point 18: the public reading endpoints (/api/groups/, the HSDS API, the
Meeting Guide feed and /export.csv) have a per-client rate limit, generous enough for a
clinic behind one proxy; past it they answer 429 with Retry-After. Counters are kept
under a keyed hash of the client's address, never the address."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import settings as project_settings
from directory.access import RATE_LIMITED
from moderation.models import RateCount
from tests.support.urlwalk import all_patterns

pytestmark = pytest.mark.django_db

CLINIC = "203.0.113.7"  # one proxy address for a whole clinic


@pytest.fixture
def small_limits(settings):
    """The production numbers (checked below) take hundreds of requests to reach."""
    settings.PUBLIC_RATE_LIMITS = {"api": (6, 60), "export": (3, 60)}


def use_up(client, path: str, times: int, address: str = CLINIC) -> None:
    for _ in range(times):
        assert client.get(path, REMOTE_ADDR=address).status_code == 200


def test_the_limits_are_generous_enough_for_a_clinic():
    assert project_settings.PUBLIC_RATE_LIMITS == {"api": (300, 60), "export": (30, 60)}


def test_the_api_and_hsds_share_a_limit_then_answer_429_with_retry_after(client, small_limits):
    use_up(client, "/api/hsds/", 3)
    use_up(client, "/api/groups/", 3)

    for path in [
        "/api/groups/",
        "/api/hsds/services/",
        "/api/groups/1/",
        "/api/meeting-guide.json",
    ]:
        response = client.get(path, REMOTE_ADDR=CLINIC)
        assert response.status_code == 429, path
        assert response["Retry-After"] == "60"
        assert response.json()["errors"]["rate"][0].startswith("Too many requests")
    # Another client is not held back.
    assert client.get("/api/groups/", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_the_csv_download_has_its_own_limit(client, small_limits):
    use_up(client, "/export.csv", 3)

    response = client.get("/export.csv", REMOTE_ADDR=CLINIC)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/plain")
    assert client.get("/api/groups/", REMOTE_ADDR=CLINIC).status_code == 200, "its own count"


def test_pages_and_documents_are_not_limited(client, small_limits):
    use_up(client, "/api/schema/", 8)
    use_up(client, "/about/", 8)


def test_no_counter_keeps_the_clients_address(client):
    use_up(client, "/api/hsds/", 3)
    use_up(client, "/export.csv", 3)

    counts = {c.key: c.count for c in RateCount.objects.all()}
    assert sorted(counts.values()) == [3, 3], "one count per client and bucket"
    assert not any(CLINIC in key for key in counts)


def test_a_request_is_counted_by_one_statement(client, small_limits):
    """The API counts every request: one upsert, not the cache's add() and incr()."""
    use_up(client, "/api/hsds/", 1)
    with CaptureQueriesContext(connection) as captured:
        use_up(client, "/api/hsds/", 1)
    counting = [q["sql"] for q in captured.captured_queries if RateCount._meta.db_table in q["sql"]]
    assert len(counting) == 1, counting
    assert not any("directory_cache" in q["sql"] for q in captured.captured_queries)


def test_a_window_that_has_ended_counts_from_one_again(client, small_limits):
    use_up(client, "/api/groups/", 6)
    assert client.get("/api/groups/", REMOTE_ADDR=CLINIC).status_code == 429
    RateCount.objects.update(expires=int(time.time()))  # the window ends now

    use_up(client, "/api/groups/", 6)

    assert client.get("/api/groups/", REMOTE_ADDR=CLINIC).status_code == 429


def test_every_hsds_and_search_api_url_has_a_limit(db):
    """A new endpoint under /api/groups/ or /api/hsds/ must be added to RATE_LIMITED; the
    Meeting Guide feed, every meeting in one answer, shares their limit."""
    reading = [
        p
        for p in all_patterns()
        if p.route.startswith(("api/groups/", "api/hsds/"))
        or p.route in ("export.csv", "api/meeting-guide.json")
    ]
    assert len(reading) >= 15
    assert [p.label for p in reading if p.view_name not in RATE_LIMITED] == []
