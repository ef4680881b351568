"""The map beside the search results (issue 8, point 2): its markers are the API's results
for the same query, a marker and its list item highlight each other, and without a tile
server there is no map and nothing is fetched from anywhere but the site itself.

No tile server is ever reached: MAP_TILE_URL points at the live server, and Playwright
answers those requests with a blank tile before they leave the browser."""

from __future__ import annotations

import base64
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Route, expect

from tests.browser.test_accessibility import WCAG

pytestmark = pytest.mark.browser

QUERY = "?near=LS6&condition=alcohol"
# A 1x1 transparent PNG.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def requests_made(page: Page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.fixture
def tiles(settings, demo_site, page: Page) -> list[str]:
    """A tile server at /test-tiles/ on the live server, answered by Playwright."""
    settings.MAP_TILE_URL = f"{demo_site.url}/test-tiles/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_ATTRIBUTION = "Test tiles"
    served: list[str] = []

    def tile(route: Route) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)

    page.route(re.compile(r"/test-tiles/"), tile)
    return served


def api_results(page: Page, demo_site, query: str) -> list[dict]:
    response = page.request.get(f"{demo_site.url}/api/groups/{query}")
    assert response.ok
    return response.json()["results"]


def marker_ids(page: Page) -> list[int]:
    markers = page.locator(".app-map-marker")
    return [int(markers.nth(i).get_attribute("data-group-id")) for i in range(markers.count())]


def list_ids(page: Page) -> list[int]:
    return [int(i.removeprefix("group-")) for i in page.locator(".app-group-card").evaluate_all(
        "cards => cards.map(card => card.id)"
    )]  # fmt: skip


def assert_accessible_with_map(page: Page) -> None:
    """axe finds nothing, except that markers of groups close together overlap (WCAG 2.5.8
    target size). Its "equivalent" exception covers them: every marker's function is on the
    list too, as the group's "Show on map" button, whose own size is checked."""
    results = Axe().run(page, options={**WCAG, "rules": {"target-size": {"enabled": False}}})
    assert results.violations_count == 0, results.generate_report()
    results = Axe().run(
        page,
        context={"exclude": [[".leaflet-marker-icon"]]},
        options={"runOnly": {"type": "rule", "values": ["target-size"]}},
    )
    assert results.violations_count == 0, results.generate_report()


def open_map(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("[data-results-map][data-map-ready]")).to_be_visible()


def test_markers_are_the_api_results_for_the_same_search(
    page: Page, demo_site, tiles, requests_made
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)

    open_map(page, demo_site.url + "/" + QUERY)

    results = api_results(page, demo_site, QUERY)
    placed = [g for g in results if g["latitude"] is not None]
    assert len(placed) >= 5
    assert marker_ids(page) == [g["id"] for g in placed]
    assert list_ids(page) == [g["id"] for g in results]
    # Numbered as in the list, named for screen readers, reachable by keyboard.
    first = page.locator(".app-map-marker").first
    expect(first).to_have_text("1")
    label = re.compile(rf"^1\. {re.escape(placed[0]['name'])}, [\d.]+ miles$")
    expect(first).to_have_attribute("aria-label", label)
    expect(first).to_have_attribute("tabindex", "0")
    expect(first).to_have_attribute("role", "button")
    # The search centre and its radius are drawn.
    expect(page.locator("path.app-map-radius")).to_have_count(1)
    expect(page.locator("path.app-map-centre")).to_have_count(1)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Test tiles")
    # Tiles were asked for, and only from the configured server (here the live server).
    assert tiles
    assert all(url.startswith(demo_site.url) for url in requests_made), requests_made
    assert not [e for e in errors if "Content Security Policy" in e or "results map" in e]
    assert_accessible_with_map(page)


SELECTED_MARKER = re.compile("app-map-marker--selected")
SELECTED_CARD = re.compile("app-group-card--selected")


def marker(page: Page, group_id: int):
    return page.locator(f'.app-map-marker[data-group-id="{group_id}"]')


