"""Issue 13 point 3: the patient's postcode is never kept on the server. The shortlist
holds group ids only, "Back to your search" is the browser's Back, anonymous sessions end
with the browser and after 8 hours, "Finished with this patient" clears everything, and
pages that build a link from the Referer are never stored."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from directory.access import need_for
from directory.sessions import ANONYMOUS_SESSION_SECONDS, SessionStore
from groups.models import Group
from tests.support.organisers import PASSWORD
from tests.support.urlwalk import all_patterns, resolved

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

LOADED, NOT_LOADED = "LS6 3HN", "LS6 4QQ"  # a postcode in the places table, and one not


def flat(text: str) -> str:
    """Text as a postcode search would find it however it was written: LS6+3HN, ls6%203hn."""
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("%20", ""))


def _readings(table: str, cell: object) -> list[str]:
    """The cell as stored, and decoded where Django encodes: sessions are signed and
    compressed JSON, the database cache holds base64 pickles."""
    if isinstance(cell, memoryview | bytes):
        cell = bytes(cell).decode("latin-1")
    text = str(cell)
    readings = [text]
    if table == Session._meta.db_table and isinstance(cell, str) and ":" in cell:
        readings.append(repr(SessionStore().decode(cell)))
    with contextlib.suppress(binascii.Error, ValueError):
        readings.append(base64.b64decode(text, validate=True).decode("latin-1"))
    return readings


def rows_holding(*postcodes: str) -> set[tuple[str, str]]:
    """Every row of every table (found by introspection) that holds one of the postcodes."""
    wanted = [flat(p) for p in postcodes]
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = flat(" ".join(r for cell in row for r in _readings(table, cell)))
                if any(w in text for w in wanted):
                    found.add((table, repr(row)[:200]))
    return found


@pytest.fixture
def places(make_place):
    make_place("LS6", 53.8195, -1.5755)
    make_place(LOADED, 53.8210, -1.5800, kind="postcode")


def clinician_visit(client: Client, group: Group) -> None:
    """What a clinician does with a patient's postcode: searches (page, API, CSV, a search
    with a mistake), opens a group from the results, shortlists it, reads the shortlist
    and the sheets."""
    for postcode in (LOADED, NOT_LOADED):
        query = {"near": postcode, "condition": "alcohol", "q": "recovery"}
        search = f"/?near={postcode.replace(' ', '+')}&condition=alcohol"
        assert group.name in client.get("/", query).content.decode()
        assert client.get("/api/groups/", query).status_code == 200
        assert client.get("/export.csv", query).status_code == 200
        assert client.get("/api/groups/", {**query, "radius_km": "far"}).status_code == 400
        client.get(group.get_absolute_url(), HTTP_REFERER=f"http://testserver{search}")
        client.post("/shortlist/add/", {"group": group.pk, "next": search})
    assert client.get("/shortlist/").status_code == 200
    assert client.get(f"/referral/?group={group.slug}").status_code == 200
    assert client.get(f"/groups/{group.slug}/referral/").status_code == 200
    assert client.get(f"/referral.txt?group={group.slug}").status_code == 200


def test_no_table_or_log_holds_the_postcode_after_a_search_and_a_shortlist(
    client, places, published_group, caplog
):
    before = rows_holding(LOADED, NOT_LOADED)
    assert {table for table, _ in before} == {"groups_place"}, "the loaded postcode itself"

    with caplog.at_level(logging.DEBUG):
        clinician_visit(client, published_group)

    assert Session.objects.exists(), "the shortlist is in a session row"
    assert rows_holding(LOADED, NOT_LOADED) == before
    logged = " ".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert flat(LOADED) not in flat(logged) and flat(NOT_LOADED) not in flat(logged)


def test_the_shortlist_keeps_only_group_ids(client, places, published_group):
    clinician_visit(client, published_group)

    assert dict(client.session.items()) == {"shortlist": [published_group.pk]}


def test_back_to_your_search_is_the_browsers_back_never_a_stored_address(client, published_group):
    client.post("/shortlist/add/", {"group": published_group.pk, "next": "/?near=LS6+3HN"})

    html = client.get("/shortlist/").content.decode()

    assert "near=" not in html
    assert re.search(r'href="/" data-history-back>Back to your search', html)
    assert "js/history-back" in html


def test_an_anonymous_session_ends_with_the_browser_and_after_8_hours(client, published_group):
    response = client.post("/shortlist/add/", {"group": published_group.pk})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == "", "a browser-session cookie"
    left = Session.objects.get(pk=cookie.value).expire_date - timezone.now()
    assert dt.timedelta(hours=8) - dt.timedelta(minutes=5) < left <= dt.timedelta(hours=8)
    assert ANONYMOUS_SESSION_SECONDS == 8 * 60 * 60


def test_a_remembered_sign_in_keeps_its_own_length(client, make_user):
    user = make_user("organiser@example.org")

    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD, "remember": "on"}
    )

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    left = Session.objects.get(pk=cookie.value).expire_date - timezone.now()
    assert left > dt.timedelta(days=1)


def test_finished_with_this_patient_clears_the_whole_session(client, published_group):
    client.post("/shortlist/add/", {"group": published_group.pk})
    session = client.session
    session["anything_else"] = "kept by some other page"
    session.save()

    response = client.post("/shortlist/clear/")

    assert response.status_code == 302 and response["Location"] == "/"
    assert not Session.objects.exists()
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    html = client.get("/").content.decode()
    assert "Everything is cleared" in html


def test_finished_with_this_patient_is_on_the_shortlist_and_every_sheet(client, published_group):
    client.post("/shortlist/add/", {"group": published_group.pk})
    button = "Finished with this patient: clear everything"
    for url in [
        "/shortlist/",
        f"/referral/?group={published_group.slug}",
        f"/groups/{published_group.slug}/referral/",
    ]:
        html = client.get(url).content.decode()
        assert button in html, url
        assert 'action="/shortlist/clear/"' in html, url
    assert "Empty the shortlist" not in client.get("/shortlist/").content.decode()


def test_pages_that_build_a_link_from_the_referer_are_never_stored(client, published_group):
    """Every public page is asked with a Referer holding a postcode; one that puts any of
    it in the page must send Cache-Control: no-store."""
    referer = "http://testserver/?near=ZZ99+9ZZ&condition=alcohol"
    values = {"slug": published_group.slug, "int": str(published_group.pk), "str": "x"}
    reflecting = []
    for pattern in all_patterns():
        path, match = resolved(pattern, {**values, "path": "1"})
        if match is None or need_for(match).who != "public":
            continue
        response = client.get(path, HTTP_REFERER=referer)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if b"ZZ99" in body:
            reflecting.append(path)
            assert "no-store" in response.get("Cache-Control", ""), path
    assert f"/groups/{published_group.slug}/" in reflecting, "the group page's Back to search"


def test_the_readme_runs_clearsessions_daily():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    cron = readme[readme.index("From cron, once a day") :][:600]
    assert "manage.py clearsessions" in cron
