"""A keyword search without a place, on PostgreSQL, where a page reads only candidates for
it (groups/search.py, Keywords.first_candidates): what a clinician gets must be what
reading every match would give. The order (README, "Searching"): paused groups last;
groups named for the keywords, then those that mention them elsewhere, then typo matches;
then by name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from groups.search import Criteria, search_groups

API = "/api/groups/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's search (SQLite's keeps reading every match)")


def names(client, **params) -> list[str]:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return [group["name"] for group in response.json()["results"]]


def every_page(client, **params) -> list[str]:
    found: list[str] = []
    for number in range(1, 100):
        response = client.get(API, {**params, "page": number})
        if response.status_code == 404:
            return found
        found += [group["name"] for group in response.json()["results"]]
    raise AssertionError("no last page")


@pytest.fixture
def mentions(make_group):
    """Thirty groups whose descriptions mention origami, named before any origami name."""
    return [
        make_group(f"Aaron Group {n:02d}", description="Origami after the meeting.")
        for n in range(30)
    ]


def test_a_group_named_for_the_word_outranks_thirty_that_mention_it(client, make_group, mentions):
    make_group("Zephyr Origami Circle")
    make_group("Zygote Walkers")
    found = names(client, q="origami")
    assert found[0] == "Zephyr Origami Circle"
    assert found[1:] == [f"Aaron Group {n:02d}" for n in range(19)]


def test_names_matching_every_word_come_first_then_the_rest_by_name(client, make_group, mentions):
    make_group("Zeal Origami Group", description="Paper folding.")
    make_group("Yarrow Paper Origami", description="Folding.")
    found = names(client, q="origami paper")
    # Only one name holds both words; the other matches through its description.
    assert found == ["Yarrow Paper Origami", "Zeal Origami Group"]


def test_paused_groups_come_after_every_group_that_meets(client, make_group, mentions):
    make_group("Abbey Origami Circle", paused=True)
    make_group("Zephyr Origami Circle")
    found = every_page(client, q="origami")
    assert len(found) == 32
    assert found[0] == "Zephyr Origami Circle"
    assert found[-1] == "Abbey Origami Circle"


def test_a_group_whose_pause_has_ended_is_ranked_as_meeting(client, make_group, mentions):
    yesterday = dt.date.today() - dt.timedelta(days=1)
    make_group("Zephyr Origami Circle", paused=True, paused_until=yesterday)
    assert names(client, q="origami")[0] == "Zephyr Origami Circle"


def test_every_page_is_what_reading_every_match_would_give(client, make_group, mentions):
    for n, name in enumerate(["Cedar Origami", "Birch Origami Club", "Oak Origami"]):
        make_group(name, paused=n == 1)
    for n in range(30):
        make_group(f"Moss Group {n:02d}", summary="Origami and tea.", paused=n % 7 == 0)
    unbounded = [g.name for g in search_groups(Criteria(q="origami"))]
    assert len(unbounded) == 63
    assert every_page(client, q="origami") == unbounded


def test_a_rare_word_is_found_among_many_matches_of_another(client, make_group, mentions):
    make_group("Kirkstall Group", description="Origami, then kintsugi repairs.")
    assert names(client, q="kintsugi") == ["Kirkstall Group"]
    assert names(client, q="origami kintsugi") == ["Kirkstall Group"]


def test_a_typo_is_found_when_full_text_search_finds_too_few(client, make_group):
    make_group("Zephyr Origami Circle")
    make_group("Other Group")
    assert names(client, q="origammi") == ["Zephyr Origami Circle"]


def test_typo_matches_come_after_full_text_matches(client, make_group):
    make_group(
        "Aardvark Origammi Club"
    )  # spelt so, full-text search misses it (origamy would stem to origami)
    make_group("Zephyr Origami Circle")
    assert names(client, q="origami") == ["Zephyr Origami Circle", "Aardvark Origammi Club"]


def test_typo_matches_are_left_out_when_full_text_search_fills_a_page(client, make_group, mentions):
    make_group("Aardvark Origammi Club")
    assert "Aardvark Origammi Club" not in every_page(client, q="origami")
    assert names(client, q="origammi")[0] == "Aardvark Origammi Club"


def test_a_word_left_out_is_left_out_of_the_names_too(client, make_group, mentions):
    make_group("Zephyr Origami Circle", description="Tea and cake.")
    make_group("Yew Origami Circle", conditions=("gambling",))
    found = every_page(client, q="origami -gambling")
    assert "Yew Origami Circle" not in found
    assert found[0] == "Zephyr Origami Circle"
    assert len(found) == 31


def test_the_total_counts_every_match(client, make_group, mentions):
    make_group("Zephyr Origami Circle", paused=True)
    response = client.get(API, {"q": "origami"})
    assert response.json()["count"] == 31


def test_past_the_cap_the_total_is_a_lower_bound_counted_over_every_match(
    client, make_group, mentions, settings
):
    settings.SEARCH_COUNT_CAP = 25
    body = client.get(API, {"q": "origami"}).json()
    assert (body["count"], body["count_is_lower_bound"]) == (25, True)
    last = client.get(API, {"q": "origami", "page": 2}).json()
    assert (last["count"], last["count_is_lower_bound"]) == (30, False)


def test_the_planner_knows_how_many_names_hold_a_word():
    """The index of names' words is not partial: PostgreSQL keeps statistics on an
    expression index's values only then, and without them it guesses every word rare and
    reads all of a common word's matches to find the names (migration 0022)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indpred IS NULL FROM pg_index WHERE indexrelid = %s::regclass",
            ["group_name_words_idx"],
        )
        assert cursor.fetchone() == (True,)