def test_a_list_item_and_its_marker_highlight_each_other(page: Page, demo_site, tiles):
    open_map(page, demo_site.url + "/" + QUERY)
    ids = marker_ids(page)
    second, third = ids[1], ids[2]

    # Clicking a marker highlights its list item, and only that one. (Markers first: a
    # list item moves the map to its marker, and a marker that has moved away cannot
    # be clicked.)
    marker(page, second).click()
    expect(page.locator(f"#group-{second}")).to_have_class(SELECTED_CARD)
    expect(page.locator(".app-group-card--selected")).to_have_count(1)
    expect(marker(page, second)).to_have_attribute("aria-pressed", "true")

    # Clicking a list item (not one of its links or buttons) highlights its marker.
    page.locator(f"#group-{third} .nhsuk-card__description").click()
    expect(marker(page, third)).to_have_class(SELECTED_MARKER)
    expect(page.locator(f"#group-{third}")).to_have_class(SELECTED_CARD)
    expect(page.locator(f"#group-{second}")).not_to_have_class(SELECTED_CARD)
    expect(page.locator(".app-map-marker--selected")).to_have_count(1)
    expect(marker(page, third)).to_have_attribute("aria-pressed", "true")
    expect(marker(page, second)).to_have_attribute("aria-pressed", "false")


def test_markers_work_from_the_keyboard(page: Page, demo_site, tiles):
    open_map(page, demo_site.url + "/" + QUERY)
    ids = marker_ids(page)

    # "Show on map" in the list moves focus to the marker...
    page.locator(f"#group-{ids[3]} .app-show-on-map").focus()
    page.keyboard.press("Enter")
    expect(marker(page, ids[3])).to_be_focused()
    expect(marker(page, ids[3])).to_have_class(SELECTED_MARKER)

    # ...Tab reaches the other markers, and Enter selects one, highlighting its list item.
    page.keyboard.press("Shift+Tab")
    expect(marker(page, ids[2])).to_be_focused()
    marker(page, ids[0]).focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#group-{ids[0]}")).to_have_class(SELECTED_CARD)
    expect(page.locator("#results-announcer")).to_contain_text("Number 1 selected in the list")


def test_the_map_follows_the_list_when_htmx_swaps_the_results(page: Page, demo_site, tiles):
    open_map(page, demo_site.url + "/" + QUERY)
    before = marker_ids(page)

    page.get_by_label("Drugs").check()
    expect(page).to_have_url(re.compile(r"condition=drugs"))
    query = "?" + page.url.split("?", 1)[1]
    results = api_results(page, demo_site, query)
    placed = [g["id"] for g in results if g["latitude"] is not None]
    assert placed != before
    expect(page.locator(".app-map-marker")).to_have_count(len(placed))
    assert marker_ids(page) == placed
    assert list_ids(page) == [g["id"] for g in results]
    expect(page.locator(".leaflet-container")).to_have_count(1)


def test_without_a_tile_server_there_is_no_map_and_nothing_is_fetched_elsewhere(
    page: Page, demo_site, settings, requests_made
):
    settings.MAP_TILE_URL = ""
    page.goto(demo_site.url + "/" + QUERY)
    expect(page.locator(".app-group-card").first).to_be_visible()
    page.get_by_label("Drugs").check()
    expect(page).to_have_url(re.compile(r"condition=drugs"))
    expect(page.locator(".app-group-card").first).to_be_visible()

    expect(page.locator("[data-results-map]")).to_have_count(0)
    expect(page.locator(".leaflet-container")).to_have_count(0)
    expect(page.locator(".app-show-on-map")).to_have_count(0)
    assert not [url for url in requests_made if "leaflet" in url]
    assert all(url.startswith(demo_site.url) for url in requests_made), requests_made


def test_the_list_works_without_javascript(browser, demo_site, settings, tiles):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site.url + "/" + QUERY)
    expect(page.locator(".app-group-card").first).to_be_visible()
    expect(page.locator("[data-results-map]")).to_be_hidden()
    context.close()
