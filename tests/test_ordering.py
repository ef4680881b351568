"""Issue 14 point 8: one order of results near a place, for the page, the API and HSDS."""

import datetime as dt

from groups.models import months_between, stale_on_or_before
from tests.conftest import LS6, offset

MILE = 1.609344


def test_bands_then_current_before_out_of_date_then_distance(client, make_group, ls6, today):
    old = today - dt.timedelta(days=400)
    make_group("Stale 1 mile", at=offset(LS6, km_north=1 * MILE), last_verified=old)
    make_group("Current 1.5 miles", at=offset(LS6, km_north=1.5 * MILE))
    make_group("Current 3 miles", at=offset(LS6, km_north=3 * MILE))
    make_group("Stale 0.5 miles", at=offset(LS6, km_north=0.5 * MILE), last_verified=None)
    make_group("Current 6 miles", at=offset(LS6, km_north=6 * MILE))
    make_group("Stale 4 miles", at=offset(LS6, km_north=4 * MILE), last_verified=old)
    make_group("Current 30 miles", at=offset(LS6, km_north=30 * MILE))
    make_group("Current 12 miles", at=offset(LS6, km_north=12 * MILE))
    make_group("Online", format="online")
    expected = [
        "Current 1.5 miles",  # within 2 miles: current first
        "Stale 0.5 miles",
        "Stale 1 mile",
        "Current 3 miles",  # within 5
        "Stale 4 miles",
        "Current 6 miles",  # within 10
        "Current 12 miles",  # within 25
        "Current 30 miles",  # beyond
        "Online",
    ]
    query = {"near": "LS6", "radius_km": "100", "include_online": "true"}
    api = [r["name"] for r in client.get("/api/groups/", query).json()["results"]]
    assert api == expected
    page = client.get("/", query).content.decode()
    positions = [page.index(f">{name}</a>") for name in expected]
    assert positions == sorted(positions)


def test_the_staleness_cutoff_agrees_with_months_between():
    day = dt.date(2023, 1, 1)
    while day < dt.date(2025, 3, 5):
        cutoff = stale_on_or_before(day)
        assert months_between(cutoff, day) >= 12, day
        assert months_between(cutoff + dt.timedelta(days=1), day) < 12, day
        day += dt.timedelta(days=1)
