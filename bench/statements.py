#!/usr/bin/env python3
"""What each bench search costs the database alone, at 5,000 and 50,000 groups.

For each search below, captures the statements its API request runs through the real
view (bench/capture.py), then times each statement alone: the best of 30 runs of
PostgreSQL's own execution time (EXPLAIN (ANALYZE, TIMING OFF), so neither the network
nor Python is counted; planning is shown apart), the two sizes taking turns so that both
see the machine alike. Prints each statement's time at both
sizes and the ratio, 50,000 ÷ 5,000, which for a statement that reads only what it
returns stays near 1.

    .venv/bin/python bench/statements.py            # builds both databases, ~2 minutes
    .venv/bin/python bench/statements.py --url-5000 postgres://.../bench_5000 \\
        --url-50000 postgres://.../bench_50000      # databases bench/run.py's steps built
    .venv/bin/python bench/statements.py --explain "/api/groups/?near=LS6&condition=alcohol"
                                                    # EXPLAIN (ANALYZE, BUFFERS), DATABASE_URL

Starts and stops its own PostgreSQL cluster (bench/run.py's) unless given both URLs.
"""

from __future__ import annotations

import argparse
import base64
import enum
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from capture import Statement, capture, setup  # noqa: E402

RUNS = 30
ROUNDS = 3
SEARCHES = [
    ("local, condition", "/api/groups/?near=LS6&radius_km=16&condition=alcohol"),
    ("local, day and time", "/api/groups/?near=LS6&radius_km=16&day=tue&time_of_day=evening"),
    ("local, online format", "/api/groups/?near=LS6&radius_km=16&format=online"),
    ("local, audience", "/api/groups/?near=LS6&radius_km=16&audience=women"),
    ("local, step-free", "/api/groups/?near=LS6&radius_km=16&step_free=true"),
    ("specific keyword", "/api/groups/?q=bereavement"),
    ("common-word keyword", "/api/groups/?q=alcohol+recovery"),
    ("a word in a third of groups", "/api/groups/?q=recovery"),
    (
        "50 km, several filters",
        "/api/groups/?near=M1&radius_km=50&condition=alcohol&condition=drugs"
        "&orientation=inward&format=in_person&time_of_day=evening",
    ),
]


def explain(statement: Statement, options: str) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {statement.sql}", statement.params)
        return cursor.fetchall()


def captured() -> None:
    """In a process whose DATABASE_URL is one size's database: print each search's
    statements (their text and parameters, pickled) for the parent to time."""
    setup()
    from groups.models import Group

    out: dict[str, Any] = {"groups": Group.objects.published().count(), "searches": {}}
    for label, path in SEARCHES:
        out["searches"][label] = [
            {"label": s.label, "sql": s.sql, "params": [plain(p) for p in s.params]}
            for s in capture(path)
        ]
    print(base64.b64encode(pickle.dumps(out)).decode())


def plain(value: Any) -> Any:
    """A parameter without our own types (the choices are enums), so that a process without
    Django can unpickle it; psycopg binds it as the app's connection did."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return type(value)(plain(each) for each in value)
    return value


def statements_of(url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, __file__, "--capture"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        sys.exit(f"capturing from {url} failed:\n{result.stderr}")
    # Our own child's output, as trusted as this script.
    return pickle.loads(base64.b64decode(result.stdout.strip().splitlines()[-1]))  # noqa: S301


def measured(urls: dict[str, str], runs: int) -> dict[str, dict[str, Any]]:
    """Each statement's best execution and planning time (ms, PostgreSQL's own clock) at
    each size. A statement runs several times in a row at one size, as the same search
    served again would, then at the other; the sizes take ROUNDS turns, so a machine that
    slows for a while slows both alike."""
    import psycopg

    sizes = {size: statements_of(url) for size, url in urls.items()}
    connections = {size: psycopg.connect(url, autocommit=True) for size, url in urls.items()}

    def run_once(size: str, row: dict[str, Any]) -> None:
        # psycopg 3's own cursor binds the parameters on the server, as the app's
        # connections do (directory/settings.py: server_side_binding).
        sql = f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {row['sql']}"
        found = connections[size].execute(sql, row["params"]).fetchone()
        assert found is not None
        plan = found[0][0]
        row["ms"] = min(row.get("ms", math.inf), plan["Execution Time"])
        row["plan_ms"] = min(row.get("plan_ms", math.inf), plan["Planning Time"])

    try:
        for label, _path in SEARCHES:
            lists = [(size, found["searches"][label]) for size, found in sizes.items()]
            for n in range(max(len(rows) for _size, rows in lists)):
                for _ in range(ROUNDS):
                    for size, rows in lists:
                        for _ in range(n < len(rows) and math.ceil(runs / ROUNDS)):
                            run_once(size, rows[n])
    finally:
        for each in connections.values():
            each.close()
    return sizes


def main_ms(found: dict[str, Any], label: str) -> float:
    """A search's main statement's best time: its first statement that reads the groups."""
    return next(row["ms"] for row in found["searches"][label] if row["label"] == "groups_group")


def report(small: dict[str, Any], large: dict[str, Any], runs: int) -> str:
    lines = [
        f"Each statement alone, best of {runs} (PostgreSQL's execution time, ms; planning apart):",
        "",
        f"| search | statement | {small['groups']:,} groups | {large['groups']:,} groups | ratio "
        "| planning (50k) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, _path in SEARCHES:
        pairs = zip(small["searches"][label], large["searches"][label], strict=False)
        main_seen = False
        for n, (a, b) in enumerate(pairs, 1):
            # The main statement: the first that reads the groups.
            is_main = not main_seen and b["label"] == "groups_group"
            main_seen = main_seen or is_main
            name = f"{n}. {b['label']}" + (" **(main)**" if is_main else "")
            lines.append(
                f"| {label if n == 1 else ''} | {name} | {a['ms']:.3f} | {b['ms']:.3f} | "
                f"{b['ms'] / max(a['ms'], 0.001):.2f}× | {b['plan_ms']:.3f} |"
            )
    lines += ["", "Searches: " + "; ".join(f"{label}: `{path}`" for label, path in SEARCHES)]
    return "\n".join(lines)


def print_explain(path: str) -> None:
    setup()
    for statement in capture(path):
        print(f"-- {statement.label}")
        for (line,) in explain(statement, "ANALYZE, BUFFERS"):
            print(line)
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--url-5000", help="a built database of 5,000 groups")
    parser.add_argument("--url-50000", help="a built database of 50,000 groups")
    parser.add_argument("--explain", metavar="PATH", help="EXPLAIN (ANALYZE, BUFFERS) a request")
    parser.add_argument("--capture", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.capture:
        return captured()
    if args.explain:
        return print_explain(args.explain)
    if args.url_5000 and args.url_50000:
        found = measured({"small": args.url_5000, "large": args.url_50000}, args.runs)
    else:
        import run  # bench/run.py: its cluster and its way of building a database

        with run.postgres() as (bindir, port):
            small, large = (run.build(bindir, port, size)["DATABASE_URL"] for size in run.SIZES)
            found = measured({"small": small, "large": large}, args.runs)
    print(report(found["small"], found["large"], args.runs))


if __name__ == "__main__":
    main()
