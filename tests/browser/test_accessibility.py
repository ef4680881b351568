"""axe-core finds no WCAG 2.2 A/AA violations on the pages clinicians use."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

WCAG = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    }
}


def assert_accessible(page: Page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?near=LS6&condition=alcohol",
        "/?near=LS6&condition=gambling&radius_km=1.6&day=sun&time_of_day=morning",
        "/?near=Atlantis&radius_km=0",
        "/about/",
        "/privacy/",
    ],
    ids=["home", "results", "no-results", "errors", "about", "privacy"],
)
def test_search_pages_have_no_violations(page: Page, demo_site, path):
    page.goto(demo_site.url + path)
    assert_accessible(page)


def test_group_page_has_no_violations(page: Page, demo_site):
    page.goto(demo_site.url + "/?near=LS6&condition=alcohol")
    page.locator(".app-group-card a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_page_at_320_pixels_has_no_violations(browser, demo_site):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(demo_site.url + "/?near=LS6&condition=alcohol")
    assert_accessible(page)
    # No sideways scrolling at 320 px (WCAG 1.4.10 reflow).
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/evidence/map/", "/evidence/map/?audience=carers_family", "/evidence/map/?audience=x"],
    ids=["gap-map", "gap-map-carers", "gap-map-error"],
)
def test_the_evidence_and_gap_map_has_no_violations(page: Page, demo_site, path):
    page.goto(demo_site.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence and gap map")
    assert_accessible(page)


def test_the_gap_map_at_320_pixels_scrolls_in_its_own_box(browser, demo_site):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(demo_site.url + "/evidence/map/")
    assert_accessible(page)
    # The grid is wider than the screen; it scrolls in its own box, not the page sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.locator(".app-gap-map-scroll").first.evaluate("e => e.scrollWidth > e.clientWidth")
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/evidence/",
        "/evidence/how-we-rate/",
        "/evidence/bentall-et-al-2002/",
        "/evidence/bentall-et-al-2002/report/",
    ],
    ids=["library", "how-we-rate", "record", "report"],
)
def test_the_evidence_pages_have_no_violations(page: Page, demo_site, path):
    page.goto(demo_site.url + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_a_group_page_with_cautions_and_background_has_no_violations(page: Page, demo_site):
    from groups.models import Group

    group = Group.objects.published().filter(conditions__slug="chronic_fatigue_syndrome").first()
    page.goto(demo_site.url + group.get_absolute_url())
    page.get_by_text("Background (").click()  # open the collapsed block
    expect(page.locator(".app-certainty__line").first).to_be_visible()
    assert_accessible(page)
