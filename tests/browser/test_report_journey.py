"""A moderator's journey with a report, in Chromium (issue 15, "Done when"): someone
reports a problem; the moderator asks the organisers to check; they answer on their
group's page; the moderator reads the answer and closes the report with no takedown."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from playwright.sync_api import Browser, expect

from groups.models import Group
from moderation.forms import SALT
from moderation.models import Report
from tests.browser.test_organiser_journey import signed_in

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.organiser_fixtures"]


def test_report_ask_the_organisers_their_answer_closed_without_takedown(
    browser: Browser, live_server, mailoutbox, owned_group, organiser, moderator
):
    group = owned_group("Hyde Park Recovery Circle")

    # Someone reports that the time is wrong, without signing in.
    public = browser.new_context().new_page()
    public.goto(live_server.url + group.get_absolute_url())
    public.get_by_role("link", name="Report a problem with this listing").click()
    public.get_by_label("Some details are wrong").check()
    public.get_by_label("Tell us more").fill("It meets at 7:30 now.")
    # The form refuses what is sent within seconds of showing it (a bot): it was shown
    # a minute ago.
    shown = signing.dumps(time.time() - 60, salt=SALT)
    public.locator("input[name=shown_at]").evaluate("(e, v) => e.value = v", shown)
    public.get_by_role("button", name="Send the report").click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("Thank you")
    assert [m.subject for m in mailoutbox] == [
        "Someone reported a problem with your group's listing"
    ]

    # The moderator sees the organisers and asks them to check, by the suggested date.
    moderation = signed_in(browser, live_server, moderator)
    moderation.goto(live_server.url + "/moderation/")
    moderation.get_by_role("link", name="Hyde Park Recovery Circle: Some details are wrong").click()
    expect(moderation.locator(".nhsuk-summary-list")).to_contain_text(organiser.email)
    moderation.get_by_label("What should they check?").fill("Is it 7:30 now?")
    moderation.get_by_role("button", name="Ask the organisers to check").click()
    expect(moderation.locator(".app-messages")).to_contain_text("We have emailed the organisers")
    # No takedown before they answer or the date passes.
    moderation.get_by_label("What did you do?").fill("Taking it down.")
    moderation.get_by_label("The group has stopped").check()
    moderation.get_by_role("button", name="Close the report").click()
    expect(moderation.locator(".nhsuk-error-summary")).to_contain_text("have until")

    # The organiser answers on their group's page.
    own = signed_in(browser, live_server, organiser)
    own.goto(live_server.url + f"/organisers/groups/{group.pk}/")
    expect(own.locator(".app-question")).to_contain_text("Is it 7:30 now?")
    own.get_by_label("Your answer").fill("Yes: 7:30pm from this month. I have edited it.")
    own.get_by_role("button", name="Send your answer").click()
    expect(own.locator(".app-messages")).to_contain_text("a moderator will read your answer")

    # The moderator reads it and closes the report; the group stays listed.
    moderation.goto(live_server.url + "/moderation/")
    expect(moderation.locator("main")).to_contain_text("the organisers answered")
    moderation.get_by_role("link", name="Hyde Park Recovery Circle: Some details are wrong").click()
    expect(moderation.locator(".app-organiser-answer")).to_contain_text("7:30pm from this month")
    moderation.get_by_label("What did you do?").fill("The organisers are changing the time.")
    moderation.get_by_role("button", name="Close the report").click()
    expect(moderation.locator(".app-messages")).to_contain_text("The report is dealt with")
    report = Report.objects.get()
    assert (report.status, report.resolution) == (
        "resolved",
        "The organisers are changing the time.",
    )
    group.refresh_from_db()
    assert group.status == "published"
    assert Group.objects.published().filter(pk=group.pk).exists()
