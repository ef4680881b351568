#!/usr/bin/env python3
"""Load and faults: clinicians searching while organisers submit groups, with nothing lost.

Builds a PostgreSQL database of 5,000 generated groups, seeds 10 organiser accounts
with verified email addresses (each also organises one published group), and serves it
with gunicorn (2 sync workers, production settings, every request with the
X-Forwarded-Proto header a TLS proxy sends; the account rate limits raised for this
server only, see bench/load_settings.py). Then, for 60 s, 50 clinicians search (by
place and condition, by keyword, result pages, group pages and the JSON API) while 10
organisers sign in and keep listing new groups (1 or 2 meetings, "Submit for review",
each with a unique name) and now and then propose changes to their published group.

Afterwards it counts the responses by status (a server error is any 5xx, a dropped or
refused connection, or a timeout), checks in the database that every submission that
was answered with success is stored, waiting for review, with its organiser and
meetings, prints a summary and appends it to bench/LOAD.md. It exits non-zero if any
request failed or any submission is missing.

    .venv/bin/python bench/load.py                # about 3 minutes
    .venv/bin/python bench/load.py --quick        # 15 s of load
    .venv/bin/python bench/load.py --seconds 30 --clinicians 20

Standard library only on the client side (http.client, one cookie jar per user, one
thread per user). Starts and stops its own PostgreSQL cluster and gunicorn, only ever
talks to 127.0.0.1, and stops by itself: requests time out, the load ends on time and
the whole run is bounded by an alarm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html.parser
import http.client
import http.cookies
import json
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    DISTRICTS,
    ROOT,
    build,
    collectstatic,
    gunicorn,
    machine,
    manage,
    postgres,
)

SIZE = 5_000
PASSWORD = "load-test-organiser-password-7"  # noqa: S105 (throwaway accounts in a throwaway database)
TIMEOUT = 60  # seconds a client waits for an answer, as a proxy in front would (nginx: 60 s)
KEYWORDS = ["bereavement", "recovery", "walking", "anxiety", "hearing voices", "café", "carers",
            "gambling", "art", "dual diagnosis", "mums", "allotment"]  # fmt: skip
EXPECTED = {  # kind of request: the statuses that are right for it
    "login page": {200},
    "sign in": {302},
    "new group form": {200},
    "submit new group": {302},
    "edit form": {200},
    "submit changes": {302},
    "organiser's group page": {200},
    "your groups": {200},
}

# --- Setting up ----------------------------------------------------------------

SEED = """
import json, os
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from groups.models import Condition, Format, Group, Place, PlaceKind, Status
from organisers.models import GroupOwner

