"""A clinician's journey in a real browser: search near LS6 for alcohol groups."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser


def test_it_finds_alcohol_groups_near_ls6_nearest_first(page: Page, demo_site):
    page.goto(demo_site.url + "/")
    page.get_by_label("Postcode, district or town").fill("LS6")
    page.get_by_label("Alcohol").check()
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#results-announcer")).to_contain_text(
        re.compile(r"\d+ groups within 10 miles of LS6")
    )
    distances = page.locator(".app-distance").all_inner_texts()
    km = [float(re.search(r"\(([\d.]+) km\)", d).group(1)) for d in distances]
    assert len(km) >= 6
    assert km == sorted(km)

    # Once the search's own requests have settled (an htmx swap may still be replacing
    # the list the link is in), following the link leads to the group's page.
    page.wait_for_load_state("networkidle")
    first = page.locator(".app-group-card a").first
    name = first.inner_text()
    with page.expect_navigation():
        first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_text("not an NHS service").first).to_be_visible()


def test_it_shows_an_error_summary_for_an_unknown_place(page: Page, demo_site):
    page.goto(demo_site.url + "/")
    page.get_by_label("Postcode, district or town").fill("Atlantis")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Atlantis")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Postcode, district or town")).to_be_focused()


def test_it_works_with_javascript_off(browser, demo_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site.url + "/?near=LS6&condition=alcohol")
    assert page.locator(".app-group-card").count() >= 6
    context.close()


def test_it_updates_results_without_a_full_page_load(page: Page, demo_site):
    page.goto(demo_site.url + "/?near=LS6")
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


def test_correcting_a_search_clears_its_errors_and_announces_the_results(page: Page, demo_site):
    page.goto(demo_site.url + "/")
    place = page.get_by_label("Postcode, district or town")
    place.fill("Narnia")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Narnia")
    place.fill("LS6")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-announcer")).to_contain_text("groups within 10 miles of LS6")
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.locator(".nhsuk-error-message")).to_have_count(0)
    expect(page).not_to_have_title(re.compile("^Error"))


def test_after_a_search_focus_and_the_skip_links_are_as_after_a_page_load(page: Page, demo_site):
    page.goto(demo_site.url + "/")
    place = page.get_by_label("Postcode, district or town")
    place.fill("LS6")
    place.press("Enter")
    expect(page.locator("#results-announcer")).to_contain_text("groups within 10 miles of LS6")
    expect(page.locator("#results h2")).to_be_in_viewport()
    # The first Tab reaches "Skip to main content", which leads into the page.
    page.keyboard.press("Tab")
    expect(page.locator(".nhsuk-skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()
    # The link past the filters is there, as when the results page is loaded.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip the filters to the results")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    # A filter ticked is not a new page: the focus stays on it.
    alcohol = page.get_by_label("Alcohol")
    alcohol.check()
    expect(page).to_have_url(re.compile(r"condition=alcohol"))
    expect(page.locator("#results-announcer")).to_contain_text("groups within 10 miles of LS6")
    expect(page.locator("form.app-filters")).not_to_have_class(re.compile(r"htmx-request"))
    expect(alcohol).to_be_focused()


def test_enter_in_the_place_box_searches_once(page: Page, demo_site):
    page.goto(demo_site.url + "/")
    searches = []
    page.on("request", lambda r: searches.append(r.url) if "near=LS6" in r.url else None)
    place = page.get_by_label("Postcode, district or town")
    place.fill("LS6")
    place.press("Enter")
    expect(page.locator("#results-announcer")).to_contain_text("groups within 10 miles of LS6")
    page.wait_for_load_state("networkidle")
    assert len(searches) == 1, searches


def test_back_from_a_group_page_shows_the_whole_search_page(page: Page, demo_site):
    page.goto(demo_site.url + "/?near=LS6")
    page.get_by_label("Alcohol").check()
    expect(page).to_have_url(re.compile(r"condition=alcohol"))
    expect(page.locator("#results-announcer")).to_contain_text("groups within 10 miles of LS6")
    page.get_by_label("Drugs").check()
    expect(page).to_have_url(re.compile(r"condition=drugs"))
    page.locator(".app-group-card a").first.click()
    expect(page.locator("h1")).not_to_have_text("Find mutual aid groups")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find mutual aid groups")
    expect(page.get_by_label("Drugs")).to_be_checked()
    page.go_back()  # to the search before Drugs was ticked: htmx's own history
    expect(page.get_by_role("heading", level=1)).to_have_text("Find mutual aid groups")
    expect(page.get_by_label("Postcode, district or town")).to_be_visible()
    expect(page.get_by_label("Drugs")).not_to_be_checked()


def tab_to(page: Page, target: Locator, *, back: bool = False, limit: int = 250) -> None:
    """Presses Tab (or Shift+Tab) until target has the focus, as a keyboard user would;
    fails if it never does."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{key} never reached {target}")


def test_keyboard_alone_walks_search_to_group_to_referral_sheet(page: Page, demo_site):
    page.goto(demo_site.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".nhsuk-skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()
    near = page.get_by_label("Postcode, district or town")
    tab_to(page, near)
    page.keyboard.type("LS6")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"near=LS6"))
    # On a busy machine the swapped-in results can trail the pushed URL: wait for them,
    # and for htmx to finish, so that no swap takes the focus away while tabbing.
    expect(page.locator("#results-announcer")).to_contain_text("groups within", timeout=15_000)
    expect(page.locator("form.app-filters")).not_to_have_class(re.compile(r"htmx-request"))
    link = page.locator(".app-group-card a").first
    name = link.inner_text().strip()
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)

    sheet_link = page.get_by_role("link", name="Referral sheet to print or give to your patient")
    tab_to(page, sheet_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/groups/[\w-]+/referral/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A mutual aid group that may help you"
    )
    expect(page.locator(".app-sheet__group h2[id^=sheet-group-]")).to_have_text([name])
    # And back again, from the keyboard: the back link is above the sheet.
    back = page.get_by_role("link", name=f"Back to {name}")
    tab_to(page, back, back=True)
    expect(back).to_be_focused()
