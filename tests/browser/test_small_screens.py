"""At 360 px, a phone's width, every option can be reached and no page scrolls sideways."""

import re

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

WIDTH = 360


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    yield context.new_page()
    context.close()


def test_it_shows_every_condition_without_an_inner_scroll_area(phone, demo_site):
    phone.goto(demo_site.url + "/")
    phone.get_by_text("Filter results").click()
    options = phone.locator("#id_condition .nhsuk-checkboxes__item")
    assert options.count() > 8
    box = phone.locator("#id_condition .nhsuk-checkboxes")
    assert box.evaluate("e => e.scrollHeight <= e.clientHeight")
    assert box.evaluate("e => getComputedStyle(e).overflowY") == "visible"
    options.last.scroll_into_view_if_needed()
    expect(options.last).to_be_in_viewport()


@pytest.mark.parametrize(
    "path",
    ["group", "/evidence/", "/?near=LS6&condition=alcohol"],
    ids=["group-with-evidence", "evidence-library", "search-results"],
)
def test_the_page_never_scrolls_sideways(
    phone,
    demo_site,
    path,
):
    if path == "group":
        from groups.models import Group

        group = Group.objects.get(name="Moortown ME/CFS Rest & Pace Group")
        path = group.get_absolute_url()
    phone.goto(demo_site.url + path)
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if path.startswith("/groups/") or path == "/evidence/":
        # A wide table scrolls in its own labelled region instead.
        region = phone.locator(".app-table-scroll").first
        expect(region).to_have_attribute("role", "region")
        expect(region).to_have_attribute("tabindex", "0")


def test_on_a_phone_results_come_straight_after_the_place_box(phone, demo_site):
    phone.goto(demo_site.url + "/")
    expect(phone.locator("[data-filters]")).not_to_have_attribute("open", "")
    phone.get_by_label("Postcode, district or town").fill("LS6")
    phone.get_by_label("Postcode, district or town").press("Enter")
    heading = phone.locator("#results h2")
    expect(heading).to_contain_text("groups within 10 miles of LS6")
    expect(heading).to_be_in_viewport()
    expect(phone).to_have_title(re.compile(r"^\d+ groups found"))
    top = phone.locator("#results").evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    assert top < 1200, f"results start {top} px down"
    expect(phone.get_by_role("link", name="Clear filters")).to_be_visible()
