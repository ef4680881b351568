"""Admins manage groups in the Django admin, through the same service as the import."""

import pytest

from groups.models import Condition, Group, GroupType
from tests.support.organisers import with_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-Admin-1")
    with_two_factor(user)
    client.force_login(user)
    return client


def _form(**overrides):
    data = {
        "name": "Admin-made group",
        "summary": "Made in the admin.",
        "description": "",
        "orientation": "hybrid",
        "group_type": GroupType.objects.get(slug="advocacy").pk,
        "conditions": [Condition.objects.get(slug="psychosis").pk],
        "format": "in_person",
        "latitude": "53.8",
        "longitude": "-1.55",
        "referral": "either",
        "sector": "voluntary_community",
        "step_free": "unknown",
        "languages": '["en"]',
        "status": "published",
        "last_verified": "2026-11-01",
        "meetings-TOTAL_FORMS": "1",
        "meetings-INITIAL_FORMS": "0",
        "meetings-0-weekday": "3",
        "meetings-0-start_time": "18:00",
        "meetings-0-end_time": "19:30",
        "meetings-0-recurrence": "monthly",
        "meetings-0-week_of_month": "-1",
    }
    data.update(overrides)
    return data


def test_it_creates_a_group_with_meetings_and_tags(admin_client):
    response = admin_client.post("/admin/groups/group/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    group = Group.objects.get(name="Admin-made group")
    assert group.slug == "admin-made-group"
    assert [c.slug for c in group.conditions.all()] == ["psychosis"]
    meeting = group.meetings.get()
    assert (meeting.weekday, meeting.week_of_month) == (3, -1)


def test_it_shows_a_bad_meeting_as_an_error_not_a_crash(admin_client):
    response = admin_client.post(
        "/admin/groups/group/add/", _form(**{"meetings-0-end_time": "18:00"})
    )
    assert response.status_code == 200
    assert "The end time must be different from the start time" in response.content.decode()
    assert not Group.objects.filter(name="Admin-made group").exists()


def test_it_rejects_a_javascript_link(admin_client):
    response = admin_client.post("/admin/groups/group/add/", _form(website="javascript:alert(1)"))
    assert response.status_code == 200
    assert not Group.objects.exists()


def test_the_admin_lists_and_filters_groups(admin_client, published_group):
    response = admin_client.get("/admin/groups/group/", {"status__exact": "published"})
    assert published_group.name in response.content.decode()
    response = admin_client.get(f"/admin/groups/group/{published_group.pk}/change/")
    assert response.status_code == 200


def test_it_refuses_a_line_break_in_a_one_line_field(admin_client):
    response = admin_client.post("/admin/groups/group/add/", _form(name="Admin\r\nmade group"))
    assert response.status_code == 200
    assert "Use a single line of text" in response.content.decode()
    assert not Group.objects.exists()
