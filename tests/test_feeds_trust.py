"""Imports that publish at once need the moderators' approve permission (issue 15 point 7):
a trusted source publishes its new listings at once, so only a moderator may trust one."""

from __future__ import annotations

import pytest

from directory.access import APPROVE
from feeds.models import Source
from tests.test_access import staff_client  # noqa: F401  (fixture)
from tests.test_feeds_moderation import source_form

pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]
pytestmark = pytest.mark.django_db

SOURCE_PERMS = ("feeds.add_source", "feeds.change_source", "feeds.view_source")


def test_staff_without_the_approve_permission_cannot_trust_a_source(
    staff_client,  # noqa: F811
    places,
):
    client = staff_client(*SOURCE_PERMS)

    form = client.get("/admin/feeds/source/add/").context["adminform"].form
    client.post("/admin/feeds/source/add/", source_form("https://example.org/m.json", trusted="on"))
    source = Source.objects.get()
    client.post(
        f"/admin/feeds/source/{source.pk}/change/",
        source_form("https://example.org/m.json", trusted="on"),
    )

    assert "trusted" not in form.fields
    source.refresh_from_db()
    assert source.trusted is False


def test_a_moderator_may_trust_a_source(staff_client, places):  # noqa: F811
    client = staff_client(*SOURCE_PERMS, APPROVE)

    response = client.post(
        "/admin/feeds/source/add/", source_form("https://example.org/m.json", trusted="on")
    )

    assert response.status_code == 302
    assert Source.objects.get().trusted is True
