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
