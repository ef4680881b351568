"""Issue 14 point 4: "Use my location" searches by the browser's position."""

import re

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


def test_use_my_location_searches_near_the_browsers_position(browser: Browser, demo_site):
    context = browser.new_context(
        geolocation={"latitude": 53.8195, "longitude": -1.5755}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(demo_site.url + "/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#results h2")).to_contain_text("within 10 miles of your location")
    # Rounded to about 100 m: no finer position travels.
    assert re.search(r"lat=53\.8\d\d(&|$)", page.url) and re.search(r"lng=-1\.5\d\d(&|$)", page.url)
    assert page.locator(".app-group-card").count() > 0
    context.close()
