"""Anyone can report a wrong listing, without signing in; rate-limited and spam-resistant."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.db import connection

from moderation.forms import SALT
from moderation.models import RateCount, Report

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


def shown(seconds_ago: float = 10) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=SALT)


def report(client, group, **data):
    return client.post(
        f"/groups/{group.slug}/report/",
        {"problem": "no_longer_meets", "details": "The hall is shut.", "shown_at": shown(), **data},
    )


def test_the_group_page_links_to_the_report_form(client, make_group):
    group = make_group()
    assert (
        f'href="/groups/{group.slug}/report/"'
        in client.get(group.get_absolute_url()).content.decode()
    )
    page = client.get(f"/groups/{group.slug}/report/").content.decode()
    assert 'name="shown_at"' in page
    assert 'class="app-honeypot"' in page


def test_anyone_can_report_a_problem(client, make_group, moderator_client):
    group = make_group()
    response = report(client, group)
    assert "Thank you for your report" in response.content.decode()
    saved = Report.objects.get()
    assert (saved.group, saved.problem, saved.details) == (
        group,
        "no_longer_meets",
        "The hall is shut.",
    )
    assert (
        f"/moderation/reports/{saved.pk}/" in moderator_client.get("/moderation/").content.decode()
    )


def test_it_needs_a_problem(client, make_group):
    response = report(client, make_group(), problem="")
    assert "Choose what is wrong with the listing." in response.content.decode()
    assert not Report.objects.exists()


def test_the_public_form_does_not_offer_internal_reasons(client, make_group):
    group = make_group()
    page = client.get(f"/groups/{group.slug}/report/").content.decode()
    assert "The group no longer meets" in page
    assert "deleted their account" not in page
    assert 'value="organiser_left"' not in page

    response = report(client, group, problem="organiser_left")
    assert "Thank you for your report" not in response.content.decode()
    assert not Report.objects.exists()


def test_a_filled_in_honeypot_is_thanked_and_dropped(client, make_group):
    response = report(client, make_group(), website="http://spam.example")
    assert "Thank you for your report" in response.content.decode()
    assert not Report.objects.exists()


def test_a_form_sent_too_quickly_is_refused(client, make_group):
    response = report(client, make_group(), shown_at=shown(seconds_ago=0.5))
    page = response.content.decode()
    assert "That was very quick" in page
    assert not Report.objects.exists()
    assert 'name="shown_at"' in page  # with a fresh time, to try again


def test_a_forged_or_missing_time_is_refused(client, make_group):
    group = make_group()
    assert "expired" in report(client, group, shown_at="forged").content.decode()
    assert (
        "expired" in report(client, group, shown_at=shown(seconds_ago=3 * 86400)).content.decode()
    )
    assert not Report.objects.exists()


def test_reports_are_rate_limited_per_client(client, make_group):
    group = make_group()
    for _ in range(5):
        assert report(client, group).status_code == 200
    assert report(client, group).status_code == 429
    other = client.__class__(REMOTE_ADDR="192.0.2.7")
    assert report(other, group).status_code == 200
    assert Report.objects.count() == 6


def test_no_address_is_stored(client, make_group):
    report(client, make_group())
    client.post(
        "/accounts/login/",
        {"login": "x@example.org", "password": "wrong"},
        REMOTE_ADDR="198.51.100.23",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM directory_cache")
        keys = [row[0] for row in cursor.fetchall()]
    keys += [count.key for count in RateCount.objects.all()]
    assert any(key.startswith("rl:report:") for key in keys)
    assert not any("198.51.100" in key or "127.0.0.1" in key for key in keys)
    assert not any("ip" in f.name for f in Report._meta.get_fields())


def test_only_listed_groups_can_be_reported(client, make_group):
    group = make_group(status="draft")
    assert client.get(f"/groups/{group.slug}/report/").status_code == 404
