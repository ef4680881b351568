"""At 360 px, a phone's width, every option can be reached and no page scrolls sideways."""

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

WIDTH = 360


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    yield context.new_page()
    context.close()


def test_it_shows_every_condition_without_an_inner_scroll_area(phone, live_server, demo_data):
    phone.goto(live_server.url + "/")
    options = phone.locator("#id_condition .nhsuk-checkboxes__item")
    assert options.count() > 8
    box = phone.locator("#id_condition .nhsuk-checkboxes")
    assert box.evaluate("e => e.scrollHeight <= e.clientHeight")
    assert box.evaluate("e => getComputedStyle(e).overflowY") == "visible"
    options.last.scroll_into_view_if_needed()
    expect(options.last).to_be_in_viewport()
