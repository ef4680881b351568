#!/usr/bin/env python3
"""Search at national scale, measured in one run.

Builds PostgreSQL databases of 5,000 and 50,000 generated groups over the real UK
postcode districts, serves each with gunicorn (2 workers, production settings, behind
the X-Forwarded-Proto header a TLS proxy sends), drives it with wrk at fixed
concurrency, and prints requests per second, p50 and p99 latency, and each p50 as a
ratio to /healthz measured in the same run: issue 18's searches through the API and as
their floor (bench/floor.py: their SQL replayed without Django), the results page, a
group page, the public CSV download and an HSDS page. Writes bench/RESULTS.md with a
table of issue 18's targets, keeping the sections other scripts write there.

    .venv/bin/python bench/run.py                 # about 15 minutes on an idle machine
    .venv/bin/python bench/run.py --quick         # shorter runs, for trying it out
    .venv/bin/python bench/run.py --quick --sizes 5000 --only local \\
        --reuse "postgres://postgres@127.0.0.1:5432/bench_{size}"   # one iteration

Needs the PostgreSQL server binaries and wrk (apt-get install -y wrk); starts and
stops its own PostgreSQL cluster and gunicorn, and only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager, nullcontext
from pathlib import Path

import floor
import statements
from statements import SEARCHES

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
DISTRICTS = SHARED / "data" / "uk_postcode_districts.csv"
SIZES = [5_000, 50_000]

# The searches (label, API path), the list bench/statements.py times statement by
# statement: each is measured through the real API and as its floor (its SQL replayed by
# bench/floor.py's bare app). The first, local, is the headline search.
LOCAL, COMMON_WORD = SEARCHES[0][1], SEARCHES[5][1]
# Searches whose cost must not follow the directory's size (issue 18 point 4).
GROWING = ["specific keyword", "a word in a third of groups", "50 km, several filters"]


def page_of(api_path: str) -> str:
    """The HTML results page of the same search."""
    return api_path.replace("/api/groups/", "/", 1)


# (label, path): the group page's slug is filled in once the data exists.
ENDPOINTS = [
    ("healthz", "/healthz"),
    ("floor: healthz (SELECT 1)", "{floor}/healthz"),
    *[(f"API: {label}", path) for label, path in SEARCHES],
    *[(f"floor: {label}", "{floor}" + path) for label, path in SEARCHES],
    # The search page with no search: its layout and filter form alone, a bound on any page.
    ("Page: no search (layout and form)", "/"),
    ("Page: local, condition", page_of(LOCAL)),
    ("Page: common-word keyword", page_of(COMMON_WORD)),
    ("Group page", "{group_page}"),
    ("CSV download (public, first 500)", "/export.csv"),
    ("HSDS services, page 2", "/api/hsds/services/?page=2"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    sys.exit("PostgreSQL server binaries (initdb, pg_ctl) not found.")


@contextmanager
def postgres():
    bindir = pg_bin()
    data = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    port = free_port()
    as_pg: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    run = lambda *cmd: subprocess.run([*as_pg, *cmd], check=True, cwd="/tmp",  # noqa: E731
                                      stdout=subprocess.DEVNULL)  # fmt: skip
    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
        "--locale=C.UTF-8")  # fmt: skip
    # No parallel query: on two cores shared with the app servers a search's second
    # process only competes with the next search; no JIT (README, "Running at scale").
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c shared_buffers=256MB "
               "-c max_connections=100 -c max_parallel_workers_per_gather=0 -c jit=off")  # fmt: skip
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(data / "log"),
        "-w",
        "-o",
        options,
        "start",
    )
    try:
        yield bindir, port
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       cwd="/tmp", stdout=subprocess.DEVNULL, check=False)  # fmt: skip
        shutil.rmtree(data, ignore_errors=True)


# Production settings (DEBUG off), with what they require.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": "https://directory.example.org",
    "MFA_ENCRYPTION_KEY": "YmVuY2gtb25seS1tZmEta2V5LWV4YWN0bHktMzJieXQ=",
}


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def collectstatic() -> None:
    """Production settings serve hashed static files that collectstatic writes."""
    manage({**os.environ, **PRODUCTION}, "collectstatic", "--noinput", "-v0")


def build(bindir: Path, port: int, size: int) -> dict:
    name = f"bench_{size}"
    subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                    name], check=True)  # fmt: skip
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{name}",
        **PRODUCTION,
        "CONN_MAX_AGE": "600",
    }
    started = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(env, "load_places", str(DISTRICTS), "--towns")
    manage(env, "generate_groups", "--count", str(size), "--seed", "1")
    subprocess.run([str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q",
                    "-d", name, "-c", "VACUUM ANALYZE"], check=True)  # fmt: skip
    print(f"  built {size:,} groups in {time.monotonic() - started:.0f}s", flush=True)
    return env


@contextmanager
def gunicorn(env: dict, log: Path, *extra: str):
    port = free_port()
    proc = subprocess.Popen(
        [str(GUNICORN), "directory.wsgi", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--access-logfile", str(log), "--error-logfile", str(log), *extra],
        cwd=ROOT, env={**env, "FORWARDED_ALLOW_IPS": "127.0.0.1",
                       "DJANGO_SETTINGS_MODULE": "bench.load_settings"},  # wrk is one client
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def group_page(base: str) -> str:
    import json

    request = urllib.request.Request(
        base + "/api/groups/?near=LS6", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        return "/groups/" + json.load(r)["results"][0]["slug"] + "/"


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def wrk(url: str, connections: int, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
         "-H", "X-Forwarded-Proto: https", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    requests = int(re.search(r"(\d+) requests in", out).group(1))

    def latency(pct: str) -> float:
        if not requests:  # none answered in time: no latency to read, and no ratio
            return float("nan")
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
        "requests": requests,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs and a 10 s soak")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--only", help="measure only the rows whose label contains this")
    parser.add_argument("--no-write", action="store_true", help="print, leave RESULTS.md")
    parser.add_argument("--reuse", metavar="URL",
                        help="databases already built, e.g. postgres://...:5432/bench_{size}")  # fmt: skip
    args = parser.parse_args()
    seconds, soak = (3, 10) if args.quick else (10, 60)
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    if not DISTRICTS.exists():
        sys.exit(f"{DISTRICTS} not found (set SHARED_DIR)")
    endpoints = [e for e in ENDPOINTS if not args.only or args.only in e[0] or e[0] == "healthz"]
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    collectstatic()
    results: dict[int, dict[str, dict]] = {}
    soak_result = database = None
    urls: dict[int, str] = {}
    with nullcontext((None, 0)) if args.reuse else postgres() as (bindir, port):
        for size in args.sizes:
            print(f"{size:,} groups", flush=True)
            if args.reuse:
                env = {**os.environ, "DATABASE_URL": args.reuse.format(size=size), **PRODUCTION}
            else:
                env = build(bindir, port, size)
            urls[size] = env["DATABASE_URL"]
            results[size] = measure(env, size, endpoints, args.connections, seconds, out)
            if size == SIZES[-1] and not args.only:
                soak_result = soak_test(env, out, soak)
        if sorted(urls) == SIZES and not args.only:
            database = database_checks(urls)
    text = report(results, soak_result, args.connections, seconds, soak, database)
    print("\n" + text)
    if not args.no_write and sorted(args.sizes) == SIZES and not args.only:
        (ROOT / "bench" / "RESULTS.md").write_text(text + kept_sections())


def measure(env: dict, size: int, endpoints: list, connections: int, seconds: int,
            out: Path) -> dict[str, dict]:  # fmt: skip
    """Each endpoint under wrk, the project's and the floor's servers side by side."""
    statements = out / f"floor-{size}.pickle"
    replayed = [p.removeprefix("{floor}") for _, p in endpoints if p.startswith("{floor}/api/")]
    captured = floor.capture_all(env, replayed, statements)
    results = {}
    with (
        gunicorn(env, out / f"gunicorn-{size}.log") as base,
        floor.serve(env, statements, free_port(), out / f"floor-{size}.log") as floor_base,
    ):
        page = group_page(base)
        for label, path in endpoints:
            url = path.format(group_page=page, floor=floor_base + "/floor")
            url = url if url.startswith("http") else base + url
            wrk(url, connections, 2)  # warm up both workers' connections and caches
            load = os.getloadavg()[0]
            results[label] = r = {**wrk(url, connections, seconds), "load": load}
            if path.startswith("{floor}/api/"):  # how many statements the floor replays
                r["statements"] = len(captured[path.removeprefix("{floor}")])
            print(f"  {label:42} {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  "
                  f"p99 {r['p99']:7.2f} ms  errors {r['errors']}", flush=True)  # fmt: skip
    return results


def database_checks(urls: dict[int, str]) -> dict:
    """The database alone, in the same run: each search's statements timed at both sizes
    (bench/statements.py), and whether ANALYZE works under autovacuum's search_path."""
    import psycopg

    print("  each statement alone (bench/statements.py)", flush=True)
    small, large = (urls[size] for size in SIZES)
    timed = statements.measured({"small": small, "large": large}, statements.RUNS)
    with psycopg.connect(large, autocommit=True) as connection:
        try:
            connection.execute("SET search_path = pg_catalog")
            connection.execute("ANALYZE public.groups_group")
            analyze = "passes"
        except psycopg.Error as error:
            analyze = f"fails: {error}"
    return {"statements": timed, "analyze": analyze}


