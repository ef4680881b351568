#!/usr/bin/env python3
"""Search at national scale, measured in one run.

Builds PostgreSQL databases of 5,000 and 50,000 generated groups over the real UK
postcode districts, serves each with gunicorn (2 workers, production settings, behind
the X-Forwarded-Proto header a TLS proxy sends), drives it with wrk at fixed
concurrency, and prints requests per second, p50 and p99 latency, and each p50 as a
ratio to /healthz measured in the same run. Writes bench/RESULTS.md.

    .venv/bin/python bench/run.py                 # about 5 minutes
    .venv/bin/python bench/run.py --quick         # shorter runs, for trying it out

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
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
DISTRICTS = SHARED / "data" / "uk_postcode_districts.csv"
SIZES = [5_000, 50_000]

# (label, path): the group page's slug is filled in once the data exists.
ENDPOINTS = [
    ("healthz", "/healthz"),
    ("API: location + condition", "/api/groups/?near=LS6&condition=alcohol"),
    ("Page: location + condition", "/?near=LS6&condition=alcohol"),
    ("API: keyword", "/api/groups/?q=bereavement"),
    ("API: keyword matching a third of groups", "/api/groups/?q=recovery"),
    (
        "API: wide (50 km, several filters)",
        "/api/groups/?near=M1&radius_km=50&condition=alcohol&condition=drugs"
        "&orientation=inward&format=in_person&time_of_day=evening",
    ),
    ("Group page", "{group_page}"),
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
    # process only competes with the next search (README, "Running at scale").
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c shared_buffers=256MB "
               "-c max_connections=100 -c max_parallel_workers_per_gather=0")  # fmt: skip
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
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-H", "X-Forwarded-Proto: https", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
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
    args = parser.parse_args()
    seconds, soak = (3, 10) if args.quick else (10, 60)
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    if not DISTRICTS.exists():
        sys.exit(f"{DISTRICTS} not found (set SHARED_DIR)")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    collectstatic()
    results: dict[int, dict[str, dict]] = {}
    soak_result = None
    with postgres() as (bindir, port):
        for size in SIZES:
            print(f"{size:,} groups", flush=True)
            env = build(bindir, port, size)
            with gunicorn(env, out / f"gunicorn-{size}.log") as base:
                page = group_page(base)
                results[size] = {}
                for label, path in ENDPOINTS:
                    url = base + path.format(group_page=page)
                    wrk(url, args.connections, 2)  # warm up both workers' connections and caches
                    results[size][label] = r = wrk(url, args.connections, seconds)
                    print(
                        f"  {label:38} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms",
                        flush=True,
                    )
                if size == SIZES[-1]:
                    url = base + ENDPOINTS[1][1]
                    print(f"  soak: 32 connections for {soak}s on {ENDPOINTS[1][1]}", flush=True)
                    soak_result = wrk(url, 32, soak)
    report(results, soak_result, args.connections, seconds, soak)


def report(results, soak, connections, seconds, soak_seconds) -> None:
    small, large = SIZES
    health = {size: results[size]["healthz"]["p50"] for size in SIZES}
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `bench/run.py` on {machine()}.",
        f"gunicorn with 2 sync workers and PostgreSQL (no parallel query) on the same machine as wrk; {connections} connections,",
        f"{seconds} s per row after a 2 s warm-up, every request with `X-Forwarded-Proto: https`.",
        "Absolute figures depend on a shared, noisy machine: read the ratios.",
        "",
    ]
    for size in SIZES:
        lines += [f"## {size:,} groups", "",
                  "| Request | req/s | p50 ms | p99 ms | p50 ÷ /healthz p50 | errors |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
        for label, _ in ENDPOINTS:
            r = results[size][label]
            lines.append(f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{r['p50'] / health[size]:.1f}× | {r['errors']} |")  # fmt: skip
        lines.append("")
    lines += [
        "## 50,000 vs 5,000 groups",
        "",
        "| Request | p50 ratio (50k ÷ 5k) |",
        "| --- | ---: |",
    ]
    for label, _ in ENDPOINTS[1:]:
        lines.append(
            f"| {label} | {results[large][label]['p50'] / results[small][label]['p50']:.2f}× |"
        )
    if soak:
        lines += ["", f"## Soak: 32 connections for {soak_seconds} s (API location + condition, 50,000 groups)", "",
                  f"{soak['requests']:,} requests, {soak['rps']:.0f} req/s, p50 {soak['p50']:.2f} ms, "
                  f"p99 {soak['p99']:.2f} ms, **{soak['errors']} errors** (socket errors and non-2xx/3xx)."]  # fmt: skip
    text = "\n".join(lines) + "\n"
    analysis = ROOT / "bench" / "ANALYSIS.md"
    if analysis.exists():
        # Hand-written reading of the figures; update it when they change.
        text += "\n" + analysis.read_text()
    print("\n" + text)
    (ROOT / "bench" / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
