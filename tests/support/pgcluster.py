"""A throwaway PostgreSQL cluster of our own, for tests that must restart the server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(os.path.realpath(initdb)).parent if initdb else None


class Cluster:
    def __init__(self, bindir: Path, *, standby_of: Cluster | None = None, **settings: str) -> None:
        """settings: server settings (postgresql.conf names) to start with. standby_of: a
        running cluster this one is a streaming replica of, copied by pg_basebackup -R."""
        self.bindir = bindir
        self.settings = settings
        self.data = Path(tempfile.mkdtemp(prefix="test-pg-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.as_pg: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        if standby_of is None:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        else:
            # -R writes standby.signal and the primary_conninfo to stream from; initdb's
            # trust rules let the postgres user connect for replication from 127.0.0.1.
            self._run("pg_basebackup", "-D", str(self.data), "-h", "127.0.0.1",
                      "-p", str(standby_of.port), "-U", "postgres", "-R", "-X", "stream",
                      "-c", "fast")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log(self) -> Path:
        """The server's log (its standard error)."""
        return self.data / "log"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_pg, str(self.bindir / tool), *args],
            check=True,
            cwd=tempfile.gettempdir(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _ctl(self, action: str) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "-m", "fast",
                  "-o", options, action)  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart")

    def halt(self) -> None:
        """Stops the server, keeping its data for start()."""
        self._ctl("stop")

    def stop(self) -> None:
        try:
            self._ctl("stop")
        finally:
            shutil.rmtree(self.data, ignore_errors=True)


def _server_tools(*tools: str) -> Path:
    """The server binaries' directory. Without them (or one of tools) the test is
    skipped, or fails under CI=true."""
    import pytest

    bindir = pg_bin()
    if bindir is None or not all((bindir / tool).exists() for tool in tools):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the PostgreSQL server binaries ({', '.join(tools)})")
        pytest.skip(f"PostgreSQL server binaries not installed ({', '.join(tools)})")
    return bindir


@contextmanager
def running_cluster(**settings: str) -> Iterator[Cluster]:
    """A started cluster of our own, stopped and removed afterwards."""
    cluster = Cluster(_server_tools("initdb", "pg_ctl"), **settings)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@contextmanager
def running_standby(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby streaming from primary (pg_basebackup -R), started (it accepts
    connections once consistent), stopped and removed afterwards."""
    standby = Cluster(_server_tools("pg_basebackup", "pg_ctl"), standby_of=primary)
    standby.start()
    try:
        yield standby
    finally:
        standby.stop()
