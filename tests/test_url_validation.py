"""Issue 13 point 19: one validator (groups.models.web_url) for every web address we
accept refuses user names or passwords before the host, backslashes and bidirectional
control characters; one-line fields refuse U+202A to U+202E and U+2066 to U+2069 as they
refuse other control characters; feeds drop such links and characters."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from feeds.intermediate import one_line, web_link
from groups.importing import import_groups
from groups.models import Group, single_line, web_url
from tests.support.organisers import group_form_data

pytest_plugins = ["tests.organiser_fixtures"]

BIDI_CONTROLS = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
REFUSED = {
    "userinfo": "https://nhs.uk@evil.example/",
    "user-and-password": "https://user:secret@example.org/",
    "empty-userinfo": "https://@example.org/",
    "backslash-host": "https://evil.example\\@nhs.uk/",
    "backslash-path": "https://example.org\\path",
    "right-to-left-override": "https://exa\u202elpmaxe.org/",
    "isolate": "https://example.org/\u2067x",
    "right-to-left-mark": "https://example.org/\u200fjoin",
    "nul": "https://example.org/\x00",
}
ACCEPTED = [
    "https://example.org/",
    "https://meet.example.org/j/123?pwd=abc#start",
    "http://example.org:8080/path/a@b",
    "https://bücher.example/",
]


@pytest.mark.parametrize("url", REFUSED.values(), ids=REFUSED.keys())
def test_the_web_address_validator_refuses_addresses_that_hide_where_they_go(url):
    with pytest.raises(ValidationError):
        web_url(url)


@pytest.mark.parametrize("url", ACCEPTED)
def test_the_web_address_validator_takes_ordinary_addresses(url):
    web_url(url)


def test_every_web_address_field_uses_the_one_validator():
    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.URLField) and web_url not in field.validators
    ]
    assert fields == []


@pytest.mark.django_db
def test_the_organiser_form_refuses_such_addresses_and_saves_nothing(organiser_client, ls6):
    data = group_form_data(
        website=REFUSED["userinfo"], online_url=REFUSED["backslash-host"], format="hybrid"
    )

    page = organiser_client.post("/organisers/groups/new/", data).content.decode()

    assert "There is a problem" in page
    assert "without a user name or password" in page
    assert not Group.objects.exists()


@pytest.mark.django_db
def test_the_csv_import_refuses_such_addresses():
    text = (
        "name,orientation,conditions,latitude,longitude,website\n"
        f"Circle,inward,alcohol,53.8,-1.5,{REFUSED['userinfo']}\n"
    )

    result = import_groups(text.encode())

    assert [(p.line, p.column) for p in result.problems] == [(2, "website")]
    assert not Group.objects.exists()


@pytest.mark.parametrize("char", BIDI_CONTROLS, ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
def test_one_line_fields_refuse_bidirectional_controls(char):
    with pytest.raises(ValidationError, match="single line"):
        single_line(f"Circle {char}elcriC")


@pytest.mark.django_db
def test_the_organiser_form_refuses_them_in_a_name(organiser_client, ls6):
    data = group_form_data(name="Recovery \u202eelcriC")

    page = organiser_client.post("/organisers/groups/new/", data).content.decode()

    assert "text-direction overrides" in page
    assert not Group.objects.exists()


@pytest.mark.django_db
def test_the_migration_takes_them_out_of_values_saved_before(make_group):
    group = make_group("Circle")
    Group.objects.filter(pk=group.pk).update(name="Circle \u202eevil\u202c", town="\u2066Leeds")
    group.meetings.update(note="Room \u2067 2")
    migration = importlib.import_module(
        "groups.migrations.0015_web_url_and_one_line_without_bidi_controls"
    )

    migration.without_bidi_controls(apps, None)

    group.refresh_from_db()
    assert (group.name, group.town) == ("Circle evil", "Leeds")
    assert group.meetings.get().note == "Room  2"
    group.full_clean()


def test_a_feeds_link_that_hides_where_it_goes_is_dropped_and_its_text_cleaned():
    assert web_link(REFUSED["userinfo"]) == ""
    assert web_link(REFUSED["backslash-host"]) == ""
    assert web_link("https://example.org/join") == "https://example.org/join"
    assert one_line("Circle \u202eelcriC\u202c", 100) == "Circle elcriC"