def soak_test(env: dict, out: Path, seconds: int) -> dict:
    with gunicorn(env, out / "gunicorn-soak.log") as base:
        print(f"  soak: 32 connections for {seconds}s on {LOCAL}", flush=True)
        return wrk(base + LOCAL, 32, seconds)


def kept_sections() -> str:
    """The sections of RESULTS.md that other scripts or people write (between
    <!-- name --> and <!-- /name -->, e.g. bench/feeds.py's), kept as they are."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    found = re.finditer(r"^<!-- (\w+)[^>]*-->\n.*?^<!-- /\1 -->\n", old, re.M | re.S)
    return "".join("\n" + m.group(0) for m in found)


def report(results: dict, soak: dict | None, connections: int, seconds: int,
           soak_seconds: int, database: dict | None = None) -> str:  # fmt: skip
    sizes = sorted(results)
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `bench/run.py` on {machine()}.",
        f"gunicorn with 2 sync workers and PostgreSQL (no parallel query) on the same machine as wrk; {connections} connections,",
        f"{seconds} s per row after a 2 s warm-up, every request with `X-Forwarded-Proto: https`.",
        "A floor row is the same search's SQL replayed by a bare WSGI app (psycopg + json, no",
        "Django; `bench/floor.py`) under the same gunicorn. Absolute figures depend on a shared,",
        "noisy machine: read the ratios. Each statement alone: `bench/statements.py`, `bench/ANALYSIS.md`.",
        "The floor tables' statements are those the floor replays: the API runs one more, its rate counter.",
        "",
    ]  # fmt: skip
    for size in sizes:
        lines += size_table(size, results[size])
    for size in sizes:
        lines += floor_table(size, results[size])
    if len(sizes) == 2:
        lines += growth_table(results)
    if soak:
        lines += [f"## Soak: 32 connections for {soak_seconds} s (API local search, 50,000 groups)", "",
                  f"{soak['requests']:,} requests, {soak['rps']:.0f} req/s, p50 {soak['p50']:.2f} ms, "
                  f"p99 {soak['p99']:.2f} ms, **{soak['errors']} errors** (socket errors and non-2xx/3xx).",
                  ""]  # fmt: skip
    if sizes == SIZES and all(label in results[size] for label, _ in ENDPOINTS for size in sizes):
        lines += targets(results, soak, database)
    if database:
        timed = database["statements"]
        lines += ["## Each statement alone (`bench/statements.py`, in this run)", "",
                  statements.report(timed["small"], timed["large"], statements.RUNS), ""]  # fmt: skip
    return "\n".join(lines) + "\n"


def size_table(size: int, rows: dict) -> list[str]:
    health = rows["healthz"]["p50"]
    lines = [f"## {size:,} groups (load average {rows['healthz']['load']:.1f} as it began)", "",
             "| Request | req/s | p50 ms | p99 ms | p50 ÷ /healthz p50 | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for label, r in rows.items():
        lines.append(f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['p50'] / health:.1f}× | {r['errors']} |")  # fmt: skip
    return [*lines, ""]


def floor_table(size: int, rows: dict) -> list[str]:
    health = rows["healthz"]["p50"]
    lines = [f"## The floor, {size:,} groups", "",
             "| Search | statements | floor p50 ms | API p50 ms | API ÷ floor | API ÷ /healthz | floor ÷ /healthz |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for label, _ in SEARCHES:
        api, bare = rows.get(f"API: {label}"), rows.get(f"floor: {label}")
        if api and bare:
            lines.append(f"| {label} | {bare.get('statements', '')} | {bare['p50']:.2f} | {api['p50']:.2f} | "
                         f"{api['p50'] / bare['p50']:.2f}× | {api['p50'] / health:.1f}× | "
                         f"{bare['p50'] / health:.1f}× |")  # fmt: skip
    return [*lines, ""]


def growth_table(results: dict) -> list[str]:
    small, large = sorted(results)
    lines = ["## 50,000 vs 5,000 groups", "", "| Request | p50 ratio (50k ÷ 5k) |",
             "| --- | ---: |"]  # fmt: skip
    for label in results[large]:
        if label != "healthz" and label in results[small]:
            ratio = results[large][label]["p50"] / results[small][label]["p50"]
            lines.append(f"| {label} | {ratio:.2f}× |")
    return [*lines, ""]


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def targets(results: dict, soak: dict | None, database: dict | None = None) -> list[str]:
    """Issue 18's targets (points 2 to 6), read from this run."""
    small, large = SIZES
    local, page = "API: " + SEARCHES[0][0], "Page: local, condition"

    def ratio(size: int, a: str, b: str = "healthz") -> float:
        return results[size][a]["p50"] / results[size][b]["p50"]

    lines = ["## Targets (issue 18), read from this run", "", "| Target | 5,000 | 50,000 | |",
             "| --- | ---: | ---: | --- |"]  # fmt: skip

    def row(target: str, figures: list[float], limit: float, unit: str = "×") -> None:
        ok = all(f <= limit for f in figures)
        lines.append(
            f"| {target} | {figures[0]:.2f}{unit} | {figures[1]:.2f}{unit} | {verdict(ok)} |"
        )

    if database:
        timed = database["statements"]
        small_ms, large_ms = (statements.main_ms(timed[size], SEARCHES[0][0]) for size in timed)
        lines.append(f"| local search's main statement ≤ 1 ms at 50,000 (best of {statements.RUNS}) "
                     f"| {small_ms:.3f} ms | {large_ms:.3f} ms | {verdict(large_ms <= 1)} |")  # fmt: skip
        lines.append(f"| local search's main statement: 50,000 ÷ 5,000 ≤ 1.3× | | "
                     f"{large_ms / small_ms:.2f}× | {verdict(large_ms <= 1.3 * small_ms)} |")  # fmt: skip
        lines.append(f"| `SET search_path = pg_catalog; ANALYZE public.groups_group` (autovacuum's "
                     f"way) | | {database['analyze']} | {verdict(database['analyze'] == 'passes')} |")  # fmt: skip
    floor_of_local = "floor: " + SEARCHES[0][0]
    row(
        "API local search p50 ≤ 1.5× its floor",
        [ratio(n, local, floor_of_local) for n in SIZES],
        1.5,
    )
    worst = [max(ratio(n, f"API: {s}", f"floor: {s}") for s, _ in SEARCHES) for n in SIZES]
    row("every API search p50 ≤ 1.5× its floor (the worst of them)", worst, 1.5)
    row("API local search p50 ≤ 3× /healthz", [ratio(n, local) for n in SIZES], 3)
    row("results page p50 ≤ 5× /healthz", [ratio(n, page) for n in SIZES], 5)
    p99 = [max(results[n][label]["p99"] for label in (local, page)) for n in SIZES]
    row("p99 < 50 ms at 8 connections (API and page, local search: the larger)", p99, 49.99, " ms")
    common = ratio(large, "API: common-word keyword")
    lines.append(f"| common-word keyword search ≤ 5× /healthz at 50,000 | | {common:.2f}× | "
                 f"{verdict(common <= 5)} |")  # fmt: skip
    for label in GROWING:
        grown = results[large][f"API: {label}"]["p50"] / results[small][f"API: {label}"]["p50"]
        lines.append(
            f"| {label}: 50,000 ÷ 5,000 ≤ 1.3× | | {grown:.2f}× | {verdict(grown <= 1.3)} |"
        )
    for label in ("CSV download (public, first 500)", "HSDS services, page 2"):
        lines.append(f"| {label} ÷ API local search (about what a search costs) | "
                     f"{ratio(small, label, local):.2f}× | {ratio(large, label, local):.2f}× | |")  # fmt: skip
    if soak:
        lines.append(f"| no errors at 32 connections for a minute | | {soak['errors']} errors | "
                     f"{verdict(soak['errors'] == 0)} |")  # fmt: skip
    return [*lines, "", *bounds(results)]


def bounds(results: dict) -> list[str]:
    """What bounds the ratios, from the same run: the floor rows against /healthz."""
    lines = ["What bounds them, measured in this run:", ""]
    for size in SIZES:
        rows = results[size]
        health, bare = rows["healthz"]["p50"], rows["floor: healthz (SELECT 1)"]["p50"]
        floor_local = rows["floor: " + SEARCHES[0][0]]["p50"]
        lines.append(
            f"- {size:,} groups: /healthz {health:.2f} ms, the same `SELECT 1` without Django "
            f"{bare:.2f} ms (Django's middleware and view: {health - bare:.2f} ms a request); "
            f"the local search's floor alone is {floor_local / health:.1f}× /healthz, so no "
            f"change above the SQL takes the API below that; the search page with no search "
            f"(layout and filter form, no query) is "
            f"{rows['Page: no search (layout and form)']['p50'] / health:.1f}× /healthz."
        )
    return [*lines, ""]


if __name__ == "__main__":
    main()
