#!/usr/bin/env python3
"""Does sign-up take as long for an address that has an account as for a new one?

Signs up with taken and with new addresses, alternating, through Django's test client on
production settings (the real password hasher, email queued in PostgreSQL), and prints
the median and spread of each and their ratio. The test suite checks the same thing
structurally (tests/test_accounts.py counts hashes and queued emails on each path); this
shows what a timing attacker would see.

    .venv/bin/python bench/signup_timing.py            # about a minute
    .venv/bin/python bench/signup_timing.py --count 40

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

PASSWORD = "a-long-and-unusual-passphrase-91"  # noqa: S105 (a benchmark account)


def measure(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.test import Client

    taken = []
    for n in range(count):
        email = f"taken{n}@example.org"
        user = get_user_model().objects.create_user(username=f"taken{n}", email=email)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        taken.append(email)

    def sign_up(email: str, n: int) -> float:
        # Each from its own address, under the sign-up rate limit.
        client = Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250 + 1}")
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        started = time.perf_counter()
        response = client.post("/accounts/signup/", data, HTTP_X_FORWARDED_PROTO="https")
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        return elapsed

    sign_up("warm@example.org", 0)
    times: dict[str, list[float]] = {"taken": [], "new": []}
    for n in range(count):
        times["taken"].append(sign_up(taken[n], 2 * n + 1))
        times["new"].append(sign_up(f"new{n}@example.org", 2 * n + 2))
    print(f"{count} sign-ups each, alternating; milliseconds")
    print(f"{'address':<8} {'median':>8} {'min':>8} {'max':>8}")
    for label, values in times.items():
        ms = [v * 1000 for v in values]
        print(f"{label:<8} {statistics.median(ms):8.1f} {min(ms):8.1f} {max(ms):8.1f}")
    ratio = statistics.median(times["taken"]) / statistics.median(times["new"])
    print(f"taken / new (medians): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.count)
        return
    import run

    with run.postgres() as (bindir, port):
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "postgres", "signup"], check=True)  # fmt: skip
        env = {
            **os.environ,
            **run.PRODUCTION,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/signup",
        }
        run.manage(env, "migrate", "--noinput")
        subprocess.run(
            [str(run.PYTHON), __file__, "--measure", "--count", str(args.count)],
            env=env, check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
