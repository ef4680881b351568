"""A database restart costs only the requests in flight: the app servers reconnect by
themselves (persistent connections with health checks), with no restart of their own."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.migrated import restore_migrated
from tests.support.pgcluster import running_cluster
from tests.support.production import production_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def get(url: str) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@pytest.fixture
def cluster():
    with running_cluster() as cluster:
        yield cluster


def test_the_service_reconnects_after_a_database_restart(cluster, tmp_path):
    env = production_env(DATABASE_URL=cluster.url, CONN_MAX_AGE="600")
    python = sys.executable
    restore_migrated(cluster.url)
    subprocess.run([python, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gunicorn = Path(python).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "directory.wsgi", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--access-logfile", str(tmp_path / "access.log"),
         "--error-logfile", str(tmp_path / "error.log")],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    search = base + "/api/groups/?near=LS6&condition=alcohol"
    try:
        deadline = time.monotonic() + 120  # for a failure; a loaded machine starts slowly
        while get(base + "/healthz") != 200:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        # Every worker now holds a persistent database connection.
        assert [get(search) for _ in range(10)] == [200] * 10

        cluster.restart()

        # The old connections are dead; no request is in flight, so none may fail.
        statuses = [get(search) for _ in range(10)] + [get(base + "/healthz") for _ in range(4)]
        assert statuses == [200] * 14, statuses
        assert server.poll() is None, "gunicorn should not have needed a restart"
    finally:
        server.terminate()
        server.wait(timeout=30)
