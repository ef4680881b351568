#!/usr/bin/env python3
"""The floor: what a search would cost with no Django at all.

For each search, the SQL its API request runs is captured through the real view
(bench/capture.py) and replayed, statement by statement with the same parameters, by a
bare WSGI app (psycopg and json, nothing else) served by the same gunicorn (2 workers,
the project's gunicorn.conf.py) and driven by the same wrk. bench/run.py measures it in
the same run as the real API, the results page and /healthz, and prints the ratios:

    .venv/bin/python bench/floor.py            # = bench/run.py: the whole bench
    .venv/bin/python bench/floor.py --quick

What the bare app does per request is what any server must: read the request, run the
statements on a connection it keeps, read every row, write them as JSON.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# {request path with its query string: [(sql, params), ...]}, written by capture_all().
Captured = dict[str, list[tuple[str, tuple[Any, ...]]]]


def floor_path(path: str) -> str:
    """The bare app's URL for a search: the search's own path and query, under /floor."""
    return "/floor" + path


def capture_all(env: dict[str, str], paths: Iterable[str], out: Path) -> Captured:
    """The statements each path runs through the real view, captured in a process of its
    own (Django is set up once per database) and kept in out for the bare app."""
    subprocess.run(
        [str(PYTHON), str(Path(__file__)), "--capture", str(out), *paths],
        cwd=ROOT,
        env={**env, "ALLOWED_HOSTS": "testserver"},  # Django's test client's host
        check=True,
    )
    with out.open("rb") as f:
        return pickle.load(f)  # noqa: S301 (written by this script, just above)


def _capture_main(out: str, paths: list[str]) -> None:
    sys.path.insert(0, str(BENCH))
    from capture import capture, setup

    setup()
    captured: Captured = {
        path: [(s.sql, tuple(plain(p) for p in s.params)) for s in capture(path)] for path in paths
    }
    with open(out, "wb") as f:
        pickle.dump(captured, f)


def plain(value: Any) -> Any:
    """A parameter as the built-in type psycopg adapts it as: the bare app imports none of
    the project's modules (a TextChoices member is a str, an IntegerChoices one an int)."""
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if type(value) in (bool, int, float, str):
        return value
    for kind in (int, float, str):  # a bool is an int, and kept above
        if isinstance(value, kind):
            return kind(value) if kind is not str else str.__str__(value)
    return value


# The bare app. Its statements come from the file FLOOR_STATEMENTS names; its connection is
# opened by each worker on its first request (after gunicorn forks), and kept.
_statements: Captured | None = None
_connection: Any = None


def app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    global _statements, _connection
    if _statements is None:
        with open(os.environ["FLOOR_STATEMENTS"], "rb") as f:
            _statements = pickle.load(f)  # noqa: S301 (written by capture_all)
    if _connection is None:
        import psycopg

        # As the project's settings connect: values bound by the server (server_side_binding)
        # and no prepared statements (Django's prepare_threshold default).
        _connection = psycopg.connect(
            os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None
        )
    query = environ.get("QUERY_STRING", "")
    path = environ["PATH_INFO"].removeprefix("/floor") + (f"?{query}" if query else "")
    # /healthz's own work without Django: what the server and one round trip cost.
    statements = [("SELECT 1", ())] if path == "/healthz" else _statements.get(path)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not captured\n"]
    results = []
    with _connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            results.append(cursor.fetchall() if cursor.description else None)
    body = json.dumps(results, default=str).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


@contextmanager
def serve(env: dict[str, str], statements: Path, port: int, log: Path) -> Iterator[str]:
    """The bare app under gunicorn as bench/run.py serves the project: same config file,
    two sync workers. Yields its base URL."""
    proc = subprocess.Popen(
        [str(GUNICORN), "bench.floor:app", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--access-logfile", str(log), "--error-logfile", str(log)],
        cwd=ROOT, env={**env, "FLOOR_STATEMENTS": str(statements)},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/floor/", timeout=1)
        except urllib.error.HTTPError:
            break  # answering (404: nothing captured for /)
        except OSError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--capture"]:
        _capture_main(sys.argv[2], sys.argv[3:])
    else:
        sys.path.insert(0, str(BENCH))
        import run

        run.main()
