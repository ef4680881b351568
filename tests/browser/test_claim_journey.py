"""An organiser's journey with a listing they did not create, in Chromium (issue 15, "Done
when"): they claim an imported listing; the group's listed address confirms them; a
moderator approves; they edit it; a moderator, on a phone, turns the changes down; the
edit reopens in the form with the reason, and resubmitted is approved; they pause the
group; the listing is confirmed with one click from the reminder email, without signing
in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from groups.models import ConfirmedBy, Group
from organisers.models import GroupOwner
from tests.browser.test_organiser_journey import signed_in
from tests.support.organisers import link_in

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.organiser_fixtures"]

PHONE = {"width": 360, "height": 740}
EDITED = "SMART Recovery tools, every Tuesday, in Broomhill."


def fits_the_width(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_claim_approval_edit_rejection_resubmit_pause_and_one_click_still_meeting(
    browser: Browser, live_server, mailoutbox, make_group, organiser, moderator
):
    group = make_group("Broomhill SMART Recovery", email="contact@broomhill-smart.example")

    # The organiser asks to organise the listing, from its public page.
    own = signed_in(browser, live_server, organiser)
    own.goto(live_server.url + group.get_absolute_url())
    own.get_by_role("link", name="Help keep it up to date").click()
    own.get_by_label("How are you involved with the group?").fill(
        "I have facilitated it since 2024."
    )
    own.get_by_role("button", name="Ask to organise this group").click()
    expect(own.locator("main")).to_contain_text("We have asked the group to confirm")

    # The group's listed address confirms them, from the email, without signing in.
    (asked,) = [m for m in mailoutbox if m.to == ["contact@broomhill-smart.example"]]
    assert group.name not in asked.subject
    contact = browser.new_context().new_page()
    contact.goto(live_server.url + link_in(asked.body))
    expect(contact.get_by_role("heading", level=1)).to_have_text(
        f"Does {organiser.email} help run the group?"
    )
    contact.get_by_role("button", name="Yes, they help run the group").click()
    expect(contact.locator("main")).to_contain_text("yes, they help run the group")

    # A moderator sees that the group confirmed them, and approves.
    moderation = signed_in(browser, live_server, moderator)
    moderation.goto(live_server.url + "/moderation/")
    expect(moderation.locator("main")).to_contain_text("confirmed by the group")
    moderation.get_by_role("link", name="Broomhill SMART Recovery").click()
    expect(moderation.locator(".nhsuk-summary-list")).to_contain_text("Confirmed")
    moderation.get_by_role("button", name="Approve: make them an organiser").click()
    expect(moderation.locator(".app-messages")).to_contain_text(
        f"{organiser.email} now helps organise Broomhill SMART Recovery"
    )
    assert GroupOwner.objects.filter(group=group, user=organiser).exists()

    # The organiser edits the listing; the changes wait for review.
    own.goto(live_server.url + "/organisers/")
    own.get_by_role("link", name="Broomhill SMART Recovery").click()
    own.get_by_role("link", name="Edit the group's details and meetings").click()
    own.get_by_label("Summary").fill(EDITED)
    own.get_by_role("button", name="Continue").last.click()
    expect(own.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    own.get_by_role("button", name="Submit for review").click()
    expect(own.locator(".app-messages")).to_contain_text("Your changes are waiting for review")

    # The moderator reviews them on a phone: the diff fits, and they turn them down.
    moderation.set_viewport_size(PHONE)
    moderation.goto(live_server.url + "/moderation/")
    moderation.get_by_role("link", name="Broomhill SMART Recovery").first.click()
    expect(moderation.locator(".app-diff")).to_contain_text("SMART Recovery tools")
    assert fits_the_width(moderation)
    moderation.get_by_label("Reason for not approving").fill(
        "Please say which room: the church has two halls."
    )
    moderation.get_by_role("button", name="Do not approve").click()
    expect(moderation.locator(".app-messages")).to_be_visible()
    (turned_down,) = [m for m in mailoutbox if "the church has two halls" in m.body]
    assert turned_down.to == [organiser.email]
    group.refresh_from_db()
    assert group.summary == "A peer support group."  # the listing stays as it was

    # The turned-down edit reopens in the form, with the reason above it, and is sent again.
    own.goto(live_server.url + f"/organisers/groups/{group.pk}/")
    own.get_by_role("link", name="Edit the group's details and meetings").click()
    expect(own.locator(".app-rejection")).to_contain_text("the church has two halls")
    expect(own.get_by_label("Summary")).to_have_value(EDITED)
    own.get_by_role("button", name="Continue").last.click()
    expect(own.locator(".app-check-answers")).to_contain_text(EDITED)
    own.get_by_role("button", name="Submit for review").click()
    expect(own.locator(".app-messages")).to_contain_text("Your changes are waiting for review")
    moderation.goto(live_server.url + "/moderation/")
    moderation.get_by_role("link", name="Broomhill SMART Recovery").first.click()
    moderation.get_by_role("button", name="Approve the changes").click()
    expect(moderation.locator(".app-messages")).to_be_visible()
    group.refresh_from_db()
    assert group.summary == EDITED

    # The organiser pauses the group, with no date: clinicians see it plainly.
    own.goto(live_server.url + f"/organisers/groups/{group.pk}/")
    own.get_by_role("link", name="Pause the group").click()
    own.get_by_role("button", name="Pause the group").click()
    expect(own.locator(".app-messages")).to_contain_text("The group is marked as paused.")
    public = browser.new_context().new_page()
    public.goto(live_server.url + group.get_absolute_url())
    expect(public.locator(".app-paused")).to_contain_text("not meeting for now")

    # Eleven months on, the reminder's link confirms it in one click, with no sign-in.
    Group.objects.filter(pk=group.pk).update(
        last_verified=timezone.localdate() - dt.timedelta(days=340)
    )
    mailoutbox.clear()
    call_command("review_staleness")
    (reminder,) = [m for m in mailoutbox if m.to == [organiser.email]]
    anyone = browser.new_context().new_page()
    anyone.goto(live_server.url + link_in(reminder.body.split("still meets")[1]))
    expect(anyone.get_by_role("heading", level=1)).to_have_text(
        "Does the group still meet as listed?"
    )
    anyone.get_by_role("button", name="Yes, it still meets as listed").click()
    expect(anyone.locator("main")).to_contain_text("confirmed as of today")
    group.refresh_from_db()
    assert group.last_verified == timezone.localdate()
    assert group.confirmed_by == ConfirmedBy.GROUP