n = int(os.environ["LOAD_ORGANISERS"])
published = list(
    Group.objects.filter(status=Status.PUBLISHED, format=Format.IN_PERSON).order_by("id")[:n]
)
organisers = []
for i in range(n):
    email = f"load.organiser{i:02d}@example.org"
    user = get_user_model().objects.create_user(
        username=f"load-organiser{i:02d}", email=email, password=os.environ["LOAD_PASSWORD"]
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    GroupOwner.objects.create(group=published[i], user=user)
    organisers.append({"email": email, "group": published[i].pk, "group_name": published[i].name})
slugs = list(
    Group.objects.filter(status=Status.PUBLISHED).order_by("?").values_list("slug", flat=True)[:500]
)
districts = list(Place.objects.filter(kind=PlaceKind.DISTRICT).values_list("key", flat=True))
print(json.dumps({
    "organisers": organisers,
    "slugs": slugs,
    "conditions": list(Condition.objects.values_list("slug", flat=True)),
    "districts": districts,
}))
"""

VERIFY = """
import json, os
from django.contrib.auth import get_user_model
from groups.models import Group, Status
from organisers.models import GroupRevision, RevisionStatus

claims = json.loads(open(os.environ["LOAD_CLAIMS"]).read())
problems, stored, unconfirmed_stored = [], 0, 0
names = [c["name"] for c in claims["new"]] + [c["name"] for c in claims["unanswered_new"]]
found = {}
for g in Group.objects.filter(name__in=names).prefetch_related("meetings", "conditions", "owners__user"):
    found.setdefault(g.name, []).append(g)
for c in claims["new"]:
    groups = found.get(c["name"], [])
    if len(groups) != 1:
        problems.append(f"{c['name']!r}: {len(groups)} groups with this name")
        continue
    g = groups[0]
    owners = [o.user.email for o in g.owners.all()]
    wrong = []
    if g.pk != c["pk"]:
        wrong.append(f"id {g.pk}, answer said {c['pk']}")
    if g.status != Status.PENDING:
        wrong.append(f"status {g.status}")
    if owners != [c["email"]]:
        wrong.append(f"organisers {owners}")
    if len(g.meetings.all()) != c["meetings"]:
        wrong.append(f"{len(g.meetings.all())} meetings, sent {c['meetings']}")
    if len(g.conditions.all()) != c["conditions"]:
        wrong.append(f"{len(g.conditions.all())} conditions, sent {c['conditions']}")
    if g.latitude is None:
        wrong.append("no location")
    if wrong:
        problems.append(f"{c['name']!r}: " + "; ".join(wrong))
    else:
        stored += 1
for c in claims["unanswered_new"]:
    unconfirmed_stored += len(found.get(c["name"], []))
revisions_ok = 0
for c in claims["changes"]:
    group = Group.objects.get(pk=c["group"])
    open_revisions = list(GroupRevision.objects.filter(group=group).open())
    wrong = []
    if group.name != c["published_name"] or group.status != Status.PUBLISHED:
        wrong.append(f"the published listing changed: {group.name!r}, {group.status}")
    if len(open_revisions) != 1:
        wrong.append(f"{len(open_revisions)} open revisions")
    else:
        r = open_revisions[0]
        held = r.data.get("values", {}).get("name")
        if held not in c["names"]:
            wrong.append(f"open revision holds {held!r}")
        elif held == c["name"] and (len(r.data["meetings"]), len(r.data["conditions"])) != (
            c["meetings"], c["conditions"]
        ):
            wrong.append(f"{len(r.data['meetings'])} meetings, {len(r.data['conditions'])} conditions")
        if r.status != RevisionStatus.PENDING or r.submitted_at is None:
            wrong.append(f"revision status {r.status}")
        if r.author.email != c["email"]:
            wrong.append(f"revision by {r.author.email}")
    if wrong:
        problems.append(f"changes to group {c['group']} ({c['name']!r}): " + "; ".join(wrong))
    else:
        revisions_ok += 1
print(json.dumps({
    "stored": stored,
    "revisions_ok": revisions_ok,
    "unconfirmed_stored": unconfirmed_stored,
    "pending_groups": Group.objects.filter(status=Status.PENDING).count(),
    "pending_revisions": GroupRevision.objects.pending().count(),
    "problems": problems,
}))
"""


def seed(env: dict, organisers: int) -> dict:
    out = manage({**env, "LOAD_ORGANISERS": str(organisers), "LOAD_PASSWORD": PASSWORD},
                 "shell", "-c", SEED)  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


# --- A user's browser ----------------------------------------------------------


@dataclass
class Record:
    """What one user saw: statuses and latencies by kind of request."""

    statuses: Counter = field(default_factory=Counter)  # (kind, status or error name)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    unexpected: list[str] = field(default_factory=list)


class Browser:
    """One user: their own cookies, a request at a time, as a browser behind a TLS proxy."""

    def __init__(self, port: int, record: Record) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.record = record

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        form: dict | list | None = None,
        headers: dict[str, str] | None = None,
        expect: set[int] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        """Sends one request; returns (status, headers, body), status 0 for a failed
        connection. Records it under kind."""
        head = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "bench/load.py",
            **(headers or {}),
        }
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
            head["Origin"] = self.origin
            head["Referer"] = self.origin + path
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=head)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
            for cookie in response.headers.get_all("Set-Cookie") or []:
                self._keep(cookie)
            response_headers = {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            status, response_headers, text = 0, {}, ""
            self.record.statuses[(kind, type(exc).__name__)] += 1
        finally:
            connection.close()
        elapsed = (time.monotonic() - started) * 1000
        self.record.latencies[kind].append(elapsed)
        if status:
            self.record.statuses[(kind, status)] += 1
            if status not in (expect or {200}) and len(self.record.unexpected) < 20:
                self.record.unexpected.append(f"{kind}: {method} {path[:80]} answered {status}")
        return status, response_headers, text

    def _keep(self, header: str) -> None:
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


class FormFields(html.parser.HTMLParser):
    """The inputs, checkboxes, radios and select options of a page's forms."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.choices: dict[str, list[str]] = defaultdict(list)
        self._select: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and "name" in a:
            if a.get("type") in ("checkbox", "radio"):
                self.choices[a["name"]].append(a.get("value", "on"))
                if "checked" in a:
                    self.values.setdefault(a["name"], a.get("value", "on"))
            else:
                self.values.setdefault(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and a.get("value"):
            self.choices[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def error_text(page: str) -> str:
    """The error summary of a form shown again with errors, in one line."""
    found = re.search(r'class="nhsuk-error-summary".*?</div>\s*</div>', page, re.S)
    text = re.sub(r"<[^>]+>", " ", found.group(0) if found else page[:2000])
    return " ".join(text.split())[:300]


def local_path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- Clinicians ----------------------------------------------------------------


def clinician(port: int, data: dict, deadline: float, think: float, rng: random.Random,
              record: Record) -> None:  # fmt: skip
    browser = Browser(port, record)
    districts, conditions, slugs = data["districts"], data["conditions"], data["slugs"]
    while time.monotonic() < deadline:
        near, condition = rng.choice(districts), rng.choice(conditions)
        roll = rng.random()
        if roll < 0.30:
            query = {"near": near, "condition": condition}
            browser.request(
                "search: place + condition", "GET", "/?" + urllib.parse.urlencode(query)
            )
        elif roll < 0.40:
            query = {"near": near, "condition": condition, "format": "in_person",
                     "radius_km": rng.choice(["8", "16", "40"])}  # fmt: skip
            browser.request("search: filter changed (htmx)", "GET",
                            "/?" + urllib.parse.urlencode(query),
                            headers={"HX-Request": "true", "HX-Current-URL": browser.origin + "/"})  # fmt: skip
        elif roll < 0.55:
            query = {"q": rng.choice(KEYWORDS)}
            if rng.random() < 0.3:
                query["near"] = near
            browser.request("search: keyword", "GET", "/?" + urllib.parse.urlencode(query))
        elif roll < 0.60:
            query = {"q": "recovery", "page": rng.randint(2, 5)}
            browser.request("search: later page", "GET", "/?" + urllib.parse.urlencode(query))
        elif roll < 0.80:
            browser.request("group page", "GET", f"/groups/{rng.choice(slugs)}/")
        elif roll < 0.92:
            query = {"near": near, "condition": condition}
            browser.request("API: place + condition", "GET",
                            "/api/groups/?" + urllib.parse.urlencode(query))  # fmt: skip
        else:
            query = {"q": rng.choice(KEYWORDS)}
            browser.request("API: keyword", "GET", "/api/groups/?" + urllib.parse.urlencode(query))
        if think:
            time.sleep(rng.uniform(0, think))


# --- Organisers ----------------------------------------------------------------


@dataclass
class Claims:
    """What the server said it stored, for checking against the database afterwards."""

    new: list[dict] = field(default_factory=list)  # answered with success
    unanswered_new: list[dict] = field(default_factory=list)  # connection failed: unknown
    changes: dict[int, dict] = field(default_factory=dict)  # group id: the latest accepted
    # (with the names of any changes sent after it that got no answer)
    rejected: list[str] = field(default_factory=list)  # shown again with form errors
    lock: threading.Lock = field(default_factory=threading.Lock)


def group_post(fields: FormFields, *, name: str, meetings: int, rng: random.Random,
               districts: list[str]) -> tuple[list[tuple[str, str]], int]:  # fmt: skip
    """A complete group form for a new group or for changes, from the form on the page:
    its CSRF token, its management form, its choices. Returns the post and the number of
    conditions chosen."""
    conditions = rng.sample(fields.choices["conditions"], rng.randint(1, 3))
    post = [
        ("csrfmiddlewaretoken", fields.values["csrfmiddlewaretoken"]),
        ("name", name),
        ("summary", "A friendly weekly peer support meeting; newcomers welcome <b>& tea</b>."),
        ("description", "We meet in the back room. Tea, biscuits and people who understand."),
        ("group_type", rng.choice(fields.choices["group_type"])),
        ("orientation", "inward"),
        *[("conditions", c) for c in conditions],
        ("format", "in_person"),
        ("address", "Community Centre, 1 High Street"),
        ("town", ""),
        ("postcode", rng.choice(districts)),
        ("online_url", ""),
        ("step_free", "yes"),
        ("access_notes", "Hearing loop."),
        ("referral", "either"),
        ("cost", "Free"),
        ("website", "https://example.org/load-test"),
        ("email", "group@example.org"),
        ("phone", "0113 496 0001"),
        ("languages", "English, Polish"),
        ("leadership", "peer_led"),
        ("sector", "voluntary_community"),
        ("action", "submit"),
    ]
    initial = int(fields.values.get("meetings-INITIAL_FORMS") or 0)
    total = max(initial, meetings)
    post += [
        ("meetings-TOTAL_FORMS", str(total)),
        ("meetings-INITIAL_FORMS", str(initial)),
        ("meetings-MIN_NUM_FORMS", fields.values.get("meetings-MIN_NUM_FORMS", "0")),
        ("meetings-MAX_NUM_FORMS", fields.values.get("meetings-MAX_NUM_FORMS", "20")),
    ]
    days = rng.sample(range(7), meetings)
    for i in range(total):
        if i < meetings:
            monthly = i == 1
            post += [
                (f"meetings-{i}-weekday", str(days[i])),
                (f"meetings-{i}-start_time", rng.choice(["10:00", "14:30", "19:00"])),
                (f"meetings-{i}-end_time", "21:00"),
                (f"meetings-{i}-recurrence", "monthly" if monthly else "weekly"),
                (f"meetings-{i}-week_of_month", "1" if monthly else ""),
                (f"meetings-{i}-anchor_date", ""),
                (f"meetings-{i}-note", "Newcomers' meeting" if monthly else ""),
            ]
        else:  # a meeting the page showed that this post removes
            post += [(f"meetings-{i}-{k}", v) for k, v in fields.values.items()
                     if k.startswith(f"meetings-{i}-")]  # fmt: skip
            post.append((f"meetings-{i}-DELETE", "on"))
    return post, len(conditions)


def organiser(port: int, index: int, account: dict, data: dict, run: str, deadline: float,
              think: float, rng: random.Random, record: Record, claims: Claims) -> None:  # fmt: skip
    browser = Browser(port, record)
    pause = lambda: think and time.sleep(rng.uniform(0, think))  # noqa: E731
    signed_in = False
    submitted = 0
    while time.monotonic() < deadline:
        if not signed_in:
            status, _, page = browser.request("login page", "GET", "/accounts/login/")
            if status != 200:
                pause()
                continue
            form = {"csrfmiddlewaretoken": FormFields(page).values["csrfmiddlewaretoken"],
                    "login": account["email"], "password": PASSWORD}  # fmt: skip
            status, headers, _ = browser.request("sign in", "POST", "/accounts/login/", form,
                                                 expect=EXPECTED["sign in"])  # fmt: skip
            signed_in = status == 302 and "sessionid" in browser.cookies
            if not signed_in:
                pause()
                continue
            browser.request("your groups", "GET", local_path(headers["location"]))
            pause()
        changes = rng.random() < 0.2
        if changes:
            kind, path = "edit form", f"/organisers/groups/{account['group']}/edit/"
        else:
            kind, path = "new group form", "/organisers/groups/new/"
        status, _, page = browser.request(kind, "GET", path)
        if status != 200:
            if status == 302:  # sent to sign in: do so again
                signed_in = False
            pause()
            continue
        pause()
        submitted += 1
        name = f"Load {run} organiser {index:02d} {'changes' if changes else 'group'} {submitted:04d} – Café O'Neill's"
        meetings = rng.randint(1, 2)
        post, conditions = group_post(FormFields(page), name=name, meetings=meetings, rng=rng,
                                      districts=data["districts"])  # fmt: skip
        kind = "submit changes" if changes else "submit new group"
        status, headers, page = browser.request(kind, "POST", path, post, expect=EXPECTED[kind])
        claim = {"name": name, "email": account["email"], "meetings": meetings,
                 "conditions": conditions}  # fmt: skip
        if status == 302:
            location = local_path(headers.get("location", ""))
            match = re.fullmatch(r"/organisers/groups/(\d+)/", location)
            with claims.lock:
                if changes:  # the open revision holds the latest accepted changes
                    claims.changes[account["group"]] = {
                        **claim,
                        "names": [name],
                        "group": account["group"],
                        "published_name": account["group_name"],
                    }
                elif match:
                    claims.new.append({**claim, "pk": int(match.group(1))})
                else:
                    claims.rejected.append(f"{name}: sent to {location}")
            # What the organiser sees next, unless the time is up.
            if match and time.monotonic() < deadline:
                browser.request("organiser's group page", "GET", location)
            if rng.random() < 0.2 and time.monotonic() < deadline:
                browser.request("your groups", "GET", "/organisers/")
        elif status == 0:  # unknown whether it was stored
            with claims.lock:
                if not changes:
                    claims.unanswered_new.append(claim)
                elif account["group"] in claims.changes:
                    claims.changes[account["group"]]["names"].append(name)
        elif status == 200:
            with claims.lock:
                claims.rejected.append(f"{name}: {error_text(page)}")
        pause()


# --- The run -------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def server_error(status: int | str) -> bool:
    return isinstance(status, str) or status >= 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long the load lasts")
    parser.add_argument("--quick", action="store_true", help="15 s of load")
    parser.add_argument("--clinicians", type=int, default=50)
    parser.add_argument("--organisers", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0,
                        help="a clinician pauses up to this many seconds between requests")  # fmt: skip
    parser.add_argument("--organiser-think", type=float, default=0.2,
                        help="an organiser pauses up to this many seconds between requests")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="do not append to bench/LOAD.md")
    args = parser.parse_args()
    seconds = 15 if args.quick else args.seconds
    if not DISTRICTS.exists():
        sys.exit(f"{DISTRICTS} not found (set SHARED_DIR)")

    # Everything, from the first initdb to the last check, ends within this.
    def out_of_time(*_) -> None:
        raise TimeoutError("bench/load.py ran out of time")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(seconds + 900)

    log = ROOT / "bench" / "out" / "gunicorn-load.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    run = dt.datetime.now(dt.UTC).strftime("%H%M%S")
    records: list[Record] = []
    claims = Claims()
    collectstatic()
    with postgres() as (bindir, pg_port):
        print(f"{SIZE:,} groups", flush=True)
        env = build(bindir, pg_port, SIZE)
        data = seed(env, args.organisers)
        print(f"  seeded {len(data['organisers'])} verified organiser accounts", flush=True)
        server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.load_settings"}
        with gunicorn(server_env, log, "--capture-output") as base:
            port = int(base.rsplit(":", 1)[1])
            check = Browser(port, Record())
            if check.request("healthz", "GET", "/healthz")[0] != 200:
                sys.exit(f"gunicorn did not start: see {log}")
            print(f"  {args.clinicians} clinicians and {args.organisers} organisers for "
                  f"{seconds} s against {base}", flush=True)  # fmt: skip
            args.loadavg = os.getloadavg()[0]  # others' work on a shared machine shows here
            started = time.monotonic()
            deadline = started + seconds
            threads = []
            for i in range(args.clinicians):
                records.append(record := Record())
                threads.append(threading.Thread(
                    target=clinician, daemon=True,
                    args=(port, data, deadline, args.think, random.Random(f"c{i}"), record)))  # fmt: skip
            for i, account in enumerate(data["organisers"]):
                records.append(record := Record())
                threads.append(threading.Thread(
                    target=organiser, daemon=True,
                    args=(port, i, account, data, run, deadline, args.organiser_think,
                          random.Random(f"o{i}"), record, claims)))  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=max(0.0, deadline + 3 * TIMEOUT - time.monotonic()))
            stuck = sum(thread.is_alive() for thread in threads)
            elapsed = time.monotonic() - started
        # gunicorn has stopped: whatever it answered is committed.
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"new": claims.new, "unanswered_new": claims.unanswered_new,
                       "changes": list(claims.changes.values())}, f)  # fmt: skip
        out = manage({**env, "LOAD_CLAIMS": f.name}, "shell", "-c", VERIFY)
        Path(f.name).unlink()
        stored = json.loads(out.strip().splitlines()[-1])
    signal.alarm(0)
    log_errors = [line for line in log.read_text(errors="replace").splitlines()
                  if re.search(r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|Internal Server Error", line)]  # fmt: skip
    return report(args, seconds, elapsed, records, claims, stored, stuck, log_errors, log)


def report(args, seconds, elapsed, records, claims, stored, stuck, log_errors, log) -> int:
    statuses: Counter = Counter()
    latencies: dict[str, list[float]] = defaultdict(list)
    unexpected: list[str] = []
    for r in records:
        statuses.update(r.statuses)
        for kind, values in r.latencies.items():
            latencies[kind].extend(values)
        unexpected += r.unexpected
    kinds = sorted(latencies, key=lambda k: (k in EXPECTED, k))
    rows = []
    totals = Counter()
    for kind in kinds:
        expect = EXPECTED.get(kind, {200})
        by_status = {s: n for (k, s), n in statuses.items() if k == kind}
        count = sum(by_status.values())
        errors = sum(n for s, n in by_status.items() if server_error(s))
        wrong = sum(n for s, n in by_status.items() if not server_error(s) and s not in expect)
        totals.update(requests=count, errors=errors, wrong=wrong)
        values = latencies[kind]
        rows.append(f"| {kind} | {count:,} | {', '.join(f'{s}×{n}' for s, n in sorted(by_status.items(), key=str))} | "
                    f"{wrong} | {errors} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | {max(values, default=0):.0f} |")  # fmt: skip
    lost = len(claims.new) - stored["stored"] + len(claims.changes) - stored["revisions_ok"]
    failed = bool(totals["errors"] or totals["wrong"] or lost or stuck or claims.rejected
                  or log_errors or not claims.new)  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    lines = [
        f"## {now:%Y-%m-%d %H:%M} UTC: {args.clinicians} clinicians, {args.organisers} organisers, {seconds} s",
        "",
        f"On {machine()}; load average {getattr(args, 'loadavg', 0):.1f} as it began.",
        f"{SIZE:,} generated groups on PostgreSQL; gunicorn with 2 sync workers and production",
        "settings, the account rate limits raised (`bench/load_settings.py`). Clinicians pause",
        f"up to {args.think:g} s between requests, organisers up to {args.organiser_think:g} s.",
        "",
        f"**{'FAILED' if failed else 'Passed'}.** {totals['requests']:,} requests in {elapsed:.0f} s "
        f"({totals['requests'] / elapsed:.1f}/s): **{totals['errors']} server errors** (5xx, refused "
        f"or dropped connections, timeouts), {totals['wrong']} other unexpected answers.",
        f"New groups submitted for review and answered with success: {len(claims.new)}, of which "
        f"**{stored['stored']} are stored**, waiting for review, with their organiser and meetings.",
        f"Published groups with changes submitted: {len(claims.changes)}, of which "
        f"**{stored['revisions_ok']} hold the latest changes** for review, the listing unchanged.",
        f"**Lost: {lost}.**",
        "",
        "| Request | count | statuses | unexpected | server errors | p50 ms | p95 ms | max ms |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        f"| **all** | **{totals['requests']:,}** | | **{totals['wrong']}** | **{totals['errors']}** | | | |",
    ]
    notes: list[tuple[str, list[str]]] = [
        ("Not stored as answered", stored["problems"][:20]),
        ("Shown again with errors (is the script's form out of date?)", claims.rejected[:10]),
        ("Unexpected answers", unexpected[:20]),
        (f"Errors in {log.relative_to(ROOT)}", [f"`{e[:200]}`" for e in log_errors[:10]]),
    ]
    other = []
    if claims.unanswered_new:
        other.append(f"{len(claims.unanswered_new)} submissions got no answer; "
                     f"{stored['unconfirmed_stored']} of them were stored all the same.")  # fmt: skip
    if stuck:
        other.append(f"{stuck} users were still waiting for an answer at the end.")
    if not claims.new:
        other.append("No submission succeeded: nothing was tested.")
    for title, items in [*notes, ("Also", other)]:
        if items:
            lines += ["", f"{title}:", "", *[f"- {item}" for item in items]]
    text = "\n".join(lines).rstrip() + "\n"
    print("\n" + text)
    if not args.no_write:
        path = ROOT / "bench" / "LOAD.md"
        if not path.exists():
            path.write_text(
                "# Load and faults\n\n"
                "Written by `bench/load.py` (issue 7, point 7): clinicians searching while organisers\n"
                "submit groups, against gunicorn and PostgreSQL. A server error is any 5xx answer,\n"
                "refused or dropped connection or timeout; every submission answered with success\n"
                "must be in the database, waiting for review. Newest run last. Absolute figures\n"
                "depend on a shared, noisy machine.\n"
            )
        with path.open("a") as f:
            f.write("\n" + text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
