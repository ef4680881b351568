"""A clinician shortlists three groups from search results and prints one clean sheet."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


def test_it_shortlists_three_groups_and_opens_one_clean_sheet(page: Page, demo_site):
    page.goto(demo_site.url + "/?near=LS6&condition=alcohol")
    cards = page.locator(".app-group-card")
    names = cards.locator("h3").all_inner_texts()[:3]
    for index in range(3):
        card = page.locator(".app-group-card").nth(index)
        card.get_by_role("button", name=re.compile(r"^Add .* to shortlist$")).click()
        expect(page.locator(".app-group-card").nth(index)).to_contain_text("On your shortlist")
    expect(page.locator(".app-messages")).to_contain_text("(3 of 5)")

    page.goto(demo_site.url + "/shortlist/")
    expect(page.locator(".app-shortlist__item h2")).to_have_text(names)
    page.get_by_role("link", name="Open the referral sheet").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mutual aid groups that may help you")
    expect(page.locator(".app-sheet__group h2[id^=sheet-group-]")).to_have_text(names)
    expect(page.locator(".app-sheet__qr svg")).to_have_count(3)
    expect(page.locator(".app-sheet__crisis").first).to_contain_text("Samaritans free on 116 123")
    # JavaScript turns the plain link into a Copy link button, and shows Print.
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    expect(page.get_by_role("button", name="Print this sheet")).to_be_visible()
    assert_accessible(page)

    # On paper: only the sheet, without the site's header, footer or the tools.
    page.emulate_media(media="print")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator(".nhsuk-footer")).to_be_hidden()
    expect(page.locator(".app-sheet-tools")).to_be_hidden()
    expect(page.locator(".app-sheet__crisis").first).to_be_visible()


def test_the_sheet_works_without_javascript(browser, demo_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site.url + "/?near=LS6&condition=alcohol")
    page.locator(".app-group-card").first.get_by_role(
        "button", name=re.compile("to shortlist")
    ).click()
    page.goto(demo_site.url + "/shortlist/")
    page.get_by_role("link", name="Open the referral sheet").click()

    expect(page.get_by_role("link", name="Link to this sheet")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    context.close()


def test_back_to_your_search_is_the_browsers_back_and_finished_clears_everything(
    page: Page, demo_site
):
    """Issue 13 point 3: the site keeps no search, so the shortlist goes back to it through
    the browser's history; "Finished with this patient" leaves nothing behind."""
    search = demo_site.url + "/?near=LS6&condition=alcohol"
    page.goto(search)
    page.locator(".app-group-card").first.get_by_role(
        "button", name=re.compile(r"^Add .* to shortlist$")
    ).click()
    page.get_by_role("link", name="See your shortlist and print a referral sheet").click()
    expect(page.locator(".app-shortlist__item")).to_have_count(1)

    page.get_by_role("link", name="Back to your search to add more groups").click()
    expect(page).to_have_url(re.compile(re.escape(search)))
    expect(page.locator(".app-group-card").first).to_be_visible()

    page.goto(demo_site.url + "/shortlist/")
    page.get_by_role("button", name="Finished with this patient: clear everything").click()
    expect(page).to_have_url(demo_site.url + "/")
    expect(page.locator(".app-messages")).to_contain_text("Everything is cleared")
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    page.goto(demo_site.url + "/shortlist/")
    expect(page.get_by_text("Your shortlist is empty.")).to_be_visible()
