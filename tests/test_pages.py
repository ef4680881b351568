"""The group page and the site's frame, as a clinician sees them."""

import datetime as dt

import pytest
from django.urls import reverse

from groups.models import Group
from tests.support.hostile import HOSTILE, assert_shown_as_text, hostile_params
from tests.support.legacy import legacy_values

pytestmark = pytest.mark.django_db


def test_it_shows_every_public_field_in_plain_language(client, published_group):
    response = client.get(published_group.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Headingley Recovery Circle",
        "Weekly recovery meeting for anyone who wants to stop drinking.",
        "Inward-oriented",
        "Focuses on personal change",
        "Peer support group",
        "Alcohol",
        "Every Tuesday, 7pm to 8:30pm",
        "2nd Monday of the month, 6pm to 7:30pm",
        "headingley@example.org",
        "0113 496 0000",
        "https://example.org/headingley",
        "British Sign Language",
        "Free",
        "openstreetmap.org/?mlat=53.81950&amp;mlon=-1.57550",
        "NHS 111",
        "116 123",
        "999",
        "not an NHS service",
    ]:
        assert text in html, text


def test_it_shows_the_next_meeting_date(client, make_group, today):
    group = make_group(meetings="Tue 19:00-20:30")
    days = (1 - today.weekday()) % 7
    next_tuesday = today + dt.timedelta(days=days)
    response = client.get(group.get_absolute_url())
    assert f"Tuesday {next_tuesday.day} {next_tuesday:%B %Y}" in response.content.decode()


def test_it_says_ask_the_group_for_an_unanchored_fortnightly_meeting(client, make_group):
    group = make_group(meetings="alt Wed 14:00-15:30")
    html = client.get(group.get_absolute_url()).content.decode()
    assert "Every other Wednesday, 2pm to 3:30pm" in html
    assert "Ask the group" in html


def test_it_says_when_there_are_no_fixed_meetings(client, make_group):
    group = make_group(meetings="")
    assert "no fixed meetings" in client.get(group.get_absolute_url()).content.decode()


def test_it_warns_when_not_verified_for_over_12_months(client, make_group, today):
    fresh = make_group("Fresh", last_verified=today - dt.timedelta(days=300))
    stale = make_group("Stale", last_verified=today - dt.timedelta(days=400))
    assert "May be out of date" not in client.get(fresh.get_absolute_url()).content.decode()
    assert "May be out of date" in client.get(stale.get_absolute_url()).content.decode()


@pytest.mark.parametrize("status", ["draft", "pending", "archived"])
def test_it_hides_groups_that_are_not_published(client, make_group, status):
    group = make_group(status=status, phone="0113 496 0777")
    page = client.get(group.get_absolute_url())
    # An archived group's page stays (printed QR codes lead to it), without its details.
    assert page.status_code == (200 if status == "archived" else 404)
    assert "0113 496 0777" not in page.content.decode()
    assert client.get(f"/api/groups/{group.pk}/").status_code == 404


def test_it_keeps_the_slug_when_the_name_changes(make_group):
    group = make_group("Original name")
    group.name = "New name"
    group.save()
    group.refresh_from_db()
    assert group.slug == "original-name"


def test_it_gives_each_group_a_unique_slug(make_group):
    assert make_group("Same").slug != make_group("Same").slug


def test_it_escapes_organiser_text_everywhere_it_is_shown(client, make_group, ls6):
    group = make_group(
        HOSTILE,
        summary=HOSTILE,
        description=HOSTILE,
        cost=HOSTILE,
        access_notes=HOSTILE,
        address=HOSTILE,
        town=HOSTILE,
        phone="<b>0113</b>",
        meetings="Tue 19:00-20:30 (<i>bring</i> a friend)",
    )
    pages = [
        client.get(group.get_absolute_url()),
        client.get("/", {"near": "LS6"}),
        client.get("/", {"q": "alert"}),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    detail = pages[0].content.decode()
    assert "<i>bring</i>" not in detail and "&lt;i&gt;bring&lt;/i&gt;" in detail
    assert "<b>0113</b>" not in detail


@pytest.mark.parametrize("text", hostile_params())
def test_it_shows_every_kind_of_hostile_text_as_text(client, make_group, ls6, text):
    # As stored: one-line fields refuse line breaks now, but rows saved before may hold them.
    group = legacy_values(
        make_group(),
        name=text,
        summary=text,
        description=text,
        cost=text,
        access_notes=text,
        address=text,
        town=text,
    )
    for url, query in [
        (group.get_absolute_url(), {}),
        ("/", {"near": "LS6"}),
        (f"/groups/{group.slug}/referral/", {}),
    ]:
        response = client.get(url, query)
        assert response.status_code == 200
        assert_shown_as_text(response.content.decode(), text, url)


def test_it_labels_sample_data_on_every_page(client, make_group):
    make_group("Sample", external_id="demo-001")
    from django.core.cache import cache

    cache.clear()
    for url in ["/", "/about/", "/?near=Leeds"]:
        assert "Sample data." in client.get(url).content.decode()


def test_it_does_not_label_real_listings_as_sample(client, make_group):
    from django.core.cache import cache

    cache.clear()
    make_group("Real", external_id="council-42")
    assert "Sample data." not in client.get("/").content.decode()


def test_home_page_explains_the_three_orientations(client):
    html = client.get(reverse("groups:search")).content.decode()
    assert "Inward-oriented" in html and "Outward-oriented" in html
    assert "Both inward and outward" in html
    assert "10 miles (16 km)" in html


def test_group_without_coordinates_cannot_be_published(make_group):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    group = make_group()
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(latitude=None, longitude=None)
    with pytest.raises(ValidationError):
        make_group(format="online", online_url="javascript:alert(1)")


def test_a_slug_taken_between_check_and_insert_goes_to_the_next_free_one(make_group):
    from groups.services import _save_with_free_slug

    first = make_group("Same name")
    racer = Group(**{f.name: getattr(first, f.name) for f in Group._meta.concrete_fields
                     if f.name not in ("id", "external_id")})  # fmt: skip
    assert racer.slug == first.slug
    _save_with_free_slug(racer, created=True)
    assert racer.pk and racer.slug == "same-name-2"


def test_the_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    html = client.get("/about/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg' in html
    assert 'type="image/svg+xml"' in html


def test_a_group_page_gives_when_where_and_how_to_join_before_the_evidence(client, make_group):
    group = make_group("ME support", conditions=("chronic_fatigue_syndrome",))
    html = client.get(group.get_absolute_url()).content.decode()
    # The caution stays at the top, linking down to the evidence.
    assert html.index('href="#evidence"') < html.index("When and where it meets")
    assert html.index("When and where it meets") < html.index("How to join")
    assert html.index("How to join") < html.index('id="evidence"')
