"""Staff set up two-factor authentication only through a link emailed to their account,
good for 24 hours; `manage.py staff_enrolment_link` prints one for the first staff member
(issue 13 point 8)."""

from __future__ import annotations

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts import enrolment
from tests.support.organisers import PASSWORD, link_in

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def new_staff(make_user):
    return make_user("new.staff@example.org", staff=True, totp=False)


def signed_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def set_up_app(client: Client) -> int:
    """Sets up an authenticator app on the activation page, as a person would; returns
    the page's status if it refuses."""
    page = client.get(ACTIVATE)
    if page.status_code == 302 and "/reauthenticate/" in page["Location"]:
        client.post(page["Location"], {"password": PASSWORD})  # allauth asks again first
        page = client.get(ACTIVATE)
    if page.status_code != 200:
        return page.status_code
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode())[1]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    return client.post(ACTIVATE, {"code": code}).status_code


def emailed_link(admin_client: Client, user) -> str:
    admin_client.post(
        "/admin/auth/user/",
        {"action": "send_two_factor_link", "_selected_action": [user.pk]},
    )
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    assert "24 hours" in message.body
    return link_in(message.body)


def test_staff_cannot_set_up_an_app_on_their_own(new_staff):
    client = signed_in(new_staff)
    refused = client.get(ACTIVATE)
    assert refused.status_code == 403
    assert "only from a link we email" in refused.content.decode()
    assert client.post(ACTIVATE, {"code": "123456"}).status_code == 403
    assert not Authenticator.objects.filter(user=new_staff).exists()
    # The staff pages send them there too.
    assert client.get("/moderation/", follow=True).status_code == 403


def test_an_admin_emails_a_link_that_lets_that_browser_set_up_an_app(new_staff, moderator_client):
    link = emailed_link(moderator_client, new_staff)
    client = signed_in(new_staff)
    assert client.get(link)["Location"] == ACTIVATE
    assert set_up_app(client) == 302
    assert Authenticator.objects.filter(user=new_staff, type="totp").exists()
    # Done: the link no longer works.
    assert client.get(link).status_code == 400


def test_the_link_needs_the_account_signed_in(new_staff, moderator_client):
    link = emailed_link(moderator_client, new_staff)
    response = Client().get(link)
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_link_is_only_for_its_own_account(new_staff, make_user, moderator_client):
    link = emailed_link(moderator_client, new_staff)
    other = make_user("other.staff@example.org", staff=True, totp=False)
    client = signed_in(other)
    assert client.get(link).status_code == 400
    assert set_up_app(client) == 403


def test_the_link_expires_after_24_hours(new_staff, moderator_client, monkeypatch):
    link = emailed_link(moderator_client, new_staff)
    sent = enrolment.clock()
    monkeypatch.setattr(enrolment, "clock", lambda: sent + 24 * 60 * 60 + 1)
    client = signed_in(new_staff)
    assert client.get(link).status_code == 400
    assert set_up_app(client) == 403


def test_organisers_still_set_up_an_app_themselves(organiser):
    client = signed_in(organiser)
    assert set_up_app(client) == 302
    assert Authenticator.objects.filter(user=organiser, type="totp").exists()


def test_the_command_prints_a_link_for_the_first_staff_member(new_staff, settings):
    settings.SITE_URL = "https://directory.example.org"
    out = io.StringIO()
    call_command("staff_enrolment_link", new_staff.email, stdout=out)
    url = out.getvalue().strip()
    assert url.startswith("https://directory.example.org/accounts/staff-enrolment/?token=")
    client = signed_in(new_staff)
    assert client.get(url.removeprefix("https://directory.example.org"))["Location"] == ACTIVATE
    assert set_up_app(client) == 302


def test_the_command_refuses_once_another_admin_has_two_factor(new_staff, moderator):
    with pytest.raises(CommandError, match="sends the link from the admin"):
        call_command("staff_enrolment_link", new_staff.email, stdout=io.StringIO())


@pytest.mark.parametrize("who", ["organiser", "enrolled"])
def test_the_command_is_only_for_staff_without_two_factor(who, organiser, make_user):
    user = organiser if who == "organiser" else make_user("done@example.org", staff=True)
    with pytest.raises(CommandError):
        call_command("staff_enrolment_link", user.email, stdout=io.StringIO())
