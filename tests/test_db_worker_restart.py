"""The email worker carries on when PostgreSQL restarts under it (issue 13 point 11):
queued email waits for the database to come back and is then sent, with no restart of
the worker."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.migrated import restore_migrated
from tests.support.pgcluster import running_cluster
from tests.support.production import production_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cluster():
    with running_cluster() as cluster:
        yield cluster


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def queue(env: dict[str, str], subject: str) -> None:
    code = (
        "from accounts.email import queue_email;"
        f"queue_email(subject={subject!r}, body='Hello', to=['someone@example.org'])"
    )
    manage(env, "shell", "-c", code)


def wait_for(text: str, output: Path, worker: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while text not in output.read_text():
        assert worker.poll() is None, f"the worker exited:\n{output.read_text()}"
        assert time.monotonic() < deadline, f"{text!r} never sent:\n{output.read_text()}"
        time.sleep(0.2)


def test_the_worker_sends_email_queued_across_a_database_restart(cluster, tmp_path):
    # The console backend prints each message the worker sends to its standard output.
    env = production_env(DATABASE_URL=cluster.url, EMAIL_BACKEND="accounts.console.EmailBackend")
    restore_migrated(cluster.url)
    output = tmp_path / "worker.log"
    with output.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval=0.2", "--no-startup-delay"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        queue(env, "Before the restart")
        wait_for("Subject: Before the restart", output, worker)

        # Down long enough for the worker to find it gone (a quick restart can fall
        # between two of its polls), then back.
        cluster.halt()
        wait_for("Database unavailable (OperationalError)", output, worker)
        cluster.start()
        queue(env, "After the restart")
        wait_for("Subject: After the restart", output, worker)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
