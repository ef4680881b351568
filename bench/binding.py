#!/usr/bin/env python3
"""Does binding search values server-side make search slower? Measured in one run.

Search statements carry a patient's postcode, its coordinates and keywords as values
bound apart from the statement (psycopg 3's server-side binding, see settings.py), so
PostgreSQL never logs them. This times the same searches both ways, alternating, on one
PostgreSQL database of generated groups over the real UK postcode districts, and prints
each one's median per binding and their ratio.

    .venv/bin/python bench/binding.py              # 5,000 groups, about 2 minutes
    .venv/bin/python bench/binding.py --size 50000

Starts and stops its own PostgreSQL cluster (bench/run.py's) and only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEARCHES = [
    "near=LS6&condition=alcohol",
    "q=bereavement",
    "q=recovery",
    "near=M1&radius_km=50&condition=alcohol&condition=drugs&orientation=inward"
    "&format=in_person&time_of_day=evening",
]
BINDINGS = {"client": False, "server": True}


def measure(rounds: int, per_round: int) -> None:
    """In a process whose DATABASE_URL is the built database: both bindings, alternating."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
    import django
    from django.conf import settings

    for alias, server_side in BINDINGS.items():
        base = settings.DATABASES["default"]
        options = {**base.get("OPTIONS", {}), "server_side_binding": server_side}
        settings.DATABASES[alias] = {**base, "OPTIONS": options}
    django.setup()
    from django.http import QueryDict

    from groups.filters import SearchFilter
    from groups.models import Group
    from groups.search import paginate

    def one(query: str, alias: str) -> float:
        started = time.perf_counter()
        search = SearchFilter(QueryDict(query), queryset=Group.objects.using(alias))
        assert search.is_valid(), search.errors
        paginate(search.qs, 1)
        return time.perf_counter() - started

    times: dict[tuple[str, str], list[float]] = {}
    for query in SEARCHES:
        for alias in BINDINGS:
            one(query, alias)  # warm: connection, plans, the taxonomies
    for _ in range(rounds):
        for query in SEARCHES:
            for alias in BINDINGS:
                times.setdefault((query, alias), []).extend(
                    one(query, alias) for _ in range(per_round)
                )
    print(f"{'search':<70} {'client ms':>9} {'server ms':>9} {'ratio':>6}")
    for query in SEARCHES:
        client, server = (statistics.median(times[(query, a)]) * 1000 for a in BINDINGS)
        print(f"{query[:70]:<70} {client:9.2f} {server:9.2f} {server / client:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=5_000, help="generated groups")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.rounds, args.per_round)
        return
    import run

    with run.postgres() as (bindir, port):
        env = run.build(bindir, port, args.size)
        print(f"{args.size:,} groups; medians of {args.rounds * args.per_round} searches each")
        subprocess.run(
            [str(run.PYTHON), __file__, "--measure", "--rounds", str(args.rounds),
             "--per-round", str(args.per_round)],
            env=env, check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
