"""Runs a list of searches against a fresh database of the demo data and prints the
names each returns, as JSON. The database may come migrated (tests/support/migrated.py):
migrate then has nothing to do. tests/test_search_backends.py runs it on SQLite and on
PostgreSQL and compares. Usage: DATABASE_URL=... python tests/support/search_snapshot.py"""

import io
import json
import os
import sys

QUERIES = [
    "near=LS6",
    "near=LS6&condition=alcohol",
    "near=Leeds&radius_km=40&orientation=outward",
    "near=M1&radius_km=30&condition=depression&condition=anxiety",
    "near=LS6&radius_km=50&day=tue&time_of_day=evening",
    "near=BS1&radius_km=25&format=online&include_online=true",
    "near=CF10&radius_km=20&step_free=true&referral=self_referral",
    "near=LS6&radius_km=30&audience=women&audience=young_people&audience=carers_family",
    "lat=51.45&lng=-2.59&radius_km=15&group_type=peer_support",
    "condition=gambling",
    "orientation=hybrid&format=hybrid",
    "group_type=twelve_step&day=sat",
    "q=alcohol",
    "q=gambling",
    "q=allotment",
    "q=bereavement",
    "q=psychosis",
    "q=café",
    "near=LS6&q=recovery",
]


def main() -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    client = Client()
    out = {}
    for query in QUERIES:
        names, url = [], f"/api/groups/?{query}"
        while url:
            data = client.get(url).json()
            names += [(r["name"], r["distance_km"]) for r in data["results"]]
            url = data["next"]
        out[query] = names
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
