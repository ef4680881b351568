#!/usr/bin/env python3
"""The SQL that one request runs, captured through the real view.

A request goes through the whole Django stack (URL conf, middleware, the view) with the
test client; every statement its database connection executes is recorded with its
parameters, as the cursor received them, so it can be replayed as it ran (bench/floor.py
replays them through a bare WSGI app; bench/statements.py times each one). Statements
that are not the search's own (the rate counter's cache table, savepoints) are left out.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_50000 \\
        .venv/bin/python bench/capture.py "/api/groups/?near=LS6&radius_km=16&condition=alcohol"

As a module (in a process where setup() has run, or Django is otherwise set up):

    from capture import capture
    statements = capture("/api/groups/?near=LS6&condition=alcohol")
    for s in statements: cursor.execute(s.sql, s.params)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Statements a request runs that are not its search: the public rate limits' counter
# (moderation.RateCount's table), the database cache's and savepoints.
NOT_THE_SEARCH = ("moderation_ratecount", "directory_cache", "SAVEPOINT")


@dataclass(frozen=True)
class Statement:
    """One statement as the cursor ran it: psycopg placeholders (%s) and their values."""

    sql: str
    params: tuple[Any, ...]

    @property
    def label(self) -> str:
        """A short name: the table the statement reads (its outermost FROM)."""
        depth = 0
        for n, char in enumerate(self.sql):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and self.sql.startswith(" FROM ", n):
                name = self.sql[n + 6 :].split(maxsplit=1)[0].strip('"')
                if name.startswith("("):
                    # A count over a subquery (a search's capped total): its table's.
                    return f"count of {Statement(self.sql[n + 7 :], ()).label}"
                return name
        return self.sql.split(maxsplit=1)[0] if self.sql else "?"


def setup(database_url: str | None = None) -> None:
    """Set Django up with production settings (DEBUG off) against DATABASE_URL."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to the database to capture from.")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "capture-only-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SITE_URL", "https://directory.example.org")
    os.environ.setdefault("MFA_ENCRYPTION_KEY", "Y2FwdHVyZS1vbmx5LW1mYS1rZXktMzItYnl0ZXMhISE=")
    # The rate limits raised, as the bench's gunicorn has them (bench/load_settings.py).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def capture(path: str, *, warm: bool = True) -> list[Statement]:
    """The statements a GET of path runs, in order, once the process is warm (the
    taxonomies and the place list in memory, as in a server that has served a search)."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    if warm:
        client.get(path)
    recorded: list[Statement] = []

    def record(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        if not many and not any(marker in sql for marker in NOT_THE_SEARCH):
            recorded.append(Statement(sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return recorded


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help='e.g. "/api/groups/?near=LS6&condition=alcohol"')
    args = parser.parse_args(argv)
    setup()
    for n, statement in enumerate(capture(args.path), 1):
        print(f"-- {n}: {statement.label} {statement.params!r}\n{statement.sql};\n")


if __name__ == "__main__":
    main()
