"""The results map's settings and markup (issue 8, point 2); the browser tests in
tests/browser/test_results_map.py drive the map itself."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from directory.settings import map_tile_source

pytestmark = pytest.mark.django_db

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def container(page_html: str) -> dict[str, str] | None:
    match = re.search(
        r"<div class=\"app-results-map\" data-results-map hidden(.*?)>", page_html, re.S
    )
    if match is None:
        return None
    return {k: html.unescape(v) for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', match[1])}


def csp_img_src(env: dict[str, str]) -> str:
    """img-src as settings.py builds it from these environment variables, in a fresh Python."""
    code = (
        "import json, directory.settings as s;"
        "print(json.dumps([str(v) for v in s.SECURE_CSP['img-src']]))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAP_TILE_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else result.stderr


@pytest.mark.parametrize(
    ("url", "source"),
    [
        (OSM, "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ],
)
def test_the_tile_host_is_what_the_csp_allows(url, source):
    assert map_tile_source(url) == source


@pytest.mark.parametrize(
    "url",
    [
        "tile.openstreetmap.org/{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://tile.openstreetmap.org/tiles.png",
        "https://{s}/{z}/{x}/{y}.png",
        "https:///{z}/{x}/{y}.png",
    ],
)
def test_a_bad_tile_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured):
        map_tile_source(url)


def test_without_a_tile_server_the_csp_allows_no_other_image_host():
    assert json.loads(csp_img_src({})) == ["'self'", "data:"]


def test_a_tile_server_joins_img_src_and_nothing_else():
    env = {"MAP_TILE_URL": OSM, "MAP_TILE_ATTRIBUTION": "© OpenStreetMap contributors"}
    assert json.loads(csp_img_src(env)) == ["'self'", "data:", "https://tile.openstreetmap.org"]


def test_a_tile_server_without_attribution_fails_loudly():
    assert "MAP_TILE_ATTRIBUTION" in csp_img_src({"MAP_TILE_URL": OSM})


def test_by_default_the_search_page_has_no_map_and_no_leaflet(client, published_group, ls6):
    assert django_settings.MAP_TILE_URL == ""
    page = client.get("/", {"near": "LS6"}).content.decode()
    assert published_group.name in page
    assert container(page) is None
    assert "leaflet" not in page and "results-map" not in page


def test_with_a_tile_server_the_results_carry_a_hidden_map(settings, client, make_group, ls6):
    settings.MAP_TILE_URL = OSM
    settings.MAP_TILE_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OSM</a>'
    settings.SEARCH_PAGE_SIZE = 2
    for n in range(3):
        make_group(f"Group {n}")

    page = client.get("/", {"near": "LS6", "radius_km": "8", "page": "2"}).content.decode()

    data = container(page)
    assert data is not None
    assert data["tile-url"] == OSM
    assert data["attribution"] == settings.MAP_TILE_ATTRIBUTION
    # The markers come from the API for the same query string, page included.
    api = urlsplit(data["api-url"])
    assert api.path == "/api/groups/"
    assert parse_qs(api.query) == {"near": ["LS6"], "radius_km": ["8"], "page": ["2"]}
    assert data["first-number"] == "3"
    assert float(data["lat"]) == pytest.approx(ls6.latitude)
    assert float(data["lng"]) == pytest.approx(ls6.longitude)
    assert data["radius-km"] == "8"
    assert "vendor/leaflet/leaflet.js" in page and "js/results-map.js" in page
    assert "vendor/leaflet/leaflet.css" in page
    # No inline script: settings travel in data- attributes only.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_the_htmx_results_partial_carries_the_map_too(settings, client, published_group, ls6):
    settings.MAP_TILE_URL = OSM
    settings.MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    partial = client.get("/", {"near": "LS6", "q": "recovery"}, headers={"HX-Request": "true"})
    data = container(partial.content.decode())
    assert data is not None
    assert parse_qs(urlsplit(data["api-url"]).query) == {"near": ["LS6"], "q": ["recovery"]}


def test_there_is_no_map_without_results(settings, client, ls6):
    settings.MAP_TILE_URL = OSM
    settings.MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    assert container(client.get("/").content.decode()) is None
    assert container(client.get("/", {"near": "LS6"}).content.decode()) is None
    assert container(client.get("/", {"near": "Atlantis"}).content.decode()) is None


def test_a_search_without_a_place_has_a_map_without_a_centre(settings, client, published_group):
    settings.MAP_TILE_URL = OSM
    settings.MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    # A keyword search: without a place, keyword or online format the page asks for a place.
    data = container(client.get("/", {"q": "recovery"}).content.decode())
    assert data is not None
    assert "lat" not in data and "radius-km" not in data
