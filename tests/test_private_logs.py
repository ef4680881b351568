"""Nothing a clinician types, nor who they are, reaches a log, even when a request is slow
(issue 13 points 4, 12 and 16): gunicorn on production settings in front of a PostgreSQL
that logs every statement, as a DBA chasing a slow query would set it up, with the app's
role set as the README's production recipe says."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.support.migrated import restore_migrated
from tests.support.pgcluster import Cluster, running_cluster
from tests.support.production import production_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

POSTCODE = "LS6 3HN"
# Coordinates with more decimals than anything else logged, so that any trace stands out.
LATITUDE, LONGITUDE = 53.8257713, -1.5829867
KEYWORD = "marigoldhopscotch"
SECRET_SEARCH = f"/api/groups/?near=LS6+3HN&q={KEYWORD}&condition=alcohol"
TRACES = [POSTCODE, "LS6+3HN", "LS6%203HN", "3HN", KEYWORD, "53.825771", "1.582986"]

# The recipe's settings for the app's role (README, "PostgreSQL settings").
ROLE_SETTINGS = ("log_parameter_max_length", "log_parameter_max_length_on_error")


@dataclass
class Server:
    base: str
    access_log: Path
    error_log: Path
    cluster: Cluster
    admin_url: str


def get(url: str, timeout: float = 20) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Tail:
    """What a file gained since this was made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def read(self) -> str:
        with self.path.open("rb") as f:
            f.seek(self.start)
            return f.read().decode("utf-8", "replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(cluster: Cluster) -> tuple[str, str]:
    """The app's database, migrated by the superuser (a copy of the test database as
    migrated), and its own role, set up as the production recipe says. Returns
    (superuser URL, app URL)."""
    admin = cluster.url.rsplit("/", 1)[0] + "/directory"
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE ROLE directory LOGIN")
        for name in ROLE_SETTINGS:
            conn.execute(f"ALTER ROLE directory SET {name} = 0")
        conn.execute("CREATE DATABASE directory")
    restore_migrated(admin)
    env = production_env(DATABASE_URL=admin)
    python = sys.executable
    code = (
        "from groups.models import Place;"
        f"Place.objects.create(key='{POSTCODE}', name='{POSTCODE}', kind='postcode',"
        f" latitude={LATITUDE}, longitude={LONGITUDE});"
        "Place.objects.create(key='LS6', name='LS6', kind='district',"
        " latitude=53.8195, longitude=-1.5755)"
    )
    subprocess.run([python, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO directory")
        conn.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO directory")
    return admin, admin.replace("postgres@", "directory@")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    # Every statement logged, as it arrives and with its duration, and lock waits.
    every_statement = {
        "log_statement": "all",
        "log_min_duration_statement": "0",
        "log_lock_waits": "on",
        "deadlock_timeout": "200ms",
    }
    logs = tmp_path_factory.mktemp("gunicorn")
    with running_cluster(**every_statement) as cluster:
        admin_url, app_url = prepare_database(cluster)
        port = free_port()
        env = production_env(
            DATABASE_URL=app_url,
            BIND=f"127.0.0.1:{port}",
            GUNICORN_TIMEOUT="4",
            WEB_CONCURRENCY="1",
            MEMO_SECONDS="600",
        )
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with (logs / "access.log").open("w") as out, (logs / "error.log").open("w") as err:
            process = subprocess.Popen(
                [str(gunicorn), "directory.wsgi", "-c", "gunicorn.conf.py"],
                cwd=ROOT, env=env, stdout=out, stderr=err,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            # A deadline for a failure, not a wait: on a loaded machine the start can
            # take a minute (it timed out at 30 s beside other suites).
            wait_for(lambda: get(base + "/healthz", timeout=2) == 200, "gunicorn to start", 120)
            yield Server(base, logs / "access.log", logs / "error.log", cluster, admin_url)
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_access_log_has_no_client_address_and_one_line_per_request(server):
    forged = "/groups/x%0D%0A127.0.0.1%20-%20-%20%22GET%20/admin/%20HTTP/1.1%22%20200%0D%0A"
    assert get(server.base + "/healthz") == 200
    get(server.base + forged)  # answered 404 (500 without collectstatic): either way, logged
    wait_for(lambda: "/groups/x" in server.access_log.read_text(), "the forged request's line")
    lines = server.access_log.read_text().splitlines()
    # Each line is one request, starting with its time: none starts with a forged address.
    assert all(line.startswith("[") for line in lines), lines
    (forged_line,) = [line for line in lines if "/groups/x" in line]
    assert "x\\r\\n127.0.0.1" in forged_line
    healthz = [line for line in lines if "/healthz" in line]
    assert healthz and not any("127.0.0.1" in line for line in healthz)


def test_a_malformed_request_line_leaves_no_address_or_query_in_the_error_log(server):
    error = Tail(server.error_log)
    with socket.create_connection(("127.0.0.1", int(server.base.rsplit(":", 1)[1]))) as s:
        s.sendall(b"GET /?near=LS6+3HN&q=" + KEYWORD.encode() + b" HTTP/1.1 x\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    wait_for(lambda: "Invalid request" in error.read(), "gunicorn to log the bad request")
    logged = error.read()
    assert "ip=-" in logged
    assert "127.0.0.1" not in logged
    for trace in TRACES:
        assert trace not in logged


def test_the_logs_leave_out_the_key_of_a_link_that_is_one(server):
    key = "MQ:1vXyZk:SeCrEtKeYoFaLiNk"
    access = Tail(server.access_log)
    get(server.base + f"/accounts/confirm-email/{key}/")
    get(server.base + "/organisers/invitations/InViTaTiOnToKeN123/")
    wait_for(lambda: access.read().count("\n") >= 2, "both requests' lines")
    logged = access.read()
    assert '"GET /accounts/confirm-email/-/ HTTP/1.1"' in logged
    assert '"GET /organisers/invitations/-/ HTTP/1.1"' in logged
    assert "SeCrEt" not in logged and "InViTaTiOn" not in logged


# Last: the worker it times out is replaced by a cold one.
def test_a_search_that_times_out_leaves_no_trace_in_any_log(server):
    # The worker has read what every search needs once (taxonomies), so the secret
    # search's own statements are the ones that block.
    assert get(server.base + "/api/groups/?near=LS6&condition=alcohol") == 200
    logs = [Tail(server.access_log), Tail(server.error_log), Tail(server.cluster.log)]

    with psycopg.connect(server.admin_url) as lock:
        lock.execute("LOCK TABLE groups_group IN ACCESS EXCLUSIVE MODE")
        assert get(server.base + SECRET_SEARCH) in {0, 500, 502}
        wait_for(lambda: "WORKER TIMEOUT" in logs[1].read(), "gunicorn to time the worker out")
        wait_for(lambda: "still waiting for" in logs[2].read(), "PostgreSQL to log the wait")
    # The lock is released: the blocked statement ends, and PostgreSQL logs that too.
    wait_for(lambda: "duration:" in logs[2].read().rsplit("still waiting for", 1)[1],
             "the blocked statement's end")  # fmt: skip
    access, error, postgres = (log.read() for log in logs)

    # The statements were logged, with their parameters bound and not written out.
    assert '"groups_place"."key" = $1' in postgres
    assert "group_earth($" in postgres
    assert "parameters:" not in postgres
    for trace in TRACES:
        for name, text in [("access", access), ("error", error), ("PostgreSQL", postgres)]:
            assert trace not in text, f"{trace!r} in the {name} log:\n{text}"
    assert not re.search(r"\d\.\d{5,}", postgres), "coordinates in PostgreSQL's log"
    assert "Error handling request GET /api/groups/" in error
