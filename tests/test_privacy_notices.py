"""Issue 13 point 22: the privacy notices say what is kept, and what they say holds."""

import datetime as dt
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from accounts.services import delete_account
from moderation.models import Action, Decision, RateCount, Report
from moderation.ratelimit import allow
from moderation.reports import record_answer, reply_to_takedown
from organisers.models import Claim
from organisers.team import request_claim

pytest_plugins = ["tests.organiser_fixtures"]

NOTE = "Zebrafinch: try the Tuesday meeting first, Sam at reception knows."
CLINICIAN = {
    "clinician_name": "Dr Quillon Marsh",
    "clinician_contact": "Ward 7, 0113 496 0999",
    "note": NOTE,
}
CACHE_TABLE = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])


def _every_row() -> str:
    """Every row of every table, as text."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows.append(repr(cursor.fetchall()))
    return "\n".join(rows)


def _cache_rows() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")
        return [key for (key,) in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/about/", "/privacy/organisers/"])
def test_it_links_everyones_privacy_notice_from_every_page(client, path):
    assert 'href="/privacy/"' in client.get(path).content.decode()


@pytest.mark.django_db
def test_the_notice_says_what_is_kept_why_and_for_how_long(client, settings):
    settings.CONTACT_EMAIL = "privacy@directory.example"
    response = client.get("/privacy/")
    page = " ".join(response.content.decode().split())
    assert response.status_code == 200
    for heading in (
        "When you search",
        "Your name and note on a referral sheet",
        "When you report a problem with a listing",
        "People named in listings",
        "Your IP address",
        "Cookies",
    ):
        assert heading in page
    assert "We never store them" in page
    assert "from the meeting lists that fellowships publish" in page
    assert "keep a copy of what the list last said" in page
    assert "within two hours of the last attempt" in page
    assert "and requests to our open data" in page
    assert "Your shortlist keeps only which groups you chose" in page
    assert "on our server for 8 hours at most" in page
    assert "Finished with this patient: clear everything" in page
    assert 'href="/privacy/organisers/"' in page
    assert "mailto:privacy@directory.example" in page


@pytest.mark.django_db
def test_the_about_page_says_the_sheets_note_is_not_stored_and_links_the_notice(client):
    page = " ".join(client.get("/about/").content.decode().split())
    assert "Nor do we store the name, contact details or note you add to a referral sheet" in page
    assert 'Our <a href="/privacy/">privacy notice</a>' in page


def test_the_clinicians_note_is_in_no_table_after_a_sheet_is_printed(client, published_group):
    for path in (
        f"/groups/{published_group.slug}/referral/",
        f"/groups/{published_group.slug}/referral.txt",
    ):
        response = client.post(path, CLINICIAN)
        assert response.status_code == 200
        assert "Zebrafinch" in response.content.decode()
    everything = _every_row()
    for value in ("Zebrafinch", "Quillon", "496 0999"):
        assert value not in everything


@pytest.mark.django_db
def test_the_hourly_purge_deletes_rate_limit_counts_once_they_expire():
    assert allow(RequestFactory().get("/"), "report", limit=5, seconds=3600)
    assert allow(RequestFactory().get("/"), "read:api", limit=5, seconds=60)
    cache.set("still-counting", 1, 3600)
    cache.set("expired", 1, 3600)
    RateCount.objects.filter(key__startswith="rl:report:").update(expires=int(time.time()) - 1)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CACHE_TABLE} SET expires = %s WHERE cache_key LIKE %s",
            [connection.ops.adapt_datetimefield_value(past), "%expired"],
        )
    assert any(key.endswith("expired") for key in _cache_rows()), "Django leaves it"

    call_command("purge_expired_cache")

    assert [c.key.split(":")[1] for c in RateCount.objects.all()] == ["read"]
    assert not any(key.endswith("expired") for key in _cache_rows())
    assert cache.get("still-counting") == 1


def test_the_readme_runs_the_purge_every_hour():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "manage.py purge_expired_cache" in readme


@pytest.mark.django_db
def test_the_organisers_notice_says_what_claims_invitations_and_replies_keep(client):
    page = " ".join(client.get("/privacy/organisers/").content.decode().split())
    assert "If you ask to help keep a listed group up to date</strong>: your reason" in page
    assert "to the group's listed contact and its organisers" in page
    assert "Invitations you send</strong>: the address you invite" in page
    assert "your reply if we take it down" in page
    assert "are deleted with your account" in page
    assert 'href="/privacy/"' in page


def test_deleting_an_account_deletes_its_claims_and_keeps_its_replies_without_its_name(
    make_group, owned_group, organiser, make_user
):
    claimant = make_user("claimant@example.org")
    request_claim(group=make_group("Another group"), user=claimant, reason="I chair it.")
    group = owned_group()
    report = Report.objects.create(group=group, problem="details_wrong", details="Moved.")
    record_answer(report=report, text="It moved to Tuesdays.", user=organiser)
    takedown = Decision.objects.create(group=group, action=Action.ARCHIVED, reason="Gone")
    reply_to_takedown(decision=takedown, text="We still meet.", user=organiser)

    delete_account(claimant)
    delete_account(organiser)

    assert not Claim.objects.exists()
    report.refresh_from_db()
    takedown.refresh_from_db()
    assert (report.organiser_reply, report.replied_by) == ("It moved to Tuesdays.", None)
    assert (takedown.reply, takedown.replied_by) == ("We still meet.", None)
