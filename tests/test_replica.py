"""With REPLICA_DATABASE_URL set, anonymous public reads come from a streaming replica and
everything else from the primary (directory/routers.py). On real servers: the test starts
a primary, migrates it, copies it with `pg_basebackup -R` into a hot standby, and points
Django's `default` and `replica` at them. Replay on the standby is paused, and the primary
then gains a group the standby lacks, so each answer shows which server it read."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.test import Client, override_settings

from directory.access import ACCESS, PUBLIC
from directory.memo import forget_all
from directory.routers import PUBLIC_READS, REPLICA, ReplicaRouter, replica_reads
from directory.sessions import SessionStore
from groups.importing import parse_meetings
from groups.models import Condition, Group, GroupType, Place
from groups.services import GroupValues, save_group
from moderation.models import RateCount
from tests.conftest import LS6, offset
from tests.support.migrated import restore_migrated
from tests.support.pgcluster import Cluster, running_cluster, running_standby
from tests.support.production import production_env

ROOT = Path(__file__).resolve().parent.parent

SEARCH = {"near": "LS6", "radius_km": "16", "condition": "alcohol"}


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(**env), capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_only_public_pages_may_read_the_replica():
    assert {name: ACCESS.get(name) for name in PUBLIC_READS} == dict.fromkeys(PUBLIC_READS, PUBLIC)


def test_a_replica_of_sqlite_is_refused():
    result = run_check(
        DATABASE_URL="sqlite:///directory.sqlite3",
        REPLICA_DATABASE_URL="postgres://directory@replica.internal/directory",
    )
    assert result.returncode != 0
    assert "both are PostgreSQL" in result.stderr


@contextmanager
def databases_at(primary: Cluster, replica: Cluster | None = None) -> Iterator[None]:
    """Django's default database on primary (and a `replica` alias on replica), as
    DATABASE_URL and REPLICA_DATABASE_URL would set them; put back afterwards."""
    default = connections["default"].settings_dict
    saved = dict(default)
    connections.close_all()
    default.update(HOST="127.0.0.1", PORT=primary.port, NAME="postgres", USER="postgres")
    if replica is not None:
        settings.DATABASES[REPLICA] = {**default, "PORT": replica.port}
    forget_all()  # the taxonomies this process keeps are the other database's
    try:
        yield
    finally:
        connections.close_all()
        if replica is not None:
            del settings.DATABASES[REPLICA]
            del connections[REPLICA]
        default.clear()
        default.update(saved)
        forget_all()


def add_group(name: str, at: tuple[float, float]) -> Group:
    return save_group(
        values=GroupValues(
            name=name,
            summary="A peer support group.",
            orientation="inward",
            format="in_person",
            town="Leeds",
            postcode="LS6 1AA",
            status="published",
            last_verified=dt.date.today(),
            group_type=GroupType.objects.get(slug="peer_support"),
            latitude=at[0],
            longitude=at[1],
        ),
        conditions=Condition.objects.filter(slug="alcohol"),
        audiences=[],
        meetings=parse_meetings("Tue 19:00-20:30"),
    )


@pytest.fixture
def servers(transactional_db, django_db_blocker) -> Iterator[tuple[Cluster, Cluster]]:
    """A migrated primary (a copy of the test database as migrated) with one group, and
    its standby, with Django pointed at both. Transactional: inside a test's transaction
    (the whole suite's autouse `db` fixtures open one) the connection that databases_at()
    closes to move it stays closed."""
    # Under CI the suite always runs on PostgreSQL: this never skips there.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the test's own servers replace the default database")
    with running_cluster(wal_level="replica") as primary, django_db_blocker.unblock():
        restore_migrated(primary.url)
        with databases_at(primary):
            Place.objects.create(key="LS6", name="LS6", kind="district", latitude=LS6[0],
                                 longitude=LS6[1])  # fmt: skip
            add_group("Headingley Recovery Circle", LS6)
        with running_standby(primary) as standby, databases_at(primary, standby):
            yield primary, standby


def replay(paused: bool) -> None:
    """Pauses or resumes the standby's replay of the primary's changes, and waits until it
    has (a pause takes effect between records)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
        )
        deadline = time.monotonic() + 30
        while True:
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            state = cursor.fetchone()[0]
            if (state == "paused") == paused:
                return
            assert time.monotonic() < deadline, f"replay state stayed {state}"
            time.sleep(0.05)


