"""The search, through the JSON API and the HTML page: what each filter finds, and in what order.

Most tests run twice (the `search` fixture): once reading names from /api/groups/, once
reading the result cards a clinician sees on /. Both must agree with the issue's rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.geo import haversine_km
from groups.models import Group
from tests.conftest import LS6, offset

CARD_LINK = re.compile(r'class="nhsuk-card__link" href="([^"]*)">([^<]*)</a>')
API = "/api/groups/"

# Explicit, so the database is ready before conftest's autouse fixture reads it.
pytestmark = pytest.mark.django_db


def page_cards(content: bytes) -> list[tuple[str, str]]:
    """(href, name) of each result card, in the order shown."""
    return [(href, unescape(name)) for href, name in CARD_LINK.findall(content.decode())]


def api_results(client, **params) -> list[dict]:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture(params=["api", "page"])
def search(request, client) -> Callable[..., list[str]]:
    """Runs a search and returns the names of the groups found, in order."""

    def run(**params) -> list[str]:
        if request.param == "api":
            return [group["name"] for group in api_results(client, **params)]
        # The page only searches once a search parameter is present.
        response = client.get("/", params or {"q": ""})
        assert response.status_code == 200
        assert b"There is a problem" not in response.content, response.content
        placed = params.get("near") or params.get("lat") or params.get("q")
        if not placed and params.get("format") != "online":
            # Without a place, keywords or online groups the page asks for a place first
            # (issue 14 point 5) and the API lists as before.
            assert b"Enter a place first" in response.content
            assert not page_cards(response.content)
            return [group["name"] for group in api_results(client, **params)]
        return [name for _, name in page_cards(response.content)]

    return run


@pytest.fixture
def leeds(make_place):
    return make_place("Leeds", 53.7965, -1.5478, kind="town")


# Keywords


@pytest.mark.parametrize(
    ("field", "text", "q"),
    [
        ("name", "Kirkstall Origami Circle", "origami"),
        ("summary", "Folding paper together on Tuesdays.", "paper"),
        ("description", "We meet at the allotment by the canal.", "allotment"),
    ],
)
def test_it_finds_a_keyword_in_each_text_field(search, make_group, field, text, q):
    values = {"name": "Target group", field: text} if field != "name" else {"name": text}
    target = make_group(**values)
    make_group("Other group", description="Something else entirely.")
    assert search(q=q) == [target.name]
    assert search(q=q.upper()) == [target.name]


def test_it_finds_a_keyword_in_a_conditions_name(search, make_group):
    make_group("Chapel Allerton Friday Group", conditions=("gambling",))
    make_group("Meanwood Friday Group", conditions=("alcohol",))
    assert search(q="gambling") == ["Chapel Allerton Friday Group"]


def test_every_keyword_must_match_but_each_may_match_a_different_field(search, make_group):
    make_group("Chapel Allerton Friday Group", conditions=("gambling",))
    make_group("Meanwood Friday Group", conditions=("alcohol",))
    make_group("Chapel Allerton Walkers", conditions=("depression",))
    assert search(q="chapel gambling") == ["Chapel Allerton Friday Group"]


def test_a_keyword_that_matches_nothing_finds_nothing(search, make_group):
    make_group("Headingley Recovery Circle")
    assert search(q="zygomorphic") == []


def test_without_a_location_keywords_rank_a_name_match_above_a_description_match(
    search, make_group
):
    make_group("Aardvark Club", description="Sometimes we do origami after the meeting.")
    make_group("Zephyr Origami Circle")
    make_group("Middle Group")
    assert search(q="origami") == ["Zephyr Origami Circle", "Aardvark Club"]


def test_with_a_location_keywords_filter_but_distance_orders(search, make_group, ls6):
    make_group("Zephyr Origami Circle", at=offset(LS6, km_north=5))
    make_group("Aardvark Club", description="Origami after the meeting.", at=LS6)
    make_group("Not This One", at=LS6)
    assert search(q="origami", near="LS6") == ["Aardvark Club", "Zephyr Origami Circle"]


# Location


def test_near_a_district_finds_only_groups_within_the_radius(search, make_group, ls6):
    make_group("Headingley Group", at=offset(LS6, km_north=1))
    make_group("York Group", at=(53.9590, -1.0815))
    assert search(near="LS6") == ["Headingley Group"]
    assert search(near=" ls6 ") == ["Headingley Group"]


def test_a_full_postcode_falls_back_to_its_district(search, make_group, ls6):
    make_group("Far North", at=offset(LS6, km_north=12))
    make_group("Far South", at=offset(LS6, km_north=-12.5))
    assert search(near="LS6 3HN", radius_km="13") == ["Far North", "Far South"]
    assert search(near="ls63hn", radius_km="13") == ["Far North", "Far South"]


def test_a_loaded_full_postcode_is_used_rather_than_its_district(
    search, make_group, make_place, ls6
):
    make_place("LS6 3HN", *offset(LS6, km_north=10), kind="postcode")
    make_group("Far North", at=offset(LS6, km_north=12))
    make_group("Far South", at=offset(LS6, km_north=-12))
    assert search(near="LS6 3HN", radius_km="13") == ["Far North"]


def test_near_a_town_name(search, make_group, leeds):
    make_group("City Centre Group", at=(53.7990, -1.5490))
    make_group("York Group", at=(53.9590, -1.0815))
    assert search(near="leeds") == ["City Centre Group"]


def test_lat_and_lng_are_a_location(search, make_group):
    make_group("Headingley Group", at=offset(LS6, km_east=2))
    make_group("York Group", at=(53.9590, -1.0815))
    assert search(lat=str(LS6[0]), lng=str(LS6[1])) == ["Headingley Group"]


def test_radius_km_widens_and_narrows_the_search(search, make_group, ls6):
    make_group("Near", at=offset(LS6, km_north=3))
    make_group("Twenty Km", at=offset(LS6, km_north=20))
    make_group("Sixty Km", at=offset(LS6, km_north=-60))
    assert search(near="LS6") == ["Near"]
    assert search(near="LS6", radius_km="25") == ["Near", "Twenty Km"]
    assert search(near="LS6", radius_km="2.5") == []
    assert search(near="LS6", radius_km="500") == ["Near", "Twenty Km", "Sixty Km"]


@pytest.mark.parametrize(
    "direction", [(1, 0), (-1, 0), (0, 1), (0, -1), (0.7071, 0.7071), (-0.7071, -0.7071)]
)
def test_radius_edges(search, make_group, ls6, direction):
    north, east = direction
    inside = offset(LS6, km_north=15.9 * north, km_east=15.9 * east)
    outside = offset(LS6, km_north=16.1 * north, km_east=16.1 * east)
    assert 15.85 < haversine_km(*LS6, *inside) < 16 < haversine_km(*LS6, *outside) < 16.15
    make_group("Inside", at=inside)
    make_group("Outside", at=outside)
    assert search(near="LS6", radius_km="16") == ["Inside"]
    assert search(near="LS6") == ["Inside"], "the default radius is 16 km"
    assert search(near="LS6", radius_km="16.2") == ["Inside", "Outside"]


@pytest.mark.parametrize(
    ("here", "there"),
    [
        ((0.0, 179.95), (0.0, -179.95)),
        ((89.9, 0.0), (89.9, 179.0)),
        ((-89.9, 10.0), (-89.9, -170.0)),
    ],
    ids=["across-the-antimeridian", "across-the-north-pole", "across-the-south-pole"],
)
def test_the_radius_is_a_circle_everywhere(search, make_group, here, there):
    assert haversine_km(*here, *there) < 25
    make_group("Over There", at=there)
    assert search(lat=str(here[0]), lng=str(here[1]), radius_km="30") == ["Over There"]


def test_distance_order_is_nearest_first(search, make_group, ls6):
    make_group("Aaa Three Km", at=offset(LS6, km_north=3))
    make_group("Zzz One Km", at=offset(LS6, km_east=-1))
    make_group("Mmm Two Km", at=offset(LS6, km_north=-2))
    assert search(near="LS6") == ["Zzz One Km", "Mmm Two Km", "Aaa Three Km"]


def test_equal_distances_are_ordered_by_name(search, make_group, ls6):
    spot = offset(LS6, km_north=2)
    make_group("Bravo", at=spot)
    make_group("Alpha", at=spot)
    make_group("Charlie", at=spot)
    assert search(near="LS6") == ["Alpha", "Bravo", "Charlie"]


def test_equal_distances_and_names_are_ordered_by_id(client, make_group, ls6):
    spot = offset(LS6, km_north=2)
    ids = [make_group("Same Name", at=spot).pk for _ in range(3)]
    assert [g["id"] for g in api_results(client, near="LS6")] == sorted(ids)
    slugs = [Group.objects.get(pk=pk).slug for pk in sorted(ids)]
    hrefs = [href for href, _ in page_cards(client.get("/", {"near": "LS6"}).content)]
    assert hrefs == [f"/groups/{slug}/" for slug in slugs]


def haversine_6371_0088(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The issue's formula, written out independently of groups.geo."""
    (lat1, lng1), (lat2, lng2) = (map(math.radians, p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_distance_km_is_the_haversine_distance(client, make_group, ls6):
    points = [offset(LS6, km_north=7.3, km_east=-4.1), offset(LS6, km_east=0.25), LS6]
    for n, point in enumerate(points):
        make_group(f"Group {n}", at=point)
    results = api_results(client, near="LS6")
    expected = sorted(haversine_km(*LS6, *point) for point in points)
    assert [r["distance_km"] for r in results] == pytest.approx(expected, abs=0.0005)
    independent = sorted(haversine_6371_0088(LS6, point) for point in points)
    assert expected == pytest.approx(independent, abs=1e-9)
    assert results[0]["distance_km"] == 0


def test_the_page_shows_distance_in_miles_and_km(client, make_group, ls6):
    make_group("Eight Km Group", at=offset(LS6, km_north=8.04672))
    content = client.get("/", {"near": "LS6"}).content.decode()
    assert "5.0 miles (8.0 km)" in content


# Taxonomy filters


def test_several_conditions_match_any_of_them(search, make_group):
    make_group("Alcohol Group", conditions=("alcohol",))
    make_group("Gambling Group", conditions=("gambling",))
    make_group("Both Group", conditions=("gambling", "alcohol"))
    make_group("Depression Group", conditions=("depression",))
    assert search(condition="gambling") == ["Both Group", "Gambling Group"]
    assert search(condition=["alcohol", "gambling"]) == [
        "Alcohol Group",
        "Both Group",
        "Gambling Group",
    ]


@pytest.mark.parametrize(
    ("orientation", "found"),
    [
        ("inward", ["Hybrid", "Inward"]),
        ("outward", ["Hybrid", "Outward"]),
        ("hybrid", ["Hybrid"]),
    ],
)
def test_orientation(search, make_group, orientation, found):
    for value in ("inward", "outward", "hybrid"):
        make_group(value.title(), orientation=value)
    assert search(orientation=orientation) == found


def test_group_type(search, make_group):
    make_group("Twelve Step", group_type="twelve_step")
    make_group("Peer Support", group_type="peer_support")
    make_group("Advocacy", group_type="advocacy")
    assert search(group_type="twelve_step") == ["Twelve Step"]


@pytest.mark.parametrize(
    ("fmt", "found"),
    [
        ("online", ["Hybrid", "Online"]),
        ("in_person", ["Hybrid", "In Person"]),
        ("hybrid", ["Hybrid"]),
    ],
)
def test_format(search, make_group, fmt, found):
    make_group("In Person", format="in_person")
    make_group("Online", format="online")
    make_group("Hybrid", format="hybrid")
    assert search(format=fmt) == found


def test_day(search, make_group):
    make_group("Monday Group", meetings="Mon 19:00-20:00")
    make_group("Tuesday Group", meetings="Tue 19:00-20:00")
    make_group("Monthly Monday Group", meetings="last Mon 10:00-11:00")
    make_group("No Fixed Meetings", meetings="")
    assert search(day="mon") == ["Monday Group", "Monthly Monday Group"]
    assert search(day="sun") == []


@pytest.mark.parametrize(
    ("time_of_day", "found"),
    [
        ("morning", ["Starts 00:00", "Starts 11:59"]),
        ("afternoon", ["Starts 12:00", "Starts 16:59"]),
        ("evening", ["Starts 17:00", "Starts 22:00"]),
    ],
)
def test_time_of_day_boundaries(search, make_group, time_of_day, found):
    for start in ("00:00", "11:59", "12:00", "16:59", "17:00", "22:00"):
        make_group(f"Starts {start}", meetings=f"Wed {start}-23:30")
    assert search(time_of_day=time_of_day) == found


def test_day_and_time_of_day_must_be_met_by_the_same_meeting(search, make_group):
    make_group("Mon Morning Tue Evening", meetings="Mon 10:00-11:00; Tue 19:00-20:00")
    make_group("Mon Evening", meetings="Mon 19:00-20:00")
    assert search(day="mon", time_of_day="evening") == ["Mon Evening"]
    assert search(day="tue", time_of_day="evening") == ["Mon Morning Tue Evening"]
    assert search(day="tue", time_of_day="morning") == []


def test_several_audiences_match_any_of_them(search, make_group):
    make_group("Women", audiences=("women",))
    make_group("Men", audiences=("men",))
    make_group("Carers", audiences=("carers_family",))
    make_group("Everyone")
    assert search(audience="women") == ["Women"]
    assert search(audience=["women", "men"]) == ["Men", "Women"]


def test_step_free(search, make_group):
    make_group("Step Free", step_free="yes")
    make_group("Stairs", step_free="no")
    make_group("Not Known", step_free="unknown")
    assert search(step_free="true") == ["Step Free"]


@pytest.mark.parametrize(
    ("referral", "found"),
    [
        ("self_referral", ["Either", "Self"]),
        ("professional_referral", ["Either", "Professional"]),
    ],
)
def test_referral(search, make_group, referral, found):
    make_group("Self", referral="self_referral")
    make_group("Professional", referral="professional_referral")
    make_group("Either", referral="either")
    assert search(referral=referral) == found


def test_filters_combine_with_and(search, make_group, ls6):
    wanted = {
        "conditions": ("alcohol",),
        "audiences": ("women",),
        "orientation": "inward",
        "group_type": "twelve_step",
        "format": "in_person",
        "meetings": "Thu 18:30-20:00",
        "step_free": "yes",
        "referral": "self_referral",
        "at": offset(LS6, km_north=2),
    }
    make_group("All Of Them", **wanted)
    spoilers = {
        "conditions": ("gambling",),
        "audiences": ("men",),
        "orientation": "outward",
        "group_type": "advocacy",
        "format": "online",
        "meetings": "Fri 18:30-20:00",
        "step_free": "no",
        "referral": "professional_referral",
        "at": offset(LS6, km_north=30),
    }
    for key, value in spoilers.items():
        values = {**wanted, key: value}
        if key == "format":
            values.pop("at")
        make_group(f"All But {key}", **values)
    make_group("Morning", **{**wanted, "meetings": "Thu 09:00-10:00; Fri 18:30-20:00"})
    make_group("Keywordless", **{**wanted, "summary": "Nothing to see."})
    query = {
        "q": "peer",
        "near": "LS6",
        "condition": ["alcohol", "drugs"],
        "audience": "women",
        "orientation": "inward",
        "group_type": "twelve_step",
        "format": "in_person",
        "day": "thu",
        "time_of_day": "evening",
        "step_free": "true",
        "referral": "self_referral",
        "include_online": "true",
    }
    assert search(**query) == ["All Of Them"]


# Online-only groups


def test_with_a_location_online_groups_only_come_with_include_online(search, make_group, ls6):
    make_group("Local", at=offset(LS6, km_north=3))
    make_group("Aaa Online", format="online")
    assert search(near="LS6") == ["Local"]
    assert search(near="LS6", include_online="true") == ["Local", "Aaa Online"]


def test_online_groups_come_after_all_local_results_by_name(search, make_group, ls6):
    make_group("Zulu Local Far", at=offset(LS6, km_north=15))
    make_group("Yankee Local Hybrid", format="hybrid", at=offset(LS6, km_east=5))
    make_group("Xray Local Near", at=LS6)
    make_group("Bravo Online", format="online")
    make_group("Alpha Online", format="online")
    make_group("Distant Hybrid", format="hybrid", at=offset(LS6, km_north=40))
    assert search(near="LS6", include_online="true") == [
        "Xray Local Near",
        "Yankee Local Hybrid",
        "Zulu Local Far",
        "Alpha Online",
        "Bravo Online",
    ]


def test_online_groups_have_no_distance(client, make_group, ls6):
    make_group("Local", at=LS6)
    make_group("Online", format="online")
    results = api_results(client, near="LS6", include_online="true")
    assert [(r["name"], r["distance_km"]) for r in results] == [("Local", 0), ("Online", None)]
    content = client.get("/", {"near": "LS6", "include_online": "true"}).content.decode()
    assert "Meets online" in content


def test_other_filters_still_apply_to_online_groups(search, make_group, ls6):
    make_group("Online Alcohol", format="online", conditions=("alcohol",))
    make_group("Online Gambling", format="online", conditions=("gambling",))
    make_group("Online Outward", format="online", orientation="outward")
    make_group("Online Friday", format="online", meetings="Fri 19:00-20:00")
    query = {"near": "LS6", "include_online": "true", "condition": "alcohol"}
    assert search(**query, orientation="inward", day="tue") == ["Online Alcohol"]
    assert search(**query, format="in_person") == []


def test_without_a_location_every_matching_group_appears_by_name(search, make_group, ls6):
    make_group("Charlie Local", at=LS6)
    make_group("Bravo Online", format="online")
    make_group("Alpha Far Away", at=(51.5072, -0.1276))
    make_group("Delta Gambling", conditions=("gambling",))
    assert search(condition="alcohol") == ["Alpha Far Away", "Bravo Online", "Charlie Local"]
    assert search(include_online="true", condition="alcohol") == [
        "Alpha Far Away",
        "Bravo Online",
        "Charlie Local",
    ]


def test_without_a_location_distance_km_is_null(client, make_group):
    make_group("Local", at=LS6)
    assert [r["distance_km"] for r in api_results(client, q="")] == [None]


# Status


@pytest.mark.parametrize("status", ["draft", "pending", "archived"])
def test_only_published_groups_are_ever_returned(client, search, make_group, ls6, status):
    hidden = make_group("Hidden Group", status=status, at=LS6)
    make_group("Shown Group", at=LS6)
    assert search(near="LS6") == ["Shown Group"]
    assert search(q="group") == ["Shown Group"]
    assert search(condition="alcohol", include_online="true") == ["Shown Group"]
    assert client.get(f"/api/groups/{hidden.pk}/").status_code == 404
    page = client.get(hidden.get_absolute_url())
    assert page.status_code == (200 if status == "archived" else 404)
    assert status != "archived" or "no longer meets" in page.content.decode()


# Pagination


@pytest.fixture
def twenty_one_groups(make_group, ls6) -> list[Group]:
    return [make_group(f"Group {n:02d}", at=offset(LS6, km_north=n / 10)) for n in range(21)]


def test_api_pages_hold_twenty_with_next_and_previous_links(client, twenty_one_groups):
    first = client.get(API, {"near": "LS6", "condition": "alcohol"}).json()
    assert first["count"] == 21
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/groups/?")
    assert "near=LS6" in first["next"] and "condition=alcohol" in first["next"]
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert [r["name"] for r in second["results"]] == ["Group 20"]
    assert second["next"] is None
    assert second["previous"].startswith("http://testserver/api/groups/?")
    assert "page=1" in second["previous"]
    assert client.get(second["previous"]).json() == first


def test_api_page_past_the_last_is_404_and_a_bad_page_400(client, twenty_one_groups):
    assert client.get(API, {"near": "LS6", "page": "3"}).status_code == 404
    assert client.get(API, {"near": "LS6", "page": "0"}).status_code == 404
    response = client.get(API, {"near": "LS6", "page": "abc"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page"]


def test_an_empty_search_has_one_empty_page(client, ls6):
    assert client.get(API, {"near": "LS6"}).json() == {
        "count": 0,
        "count_is_lower_bound": False,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert client.get(API, {"near": "LS6", "page": "2"}).status_code == 404


def test_page_pages_hold_twenty(client, twenty_one_groups):
    first = client.get("/", {"near": "LS6"})
    assert [name for _, name in page_cards(first.content)] == [f"Group {n:02d}" for n in range(20)]
    assert "Page 2 of 2" in first.content.decode()
    assert "near=LS6&amp;page=2" in first.content.decode()
    second = client.get("/", {"near": "LS6", "page": "2"})
    assert [name for _, name in page_cards(second.content)] == ["Group 20"]
    assert "Page 1 of 2" in second.content.decode()
    assert client.get("/", {"near": "LS6", "page": "3"}).status_code == 404


# The HTML page's own states


def test_an_unknown_place_reshows_the_form_with_an_error_summary(client, make_group):
    make_group("Headingley Group")
    response = client.get("/", {"near": "Atlantis", "condition": "alcohol"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "We could not find “Atlantis”" in content
    assert 'value="Atlantis"' in content, "what was typed is kept"
    assert page_cards(response.content) == []


@pytest.mark.parametrize("radius", ["abc", "0", "-1", "501", "nan"])
def test_a_bad_radius_reshows_the_form_with_an_error_summary(client, ls6, radius):
    response = client.get("/", {"near": "LS6", "radius_km": radius})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_no_results_suggests_widening_the_search(client, make_group, ls6):
    make_group("Far Away", at=offset(LS6, km_north=100))
    content = client.get("/", {"near": "LS6", "condition": "alcohol"}).content.decode()
    assert "No groups match this search" in content
    # The nearest match beyond the radius, and wider searches (issue 14 point 5).
    assert "The nearest groups that match are further away" in content
    assert ">Far Away</a>" in content and ">within 15 miles</a>" in content


def test_the_default_radius_is_10_miles_shown_with_16_km(client, make_group, ls6):
    make_group("Headingley Group", at=LS6)
    for response in (client.get("/"), client.get("/", {"near": "LS6"})):
        assert '<option value="16" selected>10 miles (16 km)</option>' in response.content.decode()
    assert "within 10 miles of LS6" in client.get("/", {"near": "LS6"}).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "near=LS6",
        "near=LS6&include_online=true",
        "near=LS6&radius_km=40&orientation=inward",
        "near=LS6&radius_km=40&condition=alcohol&condition=gambling",
        "q=recovery",
        "format=online",
        "lat=53.8&lng=-1.6&radius_km=30&day=tue&time_of_day=evening",
        "near=LS6&include_online=true&audience=women&audience=men&page=2",
    ],
)
def test_the_page_and_the_api_agree(client, make_group, ls6, query):
    for n in range(30):
        make_group(
            f"{'Recovery ' if n % 4 == 0 else ''}Group {n:02d}",
            at=offset(LS6, km_north=(n * 7) % 23, km_east=n % 5) if n % 6 else None,
            format="online" if n % 6 == 0 else ("hybrid" if n % 5 == 0 else "in_person"),
            orientation=["inward", "outward", "hybrid"][n % 3],
            conditions=("alcohol",) if n % 2 else ("gambling", "depression"),
            audiences=("women",) if n % 3 else ("men",),
            meetings="Tue 19:00-20:00" if n % 4 else "Tue 10:00-11:00",
        )
    api = client.get(f"{API}?{query}").json()["results"]
    page = page_cards(client.get(f"/?{query}").content)
    assert api, "the query finds something"
    assert [name for _, name in page] == [r["name"] for r in api]
    assert [href for href, _ in page] == [r["url"].removeprefix("http://testserver") for r in api]


# Queries


@pytest.mark.parametrize("url", ["/api/groups/", "/"])
def test_a_page_of_twenty_takes_no_more_queries_than_a_page_of_one(
    client, make_group, make_place, django_assert_max_num_queries, url
):
    make_place("LS6 3HN", *LS6, kind="postcode")

    def add_group(n: int) -> None:
        make_group(
            f"Group {n:02d}",
            at=offset(LS6, km_north=n / 10),
            conditions=("alcohol", "drugs", "gambling"),
            audiences=("women", "carers_family"),
            meetings="Mon 10:00-11:00; alt Wed 14:00-15:00; 2nd Fri 19:00-20:00",
        )

    query = {
        "near": "LS6 3HN",
        "q": "group",
        "condition": ["alcohol", "drugs"],
        "audience": "women",
        "day": "mon",
        "include_online": "true",
    }
    add_group(0)
    client.get(url, query)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url, query)
    assert "Group 00" in response.content.decode()
    for n in range(1, 25):
        add_group(n)
    # One more: a full page counts the matches (up to the cap); a page that is not full is
    # the whole of them. Nothing more for each group on the page.
    with django_assert_max_num_queries(len(one) + 1):
        response = client.get(url, query)
    assert "Group 19" in response.content.decode()
    assert "Group 20" not in response.content.decode()


@pytest.mark.parametrize("url", ["/api/groups/", "/"])
def test_a_search_runs_four_queries_once_the_taxonomies_are_in_memory(client, make_group, ls6, url):
    for n in range(3):
        make_group(f"Group {n}", at=offset(LS6, km_north=n), conditions=("alcohol", "drugs"))
    query = {"near": "LS6", "condition": "alcohol", "group_type": "peer_support"}
    client.get(url, query)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    # The API's per-client rate counter (issue 13) is not the search's.
    search = [
        q["sql"]
        for q in captured.captured_queries
        if "moderation_ratecount" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    # The place, the page of results with their total, its meetings, and in one statement
    # the groups' conditions and audiences and the meetings' own audiences (who a meeting
    # is for).
    assert len(search) == 4, "\n".join(search)


# Not named `page`: that is Playwright's fixture, and would start a browser for this test.
@pytest.mark.parametrize("number", ["10000000000000000000000000000000", "-5", "0"])
def test_a_page_number_beyond_any_page_is_404_not_an_error(client, ls6, number):
    assert client.get(API, {"near": "LS6", "page": number}).status_code == 404
    assert client.get("/", {"near": "LS6", "page": number}).status_code == 404


def test_a_condition_added_in_this_process_can_be_searched_for_at_once(search, make_group):
    from groups.models import Condition

    client_search = search
    assert client_search(condition="alcohol") == []  # the taxonomies are now in memory
    Condition.objects.create(slug="loneliness", name="Loneliness", position=99)
    group = make_group("Lonely Hearts", conditions=("loneliness",))
    assert client_search(condition="loneliness") == [group.name]


def test_a_condition_another_process_added_is_on_cards_at_once(client, make_group, ls6):
    """A page of results names its groups' tags from the taxonomies each process holds
    (search.attach_tags); a tag added by another app server since (here: with no signal
    to tell this process) is read afresh rather than left off."""
    from groups.models import Condition

    make_group("Before", at=LS6)
    assert api_results(client, near="LS6")[0]["conditions"] == ["alcohol"]  # now in memory
    Condition.objects.bulk_create([Condition(slug="lonely", name="Lonely", position=99)])
    group = make_group("Lonely Hearts", at=LS6, conditions=("lonely",))

    assert group.pk in [r["id"] for r in api_results(client, near="LS6")]
    found = {r["name"]: r["conditions"] for r in api_results(client, near="LS6")}
    assert found["Lonely Hearts"] == ["lonely"]
    tag = '<span class="nhsuk-tag nhsuk-tag--grey">Lonely</span>'
    assert tag in client.get("/", {"near": "LS6"}).content.decode()


def test_cards_list_conditions_in_the_taxonomys_order(client, make_group, ls6):
    from groups.models import Condition

    make_group("Mixed", at=LS6, conditions=("gambling", "alcohol", "depression"))
    [result] = api_results(client, near="LS6")
    assert result["conditions"] == [
        c.slug for c in Condition.objects.filter(slug__in=result["conditions"])
    ]
    assert len(result["conditions"]) == 3


def test_postgresqls_planner_is_told_word_similarity_is_dear():
    """Else, on a small directory, it computes word similarity for every group (30 ms at
    5,000 groups) instead of reading the trigram index (migrations 0008 and 0020): both
    ways of writing the operator (`text <% words`, `words %> text`) and the function."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    dear = ("word_similarity_op", "word_similarity_commutator_op", "word_similarity")
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname, procost FROM pg_proc WHERE proname = ANY(%s)", [list(dear)])
        costs = dict(cursor.fetchall())
    assert costs == dict.fromkeys(dear, 100)


def test_search_results_are_never_stored_by_the_browser(client, make_group, ls6):
    make_group("Headingley Group", at=LS6)
    for url in ["/", API]:
        response = client.get(url, {"near": "LS6"})
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
    assert "HX-Request" in client.get("/", {"near": "LS6"})["Vary"]


def test_htmx_restoring_history_gets_the_whole_page(client, make_group, ls6):
    make_group("Headingley Group", at=LS6)
    response = client.get(
        "/", {"near": "LS6"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    content = response.content.decode()
    assert "<html" in content and 'id="search-page"' in content
    assert "HX-Retarget" not in response


def test_a_search_after_errors_swaps_the_whole_page_to_clear_them(client, make_group, ls6):
    make_group("Headingley Group", at=LS6)
    partial = client.get("/", {"near": "LS6"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    response = client.get("/", {"near": "LS6"}, HTTP_HX_REQUEST="true", HTTP_X_ERRORS_SHOWN="true")
    assert response["HX-Retarget"] == "#search-page"
    assert "There is a problem" not in response.content.decode()
    assert "Headingley Group" in response.content.decode()


def test_the_heading_says_when_online_groups_are_counted_in(client, make_group, ls6):
    make_group("Headingley Group", at=LS6)
    make_group("Online Group", at=None, format="online", online_url="https://example.org/j")
    content = client.get("/", {"near": "LS6", "include_online": "true"}).content.decode()
    assert "2 groups within 10 miles of LS6, or online" in content
    content = client.get("/", {"near": "LS6"}).content.decode()
    assert "1 group within 10 miles of LS6<" in content


def test_online_format_near_a_place_includes_online_only_groups(search, make_group, ls6):
    make_group("Hybrid Group", at=LS6, format="hybrid", online_url="https://example.org/h")
    make_group("Online Group", at=None, format="online", online_url="https://example.org/o")
    make_group("In Person Group", at=LS6)
    assert search(near="LS6", format="online") == ["Hybrid Group", "Online Group"]


def test_back_to_search_returns_to_the_search_the_clinician_came_from(client, make_group, ls6):
    group = make_group("Headingley Group", at=LS6)
    came_from = "http://testserver/?near=LS6&condition=alcohol"
    page = client.get(group.get_absolute_url(), HTTP_REFERER=came_from).content.decode()
    assert 'href="/?near=LS6&amp;condition=alcohol">Back to search' in page
    for elsewhere in ["https://evil.example/?near=LS6", "http://testserver/evidence/?x=1", ""]:
        page = client.get(group.get_absolute_url(), HTTP_REFERER=elsewhere).content.decode()
        assert 'href="/">Back to search' in page


def test_a_search_offers_a_way_past_the_filters_to_the_results(client, ls6):
    assert 'href="#results">Skip the filters' in client.get("/", {"near": "LS6"}).content.decode()
    # The blank page keeps it hidden, for an htmx search to reveal (tests/test_phone_layout.py).
    assert 'id="skip-to-results" hidden><a href="#results">Skip the filters' in (
        client.get("/").content.decode()
    )


def test_a_postcode_searched_from_its_districts_centre_says_so(client, make_group, make_place, ls6):
    make_group("Headingley Group", at=LS6)
    note = "Distances are from the centre of the LS6 postcode district"
    page = client.get("/", {"near": "ls6 3hn"}).content.decode()
    assert note in page and "exact position of LS6 3HN" in page
    assert note not in client.get("/", {"near": "LS6"}).content.decode()
    make_place("LS6 3HN", *LS6, kind="postcode")
    assert note not in client.get("/", {"near": "LS6 3HN"}).content.decode()


def test_a_groups_conditions_changed_by_save_group_are_searched_at_once(search, make_group, ls6):
    from groups.models import Condition
    from groups.services import GroupValues, save_group

    group = make_group("Headingley Circle", conditions=("alcohol",))
    save_group(group=group, values=GroupValues(), conditions=Condition.objects.filter(slug="drugs"))
    assert search(near="LS6", condition="drugs") == ["Headingley Circle"]
    assert search(near="LS6", condition="alcohol") == []
