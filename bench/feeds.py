#!/usr/bin/env python3
"""Syncing a large Meeting Guide feed, measured in one run.

Generates Meeting Guide feeds of 5,000, 10,000 and 20,000 meetings (about three meetings
a group, over the real UK postcode districts, with online, hybrid, women's, step-free and
temporarily closed meetings), serves each from a local HTTP server with ETags, and times
`manage.py sync_sources` on a fresh PostgreSQL database of its own:
- the first sync, which adds every group (for review: the source is not trusted);
- a second sync of the unchanged feed, answered 304 Not Modified;
- a third with the server's ETags off, so the whole feed is fetched, parsed and compared.
Each sync runs as its own process; its peak memory (max RSS) is read from the kernel.
Writes its section of bench/RESULTS.md (between the feeds markers; the rest is floor's).

    .venv/bin/python bench/feeds.py             # a few minutes on 2 cores, most of it migrating
    .venv/bin/python bench/feeds.py --sizes 2000
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DISTRICTS, PRODUCTION, PYTHON, machine, postgres  # noqa: E402
from tests.support.feeds import FeedServer  # noqa: E402

SIZES = [5_000, 10_000, 20_000]
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- feeds: bench/feeds.py writes this section -->", "<!-- /feeds -->"
WORDS = ["Serenity", "Hope", "Recovery", "Fellowship", "Step", "Freedom", "Daily Reflections",
         "Big Book", "Living Sober", "New Beginnings", "Keep It Simple", "Acceptance"]  # fmt: skip
TYPES = ["O", "C", "D", "B", "ST", "SP", "LIT", "BE", "X", "W", "M", "Y", "LGBTQ"]


def districts() -> list[tuple[str, float, float]]:
    with DISTRICTS.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return [(r[0], float(r[1]), float(r[2])) for r in rows[1:] if r[1] and r[2]]


def generate(meetings: int, seed: int = 1) -> list[dict]:
    """A Meeting Guide feed of about `meetings` meetings, 1 to 5 to a group."""
    rng = random.Random(seed)
    places = districts()
    feed: list[dict] = []
    group = 0
    while len(feed) < meetings:
        group += 1
        district, lat, lng = rng.choice(places)
        kind = rng.random()
        attendance = "online" if kind < 0.1 else "hybrid" if kind < 0.2 else "in_person"
        name = f"{rng.choice(WORDS)} {district} {group}"
        closed = rng.random() < 0.02
        for n in range(min(rng.randint(1, 5), meetings - len(feed))):
            hour = rng.choice([7, 10, 12, 18, 19, 20])
            item = {
                "name": name,
                "slug": f"g{group}-m{n}",
                "group": name,
                "day": rng.randint(0, 6),
                "time": f"{hour:02d}:{rng.choice(['00', '30'])}",
                "end_time": f"{hour + 1:02d}:30",
                "types": rng.sample(TYPES, 3) + (["TC"] if closed else []),
                "attendance_option": "inactive" if closed else attendance,
                "updated": "2026-11-01 12:00:00",
                "url": f"https://intergroup.example.org/meetings/g{group}-m{n}",
            }
            if attendance != "online":
                code = f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}A"
                item.update(
                    location=f"{rng.choice(['St Mary', 'Community', 'Quaker'])} Hall",
                    formatted_address=f"{n + 1} High Street, Town {district} {code}, UK",
                    latitude=round(lat + rng.uniform(-0.01, 0.01), 5),
                    longitude=round(lng + rng.uniform(-0.01, 0.01), 5),
                )
            if attendance != "in_person":
                item["conference_url"] = f"https://zoom.us/j/{rng.randint(10**9, 10**10)}"
            feed.append(item)
    return feed


def timed(env: dict, *args: str) -> tuple[float, float, str, float]:
    """Seconds, peak memory (MB), last line of output and CPU seconds of one manage.py
    run, as its own process (CPU time tells a slow sync from a busy machine)."""
    started = time.monotonic()
    process = subprocess.Popen([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if process.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{output}")
    last = output.strip().splitlines()[-1:] or [""]
    return seconds, usage.ru_maxrss / 1024, last[0], usage.ru_utime + usage.ru_stime


def setup(bindir: Path, port: int, size: int, url: str) -> dict:
    name = f"feeds_{size}"
    subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                    name], check=True)  # fmt: skip
    env = {
        **os.environ,
        **PRODUCTION,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{name}",
        "FEEDS_ALLOW_PRIVATE": "true",
        "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
    }
    for args in (
        ["migrate", "--noinput", "-v0"],
        ["load_places", str(DISTRICTS), "--quiet"],
        ["add_source", "Generated intergroup", "--format", "meeting-guide", "--url", url,
         "--condition", "alcohol"],
    ):  # fmt: skip
        timed(env, *args)
    return env


def measure(bindir: Path, port: int, server: FeedServer, size: int) -> dict:
    feed = generate(size)
    path = f"/feed-{size}.json"
    url = server.serve(path, feed)
    env = setup(bindir, port, size, url)
    body = len(server.answers[path].body)
    sync = ["sync_sources", "--source", "Generated intergroup", "--quiet"]
    first = timed(env, *sync)
    again = timed(env, *sync)
    server.answers[path].conditional = False
    full = timed(env, *sync)
    result = {"size": size, "bytes": body, "first": first, "again": again, "full": full,
              "load": os.getloadavg()[1]}  # fmt: skip
    print(f"  {size:,} meetings ({body / 1e6:.1f} MB): first {first[0]:.1f}s (CPU {first[3]:.1f}s) "
          f"{first[1]:.0f} MB; 304 {again[0]:.1f}s; unchanged {full[0]:.1f}s (CPU {full[3]:.1f}s) "
          f"{full[1]:.0f} MB", flush=True)  # fmt: skip
    print(f"    {first[2]}\n    {full[2]}", flush=True)
    return result


def report(results: list[dict]) -> str:
    rows = [
        f"| {r['size']:,} | {r['bytes'] / 1e6:.1f} MB | {r['first'][0]:.1f} s ({r['first'][3]:.1f} s) "
        f"| {r['first'][1]:.0f} MB | {r['again'][0]:.1f} s | {r['full'][0]:.1f} s ({r['full'][3]:.1f} s) "
        f"| {r['full'][1]:.0f} MB |"
        for r in results
    ]
    biggest = results[-1]
    return "\n".join([
        BEGIN,
        "## Feeds: syncing a generated Meeting Guide feed (bench/feeds.py)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}. Each sync is `manage.py sync_sources`",
        "as cron runs it, a process of its own on PostgreSQL, fetching from a local HTTP server.",
        "The first sync adds every group (for review); the second gets 304 Not Modified; the",
        "third fetches, parses and compares the whole unchanged feed (the server's ETags off).",
        "",
        "| meetings | feed | first sync (CPU) | its peak memory | second (304) | unchanged, refetched (CPU) | its peak memory |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"Targets: the first sync of {biggest['size']:,} meetings under 60 s "
        f"({'met' if biggest['first'][0] < 60 else 'missed'}: {biggest['first'][0]:.1f} s); a second, "
        f"unchanged sync under 10 s ({'met' if max(biggest['again'][0], biggest['full'][0]) < 10 else 'missed'}: "
        f"{biggest['again'][0]:.1f} s with 304, {biggest['full'][0]:.1f} s refetched); memory flat as "
        f"the feed grows ({results[0]['first'][1]:.0f} MB at {results[0]['size']:,} meetings, "
        f"{biggest['first'][1]:.0f} MB at {biggest['size']:,}).",
        "",
        "The machine's load average (5 minutes) at the end of each size: "
        + ", ".join(f"{r['load']:.1f} ({r['size']:,})" for r in results)
        + ". Above 2 on 2 cores the wall times are the machine's; the CPU seconds are the "
        "sync's own (PostgreSQL's are not counted).",
        END,
    ])  # fmt: skip


def write(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    server = FeedServer()
    results = []
    try:
        with postgres() as (bindir, port):
            for size in args.sizes:
                results.append(measure(bindir, port, server, size))
    finally:
        server.close()
    section = report(results)
    print(section)
    if not args.no_write:
        write(section)


if __name__ == "__main__":
    main()
