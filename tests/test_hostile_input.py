"""Hostile and broken input answers with a 4xx or a normal page, never a server error."""

import pytest

pytestmark = pytest.mark.django_db

NASTY = [
    "' OR 1=1 --",
    "'; DROP TABLE groups_group; --",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "<script>alert(1)</script>",
    "%00",
    "\x00",
    "ünïcödé ✓ 🙂",
    "a" * 5000,
    "LS6\r\nSet-Cookie: x=1",
    "../../etc/passwd",
    "(",
    "!!!",
    "& | ! :*",
]


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("param", ["q", "near", "radius_km", "condition", "day", "page"])
@pytest.mark.parametrize("url", ["/", "/api/groups/"])
def test_it_never_errors_on_nasty_values(client, published_group, ls6, url, param, value):
    response = client.get(url, {param: value})
    assert response.status_code in (200, 400, 404)
    assert b"django-insecure" not in response.content


@pytest.mark.parametrize("url", ["/", "/api/groups/"])
def test_it_survives_a_very_long_query_string(client, url):
    response = client.get(url + "?" + "&".join(f"condition=x{i}" for i in range(2000)))
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("url", ["/", "/api/groups/"])
def test_it_answers_404_for_a_page_far_past_the_end(client, published_group, url):
    assert client.get(url, {"near": "", "q": "recovery", "page": "999999"}).status_code == 404


@pytest.mark.parametrize("url", ["/", "/api/groups/"])
def test_it_handles_malformed_utf8(client, ls6, url):
    response = client.get(url, QUERY_STRING="near=%ff%fe&q=%c3%28")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("url", ["/", "/api/groups/"])
def test_it_handles_repeated_parameters(client, ls6, published_group, url):
    response = client.get(url + "?near=LS6&near=Leeds&orientation=inward&orientation=hybrid")
    assert response.status_code in (200, 400)


def test_keyword_search_treats_search_syntax_as_text(client, published_group):
    for q in ['"unterminated', "recovery -", "or or or", "<->", "a:*", "!!"]:
        assert client.get("/api/groups/", {"q": q}).status_code == 200


def test_a_vanishingly_small_radius_is_not_a_server_error(client, published_group):
    response = client.get("/api/groups/", {"radius_km": "5e-324", "lat": "0", "lng": "-180"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("point", [("5e-324", "0"), ("0", "5e-324"), ("-5e-324", "1e-320")])
def test_vanishingly_small_coordinates_are_not_a_server_error(client, published_group, point):
    response = client.get("/api/groups/", {"lat": point[0], "lng": point[1]})
    assert response.status_code == 200
