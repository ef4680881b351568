"""The organiser's whole journey in Chromium: sign up, confirm the address from the email,
list a group, a moderator (with two-factor) approves it, a clinician finds it. And axe
finds no violations on the organiser and moderator forms shown with their errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_accessibility import assert_accessible
from tests.support.organisers import PASSWORD, link_in

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.organiser_fixtures"]


def totp_code(user) -> str:
    secret = decrypt(Authenticator.objects.get(user=user, type="totp").data["secret"])
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_an_organiser_lists_a_group_and_a_clinician_finds_it(
    page: Page, browser: Browser, live_server, mailoutbox, ls6, moderator
):
    # Sign up.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Group organisers: sign in").click()
    page.get_by_role("link", name="Create an organiser account").click()
    page.get_by_label("Email").fill("new.organiser@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    # Confirm the address from the email.
    (message,) = [m for m in mailoutbox if m.to == ["new.organiser@example.org"]]
    page.goto(live_server.url + link_in(message.body))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your groups")

    # List a group; first with a mistake.
    page.get_by_role("button", name="List a new group").click()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    page.get_by_label("Name of the group").fill("Woodhouse Moor Recovery Circle")
    page.get_by_label("Summary").fill("A weekly peer support meeting about drinking.")
    page.get_by_label("Type of group").select_option(label="Peer support group")
    page.get_by_label("Inward-oriented").check()
    page.get_by_label("Alcohol", exact=True).check()
    page.get_by_label("Town", exact=True).fill("Leeds")
    page.get_by_label("Postcode", exact=True).fill("LS6")
    page.get_by_label("Day").select_option(label="Tuesday")
    page.get_by_label("Starts at").fill("19:00")
    page.get_by_label("Ends at").fill("20:30")
    page.get_by_role("button", name="Continue", exact=True).click()
    # Check your answers: the whole listing, then send it.
    expect(page.get_by_text("Woodhouse Moor Recovery Circle").first).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".app-messages")).to_contain_text("waiting for review")

    # A moderator signs in with their authenticator app and approves it.
    moderation = browser.new_context().new_page()
    moderation.goto(live_server.url + "/moderation/")
    moderation.get_by_label("Email").fill(moderator.email)
    moderation.get_by_label("Password").fill(PASSWORD)
    moderation.get_by_role("button", name="Sign in").click()
    moderation.get_by_label("Code").fill(totp_code(moderator))
    moderation.get_by_role("button", name="Sign In").click()
    moderation.get_by_role("link", name="Woodhouse Moor Recovery Circle").click()
    expect(moderation.locator(".app-diff")).to_contain_text("Every Tuesday, 7pm to 8:30pm")
    moderation.get_by_role("button", name="Approve", exact=True).click()
    expect(moderation.locator(".app-messages")).to_contain_text("is approved")

    # A clinician, not signed in, finds it near LS6.
    clinician = browser.new_context().new_page()
    clinician.goto(live_server.url + "/?near=LS6&condition=alcohol")
    clinician.get_by_role("link", name="Woodhouse Moor Recovery Circle").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Woodhouse Moor Recovery Circle")
    assert any("is now listed" in m.subject for m in mailoutbox)


def signed_in(browser: Browser, live_server, user) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def fill_in_a_group(page: Page) -> None:
    page.get_by_label("Name of the group").fill("Woodhouse Moor Recovery Circle")
    page.get_by_label("Type of group").select_option(label="Peer support group")
    page.get_by_label("Inward-oriented").check()
    page.get_by_label("Alcohol", exact=True).check()
    page.get_by_label("Postcode", exact=True).fill("LS6")
    page.get_by_label("Day").select_option(label="Tuesday")
    page.get_by_label("Starts at").fill("19:00")
    page.get_by_label("Ends at").fill("20:30")


def test_enter_in_a_field_continues_to_the_check_rather_than_adding_a_meeting(
    browser, live_server, organiser, ls6
):
    from groups.models import Group

    page = signed_in(browser, live_server, organiser)
    page.goto(live_server.url + "/organisers/groups/new/")
    fill_in_a_group(page)
    page.get_by_label("Name of the group").press("Enter")
    # Enter continues to "check your answers", as the form's Continue does.
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".app-messages")).to_contain_text("waiting for review")
    group = Group.objects.get()
    assert group.status == "pending"
    assert group.meetings.count() == 1


def test_enter_on_an_empty_form_shows_the_errors(browser, live_server, organiser):
    page = signed_in(browser, live_server, organiser)
    page.goto(live_server.url + "/organisers/groups/new/")
    page.get_by_label("Name of the group").press("Enter")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.locator("fieldset.app-meeting")).to_have_count(1)


def test_add_another_meeting_opens_the_page_at_the_new_meeting(browser, live_server, organiser):
    page = signed_in(browser, live_server, organiser)
    page.goto(live_server.url + "/organisers/groups/new/")
    page.get_by_role("button", name="Add another meeting").click()
    expect(page.locator("#meeting-2")).to_be_in_viewport()
    expect(page.locator("#meeting-2").get_by_label("Every week")).to_be_checked()
    page.get_by_role("button", name="Add another meeting").click()
    expect(page.locator("#meeting-3")).to_be_in_viewport()
    assert page.url.endswith("/organisers/groups/new/#meeting-3")


def submit(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()


FORMS: dict[str, Callable] = {}


def form(name: str):
    def register(fn):
        FORMS[name] = fn
        return fn

    return register


@form("signup")
def _signup(page, url, **_):
    page.goto(url + "/accounts/signup/")
    page.get_by_label("Email").fill("not an email")
    submit(page, "Create account")


@form("login")
def _login(page, url, **_):
    page.goto(url + "/accounts/login/")
    submit(page, "Sign in")


@form("password-reset")
def _reset(page, url, **_):
    page.goto(url + "/accounts/password/reset/")
    submit(page, "Reset My Password")


@form("report")
def _report(page, url, group, **_):
    page.goto(url + f"/groups/{group.slug}/report/")
    submit(page, "Send the report")


@form("group-form")
def _group_form(page, url, **_):
    page.goto(url + "/organisers/groups/new/")
    page.get_by_label("Ends at").fill("07:00")
    page.get_by_label("Starts at").fill("07:00")
    submit(page, "Continue")


@form("close")
def _close(page, url, group, **_):
    page.goto(url + f"/organisers/groups/{group.pk}/close/")
    submit(page, "Close the group")


@form("invite")
def _invite(page, url, group, **_):
    page.goto(url + f"/organisers/groups/{group.pk}/invite/")
    submit(page, "Send the invitation")


@form("delete-account")
def _delete(page, url, **_):
    page.goto(url + "/accounts/delete/")
    submit(page, "Delete my account")


@form("password-change")
def _password(page, url, **_):
    page.goto(url + "/accounts/password/change/")
    submit(page, "Change Password")


@form("moderation-review")
def _review(page, url, pending, **_):
    page.goto(url + f"/moderation/groups/{pending.pk}/")
    submit(page, "Do not approve")


@form("moderation-report")
def _resolve(page, url, report, **_):
    page.goto(url + f"/moderation/reports/{report.pk}/")
    submit(page, "Close the report")


@form("reauthenticate")
def _reauthenticate(page, url, **_):
    page.goto(url + "/accounts/2fa/totp/activate/")
    page.get_by_label("Password").fill("wrong")
    submit(page, "Confirm")


@form("two-factor-setup")
def _totp(page, url, **_):
    page.goto(url + "/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # a fresh password first, shown here with its error
        page.get_by_label("Password").fill("wrong")
        submit(page, "Confirm")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Authenticator code").fill("000000")
    submit(page, "Activate")


STAFF_FORMS = {"moderation-review", "moderation-report"}


@pytest.mark.parametrize("name", list(FORMS))
def test_forms_shown_with_errors_have_no_violations(
    name, browser, live_server, owned_group, organiser, moderator, make_user, ls6
):
    from moderation.models import Report

    group = owned_group()
    pending = owned_group("Pending group", status="pending")
    report = Report.objects.create(group=group, problem="details_wrong")
    if name in {"signup", "login", "password-reset", "report"}:
        page = browser.new_context().new_page()
    elif name in STAFF_FORMS:
        page = signed_in(browser, live_server, moderator)
    elif name in {"two-factor-setup", "reauthenticate"}:
        page = signed_in(browser, live_server, make_user("no.totp@example.org"))
    else:
        page = signed_in(browser, live_server, organiser)
    FORMS[name](page, live_server.url, group=group, pending=pending, report=report)
    assert page.title().startswith("Error:"), page.title()
    assert_accessible(page)


@pytest.mark.parametrize(
    "path",
    [
        "/organisers/",
        "/organisers/groups/{group}/",
        "/organisers/groups/{group}/edit/",
        "/accounts/",
    ],
)
def test_organiser_pages_have_no_violations(path, browser, live_server, owned_group, organiser):
    group = owned_group()
    page = signed_in(browser, live_server, organiser)
    page.goto(live_server.url + path.format(group=group.pk))
    assert_accessible(page)


@pytest.mark.parametrize(
    "path", ["/moderation/", "/moderation/groups/{group}/history/", "/privacy/organisers/"]
)
def test_moderator_pages_have_no_violations(path, browser, live_server, make_group, moderator):
    group = make_group()
    page = signed_in(browser, live_server, moderator)
    page.goto(live_server.url + path.format(group=group.pk))
    assert_accessible(page)
