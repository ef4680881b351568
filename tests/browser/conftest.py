"""Browser tests drive the system Chromium through Playwright. They are of two kinds:

- A test that only reads (searches, opens pages, shortlists, checks accessibility) asks
  for `demo_site`: a live server over the sample data (`load_demo`) and what the
  migrations seed, loaded once per test process and shared by every such test. It must
  leave that data as it found it: `demo_site` counts every table's rows before and after
  the test and fails the test that changed them. Sessions may change (the shortlist
  lives there) and so may the rate-limit counts (moderation_ratecount).
- A test that writes (signs up, submits, approves) asks for pytest-django's
  `live_server` and makes its own data with the usual fixtures (`make_group`, `ls6`,
  `moderator`). It is transactional: the database is emptied after it, and what the
  migrations seeded is put back before it (serialized rollback, see tests/conftest.py).

The two never share data: `demo_site` tests run after every other test of their process.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connections, transaction
from django.test.utils import modify_settings
from pytest_django.live_server_helper import LiveServer

from tests.support.database import restore_migrated_state, row_counts
from tests.support.demo import load_demo

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls
# are in other threads, but Django's check looks at this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HOST = "localhost"


def _chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def pytest_collection_modifyitems(config, items):
    if _chromium() is None and os.environ.get("CI") != "true":
        skip = pytest.mark.skip(reason="Chromium not installed (apt-get install -y chromium)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browsers here: drive the system Chromium,
    # with its background networking off (the machine has no internet).
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def _close_connections():
    connections.close_all()


@pytest.fixture(scope="session")
def playwright(_close_connections, playwright):
    """Playwright's start and stop give this thread a new context, and with it a new set of
    Django's connections: those open are closed first, so none is left open when the
    test database is dropped."""
    yield playwright
    connections.close_all()


class _DemoData:
    """The sample data, committed in the test database, and the row counts it left."""

    def __init__(self) -> None:
        restore_migrated_state()
        # The copy the process kept from an earlier load, if it has one (tests/support/demo.py);
        # foreign keys are checked at the commit, as in the command's own transactions.
        with transaction.atomic():
            load_demo()
        self.counts = row_counts()
        self.changed_by: str | None = None

    def changes(self) -> dict[str, tuple[int, int]]:
        now = row_counts()
        return {t: (n, now.get(t, 0)) for t, n in self.counts.items() if now.get(t, 0) != n}


@pytest.fixture(scope="session")
def _demo_data(django_db_setup, django_db_blocker) -> _DemoData:
    # Session-scoped, so it is set up before any test's transaction begins: the live
    # server's threads, on connections of their own, see only what is committed.
    with django_db_blocker.unblock():
        return _DemoData()


@pytest.fixture(scope="session")
def _demo_server(_demo_data) -> Iterator[LiveServer]:
    # Started after the test database exists, so that an in-memory SQLite is shared.
    server = LiveServer(HOST)
    yield server
    server.stop()


@pytest.fixture
def demo_site(_demo_server, _demo_data, db) -> Iterator[LiveServer]:
    """A live server over the sample data, for tests that only read. Use `demo_site.url`.
    What the test itself writes is rolled back (`db`); what it makes the server write
    stays, so it must write nothing but sessions."""
    if _demo_data.changed_by:
        pytest.fail(f"The sample data was changed by {_demo_data.changed_by}")
    with modify_settings(ALLOWED_HOSTS={"append": HOST}):
        yield _demo_server
    changed = _demo_data.changes()
    if changed:
        _demo_data.changed_by = os.environ.get("PYTEST_CURRENT_TEST", "a test").split(" ")[0]
        pytest.fail(
            f"This test changed the shared sample data (table: (before, after)): {changed}. "
            "A test that writes uses live_server and makes its own data instead."
        )


@pytest.fixture
def demo_data():
    pytest.fail(
        "demo_data is gone: a test that only reads asks for demo_site and opens "
        "demo_site.url (the sample data is loaded once); see tests/browser/conftest.py"
    )
