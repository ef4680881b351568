#!/usr/bin/env python3
"""Where a request's time goes, in-process: no HTTP server, no load tool.

For each endpoint of bench/run.py, prints the best mean over a few batches of requests
through Django's test client (production settings, X-Forwarded-Proto: https), in
wall-clock and CPU time, the number of queries, and the time those queries spent in the
database; with --tree, a
pyinstrument call tree for one endpoint. Point it at a database that bench/run.py's
steps built (or any other):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_50000 \\
        .venv/bin/python bench/profile.py [--tree "/api/groups/?near=LS6&condition=alcohol"]
        .venv/bin/python bench/profile.py --phases "/api/groups/?near=LS6&condition=alcohol"

Needs DATABASE_URL; sets DEBUG=false and a throwaway SECRET_KEY if they are unset.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URLS = [
    "/healthz",
    "/",  # the search page with no search: its layout and filter form
    "/api/groups/?near=LS6&condition=alcohol",
    "/?near=LS6&condition=alcohol",
    "/api/groups/?q=bereavement",
    "/api/groups/?q=recovery",
    "/api/groups/?near=M1&radius_km=50&condition=alcohol&condition=drugs"
    "&orientation=inward&format=in_person&time_of_day=evening",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", metavar="URL", help="print a pyinstrument call tree for URL")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--size", type=int, default=15, help="requests per batch")
    parser.add_argument("--phases", metavar="URL", help="CPU time of each step of an API search")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to the database to profile.")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "profile-only-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SITE_URL", "https://directory.example.org")
    os.environ.setdefault("MFA_ENCRYPTION_KEY", "cHJvZmlsZS1vbmx5LW1mYS1rZXktMzItYnl0ZXMtISE=")
    # The public API's per-client limit would stop a profile of hundreds of requests.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    group = client.get("/api/groups/?near=LS6").json()["results"][0]["slug"]
    urls = [*URLS, f"/groups/{group}/"]

    if args.phases:
        print_phases(client, args.phases)
        return

    if args.tree:
        from pyinstrument import Profiler

        for _ in range(5):
            client.get(args.tree)
        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(100):
                client.get(args.tree)
        print(profiler.output_text(unicode=False, color=False))
        return

    # Wall-clock time counts the database and every other process on a shared machine;
    # CPU time (this process only) is the Django side, and steadier under load.
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'ms (best mean)':>15} {'CPU ms':>7} {'queries':>8} {'in SQL ms':>10}  URL")
    for url in urls:
        for _ in range(3):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        best = best_cpu_ms = float("inf")
        for _ in range(args.batches):
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.size):
                client.get(url)
            best = min(best, (time.perf_counter() - started) / args.size * 1000)
            best_cpu_ms = min(best_cpu_ms, (time.process_time() - cpu) / args.size * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        in_sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"{best:15.2f} {best_cpu_ms:7.2f} {len(queries):8d} {in_sql:10.2f}  {url}")


def best_cpu(step: Callable[[], object], runs: int = 40) -> float:
    """The least CPU time (ms) this process spent on step: on a shared machine, the time
    other processes take and the time spent waiting for PostgreSQL are not counted."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        step()
        best = min(best, time.process_time() - started)
    return best * 1000


def print_phases(client: Any, url: str) -> None:
    """Where an API search's CPU time goes, step by step, as groups/api.py takes them:
    paginate() with the search's criteria, as the API calls it (near a place, the page is
    read through page_ids), and its parts apart."""
    from django.http import JsonResponse
    from django.test import RequestFactory

    from groups.api import group_json
    from groups.fields import API
    from groups.search import _read_page, _total, attach_tags, paginate, run_search

    request = RequestFactory().get(url, secure=True)
    filterset, results = run_search(request.GET, paged=True)
    assert results is not None, filterset.form.errors
    criteria = filterset.criteria()
    size = 20
    rows = _read_page(results, criteria, 0, size, API)
    attach_tags(rows)
    items = [group_json(group, request) for group in rows]
    steps = {
        "validate and build the search (run_search)": lambda: run_search(request.GET, paged=True),
        "the page's rows: build, compile, run, 20 groups, meetings": lambda: _read_page(
            results, criteria, 0, size, API
        ),
        "+ their tags (attach_tags)": lambda: attach_tags(
            _read_page(results, criteria, 0, size, API)
        ),
        "the capped total alone (a full page)": lambda: _total(results, 0, rows, size),
        "paginate(), all of the above but run_search": lambda: paginate(
            results, 1, use=API, criteria=criteria
        ),
        "group_json for the 20 groups": lambda: [group_json(g, request) for g in rows],
        "JSON encoding (JsonResponse)": lambda: JsonResponse({"results": items}),
        "the whole request (test client: middleware, rate counter, view)": lambda: client.get(url),
        "/healthz, the whole request": lambda: client.get("/healthz"),
    }
    print(f"CPU ms, best of 40 (load average {os.getloadavg()[0]:.1f}): {url}")
    for label, step in steps.items():
        step()
        print(f"{best_cpu(step):8.2f}  {label}")


if __name__ == "__main__":
    main()
