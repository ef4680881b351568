"""Issue 13 point 13: a staff account is deactivated, never deleted, so the admin's log
(LogEntry, which cascades on delete) keeps who did what; the account page says so."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from accounts.services import StaffAccountsAreKept
from groups.models import Condition
from tests.support.organisers import PASSWORD

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


@pytest.fixture
def staff_with_a_log(make_user):
    """A moderator who has changed something in the admin."""
    staff = make_user("moderator@example.org", staff=True)
    LogEntry.objects.log_actions(
        user_id=staff.pk,
        queryset=[Condition.objects.first()],
        action_flag=CHANGE,
        change_message="Renamed",
        single_object=True,
    )
    return staff


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_closing_a_staff_account_deactivates_it_and_the_admin_log_survives(staff_with_a_log):
    client = signed_in(staff_with_a_log)

    page = client.get("/accounts/delete/").content.decode()
    assert "<h1>Deactivate your account</h1>" in page
    response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    staff_with_a_log.refresh_from_db()
    assert not staff_with_a_log.is_active
    assert LogEntry.objects.get().user == staff_with_a_log
    assert "Your account is deactivated" in client.get("/").content.decode()
    assert not Client().login(username=staff_with_a_log.username, password=PASSWORD)


def test_an_account_the_admin_log_names_is_kept_even_after_leaving_the_staff(staff_with_a_log):
    staff_with_a_log.is_staff = False
    staff_with_a_log.save()

    signed_in(staff_with_a_log).post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert LogEntry.objects.get().user == staff_with_a_log


def test_an_organisers_account_is_still_deleted(make_user):
    organiser = make_user("organiser@example.org")

    signed_in(organiser).post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert not get_user_model().objects.filter(pk=organiser.pk).exists()


def test_the_admin_deactivates_staff_and_never_deletes_them(staff_with_a_log, make_user):
    admin = make_user("root@example.org", staff=True)
    admin.is_superuser = True
    admin.save()
    client = signed_in(admin)
    url = f"/admin/auth/user/{staff_with_a_log.pk}/"

    assert client.get(url + "delete/").status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [staff_with_a_log.pk], "post": "yes"},
    )  # there is no such action on users
    assert get_user_model().objects.filter(pk=staff_with_a_log.pk, is_active=True).exists()
    client.post(
        "/admin/auth/user/",
        {"action": "deactivate_accounts", "_selected_action": [staff_with_a_log.pk]},
    )

    staff_with_a_log.refresh_from_db()
    assert not staff_with_a_log.is_active
    assert LogEntry.objects.filter(user=staff_with_a_log).count() == 1


def test_no_code_path_deletes_a_staff_account(staff_with_a_log, make_user):
    new_staff = make_user("new.staff@example.org", staff=True)
    for delete in [
        staff_with_a_log.delete,
        get_user_model().objects.filter(pk=staff_with_a_log.pk).delete,
        new_staff.delete,
    ]:
        with pytest.raises(StaffAccountsAreKept), transaction.atomic():
            delete()
    assert LogEntry.objects.filter(user=staff_with_a_log).exists()
    assert get_user_model().objects.filter(pk=new_staff.pk).exists()


def test_the_account_page_says_staff_accounts_are_deactivated(staff_with_a_log, make_user):
    staff_page = signed_in(staff_with_a_log).get("/accounts/").content.decode()
    organiser_page = signed_in(make_user()).get("/accounts/").content.decode()

    assert "Staff accounts are deactivated, never deleted" in staff_page
    assert "Deactivate your account" in staff_page
    assert "never deleted" not in organiser_page
    assert "Delete your account" in organiser_page