def replayed_all() -> None:
    """Waits until the standby has replayed everything the primary has written so far: a
    pause that comes sooner can stop it between one change and the next (under load, an
    earlier group's insert replayed and its delete not yet)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        written = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        deadline = time.monotonic() + 30
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the standby never replayed the primary"
            time.sleep(0.05)


@contextmanager
def lagging() -> Iterator[Group]:
    """The standby stops replaying; then the primary gains a group only it has."""
    replay(paused=True)
    newer = add_group("Kirkstall Fresh Start", offset(LS6, km_north=2))
    try:
        yield newer
    finally:
        replay(paused=False)
        Group.objects.filter(pk=newer.pk).delete()
        replayed_all()


def sessions_with(key: str, alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_session WHERE session_key = %s", [key])
        return cursor.fetchone()[0]


def names(client: Client) -> set[str]:
    response = client.get("/api/groups/", SEARCH)
    assert response.status_code == 200
    return {group["name"] for group in response.json()["results"]}


def the_deploy_check_passes_with_a_replica(primary: Cluster, standby: Cluster) -> None:
    result = run_check(DATABASE_URL=primary.url, REPLICA_DATABASE_URL=standby.url)
    assert result.returncode == 0, result.stdout + result.stderr


def it_routes_to_a_standby_only_inside_replica_reads() -> None:
    picked = ReplicaRouter().db_for_read(Group)
    with connections[picked].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is False
    with replica_reads():
        picked = router.db_for_read(Group)
        assert picked == REPLICA
        assert router.db_for_write(Group) == "default"
        with connections[picked].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True


def an_anonymous_search_reads_the_replica(newer: Group) -> None:
    client = Client()
    assert names(client) == {"Headingley Recovery Circle"}
    assert settings.SESSION_COOKIE_NAME not in client.cookies  # a search writes no session
    page = client.get("/", SEARCH)
    assert b"Headingley Recovery Circle" in page.content
    assert b"Kirkstall Fresh Start" not in page.content
    assert client.get(f"/groups/{newer.slug}/").status_code == 404
    # The download is read out as it streams, after the view has returned.
    download = b"".join(client.get("/export.csv", SEARCH).streaming_content)
    assert b"Headingley Recovery Circle" in download
    assert b"Kirkstall Fresh Start" not in download


def a_signed_in_users_search_reads_the_primary(newer: Group) -> None:
    user = get_user_model().objects.create_user("organiser@example.org", password="x" * 12)
    client = Client()
    client.force_login(user)
    try:
        assert names(client) == {"Headingley Recovery Circle", "Kirkstall Fresh Start"}
        assert client.get(f"/groups/{newer.slug}/").status_code == 200
    finally:
        user.delete()


def commands_and_tasks_read_the_primary(newer: Group) -> None:
    # Outside a request nothing sets the flag: a command sees the newest group.
    assert Group.objects.filter(pk=newer.pk).exists()
    with replica_reads():
        assert not Group.objects.filter(pk=newer.pk).exists()


def writes_go_to_the_primary_even_during_a_replica_read(newer: Group) -> None:
    # The standby is read-only: a write sent there would fail.
    with replica_reads():
        newer.summary = "Meets upstairs."
        newer.save(update_fields=["summary"])
    assert Group.objects.get(pk=newer.pk).summary == "Meets upstairs."


def sessions_are_written_and_read_on_the_primary(newer: Group) -> None:
    client = Client()
    first = Group.objects.get(name="Headingley Recovery Circle")
    assert client.post("/shortlist/add/", {"group": first.pk}).status_code == 302
    # The session was saved after replay stopped: only the primary has it.
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert sessions_with(key, "default") == 1 and sessions_with(key, REPLICA) == 0
    # The shortlist page (an anonymous public read: its groups come from the replica)
    # finds the session there. Opened twice, so that the "Added" message is gone.
    client.get("/shortlist/")
    page = client.get("/shortlist/")
    assert page.status_code == 200
    assert b"Headingley Recovery Circle" in page.content
    # A view that reads the session only while reading the replica finds it too.
    with replica_reads():
        assert SessionStore(session_key=key).load() != {}


def rate_limits_count_on_the_primary(newer: Group) -> None:
    """The counter is read and written on the primary: read from the stopped standby it
    would never count up, and the limit would never be reached."""
    client = Client(REMOTE_ADDR="192.0.2.44")
    with override_settings(PUBLIC_RATE_LIMITS={"api": (3, 60), "export": (30, 60)}):
        statuses = [client.get("/api/groups/", SEARCH).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Read while reading the replica (a public view's own), they come from the primary
    # too, as does whatever such a view keeps in the cache.
    with replica_reads():
        assert RateCount.objects.filter(key__startswith="rl:read:api:").exists()
        cache.set("replica-test", "kept", 60)
        assert cache.get("replica-test") == "kept"


def the_replica_catches_up_once_replay_resumes() -> None:
    replay(paused=True)
    newer = add_group("Kirkstall Fresh Start", offset(LS6, km_north=2))
    try:
        assert "Kirkstall Fresh Start" not in names(Client())
        replay(paused=False)
        deadline = time.monotonic() + 30
        while "Kirkstall Fresh Start" not in names(Client()):
            assert time.monotonic() < deadline, "the standby never replayed the new group"
            time.sleep(0.05)
    finally:
        Group.objects.filter(pk=newer.pk).delete()


def a_replica_that_is_down_leaves_public_reads_to_the_primary(
    standby: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    standby.halt()
    try:
        client = Client()
        assert names(client) == {"Headingley Recovery Circle"}
        assert client.get("/", SEARCH).status_code == 200
        assert "Read from the replica failed (OperationalError)" in caplog.text
        assert "LS6" not in caplog.text  # what the reader typed is never logged
    finally:
        standby.start()


WHILE_REPLAY_IS_PAUSED = (
    an_anonymous_search_reads_the_replica,
    a_signed_in_users_search_reads_the_primary,
    commands_and_tasks_read_the_primary,
    writes_go_to_the_primary_even_during_a_replica_read,
    sessions_are_written_and_read_on_the_primary,
    rate_limits_count_on_the_primary,
)


@pytest.mark.slow
def test_who_reads_where_on_a_real_standby(servers, subtests, caplog):
    """One test, each behaviour a subtest of it, so that one worker starts the servers
    (xdist shares a module's tests among its workers; its loadgroup mode, which would
    keep them together, does not work with pytest 9)."""
    primary, standby = servers
    with subtests.test("the_deploy_check_passes_with_a_replica"):
        the_deploy_check_passes_with_a_replica(primary, standby)
    with subtests.test("it_routes_to_a_standby_only_inside_replica_reads"):
        it_routes_to_a_standby_only_inside_replica_reads()
    with lagging() as newer:
        for check in WHILE_REPLAY_IS_PAUSED:
            with subtests.test(check.__name__):
                check(newer)
    with subtests.test("the_replica_catches_up_once_replay_resumes"):
        the_replica_catches_up_once_replay_resumes()
    with subtests.test("a_replica_that_is_down_leaves_public_reads_to_the_primary"):
        a_replica_that_is_down_leaves_public_reads_to_the_primary(standby, caplog)
