"""A clinician's journey in a real browser: search near LS6 for alcohol groups."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_it_finds_alcohol_groups_near_ls6_nearest_first(page: Page, live_server, demo_data):
    page.goto(live_server.url + "/")
    page.get_by_label("Postcode, district or town").fill("LS6")
    page.get_by_label("Alcohol").check()
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"\d+ groups within 10 miles of LS6")
    )
    distances = page.locator(".app-distance").all_inner_texts()
    km = [float(re.search(r"\(([\d.]+) km\)", d).group(1)) for d in distances]
    assert len(km) >= 6
    assert km == sorted(km)

    first = page.locator(".app-group-card a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_text("not an NHS service").first).to_be_visible()


def test_it_shows_an_error_summary_for_an_unknown_place(page: Page, live_server, demo_data):
    page.goto(live_server.url + "/")
    page.get_by_label("Postcode, district or town").fill("Atlantis")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Atlantis")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Postcode, district or town")).to_be_focused()


def test_it_works_with_javascript_off(browser, live_server, demo_data):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/?near=LS6&condition=alcohol")
    assert page.locator(".app-group-card").count() >= 6
    context.close()


def test_it_updates_results_without_a_full_page_load(page: Page, live_server, demo_data):
    page.goto(live_server.url + "/?near=LS6")
    before = page.locator(".app-group-card").count()
    page.evaluate("window.__stillHere = true")
    page.get_by_label("Alcohol").check()
    expect(page).to_have_url(re.compile(r"condition=alcohol"))
    expect(page.locator("#results-announcer")).to_contain_text("groups within 10 miles of LS6")
    assert page.evaluate("window.__stillHere === true"), "the page was reloaded"
    assert 0 < page.locator(".app-group-card").count() <= before
    # The URL can be bookmarked: opening it shows the same results.
    names = page.locator(".app-group-card h3").all_inner_texts()
    page.goto(page.url)
    assert page.locator(".app-group-card h3").all_inner_texts() == names


def test_keyboard_alone_reaches_a_group_page(page: Page, live_server, demo_data):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".nhsuk-skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_label("Postcode, district or town").focus()
    page.keyboard.type("LS6")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"near=LS6"))
    # On a busy machine the swapped-in results can trail the pushed URL.
    expect(page.locator(".app-group-card").first).to_be_visible(timeout=15_000)
    link = page.locator(".app-group-card a").first
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
