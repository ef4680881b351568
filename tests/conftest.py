"""Shared fixtures. Tests run on PostgreSQL under `make test` (SQLite if it is missing)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from groups.importing import parse_meetings
from groups.models import Audience, Condition, Group, GroupType, Place
from groups.services import GroupValues, save_group
from tests.support.database import remember_migrated_state, restore_migrated_state
from tests.support.migrated import dump_migrated

LS6 = (53.8195, -1.5755)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """A live server's request threads close their database connection after each
    request, so none is left open when the test database is dropped. A replica
    (REPLICA_DATABASE_URL) is set aside: a test reads its own writes, which only the
    test database's own connection sees (tests/test_replica.py starts a real one)."""
    from django.conf import settings

    settings.DATABASES.pop("replica", None)
    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0


# What makes pytest-django create the test database for a test.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _needs_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & fixtures)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Passwords are hashed with MD5 in tests: the real hasher spends about half a second
    per hash by design, and every organiser, moderator and sign-in makes one. Tests of
    hashing itself set PASSWORD_HASHERS; production's settings run in a process of their
    own (tests/support/production.py) with the real hasher."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database, migrated; what the migrations seeded is remembered so that it
    can be put back after a flush (tests/support/database.py), and on PostgreSQL dumped
    for the tests that need a migrated database of their own (tests/support/migrated.py).
    A run of tests that need no database makes none, and there is nothing to remember."""
    if any(_needs_database(item) for item in request.session.items):
        with django_db_blocker.unblock():
            remember_migrated_state()
            dump_migrated(tmp_path_factory.getbasetemp() / "migrated.sql")


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """A folder shared by every test process of this run (pytest-xdist's workers each
    have a folder of their own inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    fixtures = getattr(item, "fixturenames", ())
    return bool(marked) or "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that roll back run first, then the transactional ones (each empties the
    database after it), then the browser tests that share the sample data (`demo_site`).
    pytest-django sorts this way too, but pytest's grouping of the browser tests by their
    parametrized browser undoes it, so it is done again here, last."""

    def order(item: pytest.Item) -> int:
        if "demo_site" in getattr(item, "fixturenames", ()):
            return 2
        return 1 if _transactional(item) else 0

    items.sort(key=order)


@pytest.fixture(autouse=True)
def _as_migrated(request):
    """A transactional test (one whose data another thread or process must see, such as a
    live server's) empties the database after it. The next starts with what the
    migrations seeded, put back from the copy taken when the database was made, so no
    test depends on the order. (Django's serialized rollback would do the same, but the
    copy it keeps on the connection is out of reach once Playwright runs an event loop.)"""
    if _transactional(request.node):
        request.getfixturevalue("transactional_db")
        restore_migrated_state()


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_setup, django_db_blocker):
    """Each test starts with an empty cache (rate limits count in it; it is a table in the
    test database) and with nothing held in process memory (taxonomies, sample banner).
    A session of tests that never touch the database has no test database: its cache
    table is not there (and DATABASE_URL's own database must not be cleared)."""
    from django.core.cache import cache

    from directory.memo import forget_all

    forget_all()
    uses_db = request.node.get_closest_marker("django_db") or (
        {"db", "transactional_db"} & set(request.fixturenames)
    )
    if uses_db:
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's admin, with the two-factor authentication staff must have."""
    from tests.support.organisers import with_two_factor

    return with_two_factor(admin_user)


@pytest.fixture
def today() -> dt.date:
    return dt.date.today()


@pytest.fixture
def make_place(db) -> Callable[..., Place]:
    def make(name: str, lat: float, lng: float, kind: str = "district") -> Place:
        from groups.geo import format_postcode, normalise

        key = format_postcode(name) if kind == "postcode" else normalise(name)
        return Place.objects.create(key=key, name=name, kind=kind, latitude=lat, longitude=lng)

    return make


@pytest.fixture
def ls6(make_place) -> Place:
    return make_place("LS6", *LS6)


@pytest.fixture
def make_group(db) -> Callable[..., Group]:
    """Creates a group through the same service the import and the forms use."""
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None,
        *,
        conditions: tuple[str, ...] = ("alcohol",),
        audiences: tuple[str, ...] = (),
        group_type: str = "peer_support",
        meetings: str = "Tue 19:00-20:30",
        at: tuple[float, float] | None = LS6,
        **values,
    ) -> Group:
        n = next(counter)
        fields = {
            "name": name or f"Group {n:03d}",
            "summary": "A peer support group.",
            "orientation": "inward",
            "format": "in_person",
            "town": "Leeds",
            "postcode": "LS6 1AA",
            "status": "published",
            "last_verified": dt.date.today(),
            "group_type": GroupType.objects.get(slug=group_type),
        }
        if at is not None:
            fields["latitude"], fields["longitude"] = at
        if values.get("format") in ("online", "hybrid"):
            fields["online_url"] = "https://example.org/join"
        if values.get("format") == "online":
            fields.update(latitude=None, longitude=None, postcode="", town="")
        fields.update(values)
        return save_group(
            values=GroupValues(**fields),
            conditions=Condition.objects.filter(slug__in=conditions),
            audiences=Audience.objects.filter(slug__in=audiences),
            meetings=parse_meetings(meetings),
        )

    return make


@pytest.fixture
def published_group(make_group) -> Group:
    return make_group(
        "Headingley Recovery Circle",
        summary="Weekly recovery meeting for anyone who wants to stop drinking.",
        description="Tea & biscuits.\nNewcomers welcome.",
        meetings="Tue 19:00-20:30; 2nd Mon 18:00-19:30",
        email="headingley@example.org",
        phone="0113 496 0000",
        website="https://example.org/headingley",
        cost="Free",
        languages=["en", "bfi"],
    )


def offset(point: tuple[float, float], km_north: float = 0.0, km_east: float = 0.0):
    """A point roughly km_north and km_east of another (good to well under 1% at UK scale)."""
    import math

    lat, lng = point
    dlat = km_north / 111.195
    dlng = km_east / (111.195 * math.cos(math.radians(lat)))
    return (lat + dlat, lng + dlng)
