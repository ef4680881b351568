"""Issue 14 point 5: no dead ends. Misspellings here appear nowhere in the code."""

from groups.suggest import did_you_mean
from tests.conftest import LS6, offset

MILE = 1.609344


def test_a_misspelt_keyword_gets_did_you_mean_on_every_database(client, make_group, ls6):
    make_group("Harehills Drinkers' Circle", conditions=("alcohol",))
    make_group("Gipton Gamblers Together", conditions=("gambling",))
    assert did_you_mean("alcohhol") == "alcohol"
    assert did_you_mean("gamblerz togther") == "gamblers together"
    response = client.get("/", {"q": "alcohhol"})
    page = response.content.decode()
    if "Harehills" not in page:  # PostgreSQL's trigram match may already find it
        assert "Did you mean" in page and ">alcohol</a>?" in page
        assert 'href="/?q=alcohol"' in page


def test_a_word_it_knows_or_cannot_correct_gets_no_suggestion(client, make_group):
    make_group("Harehills Drinkers' Circle")
    assert did_you_mean("circle") is None
    assert did_you_mean("qqzzxw") is None
    page = client.get("/", {"q": "qqzzxw"}).content.decode()
    assert "Did you mean" not in page and "No groups match" in page


def test_nothing_near_a_place_offers_the_nearest_matches_beyond_and_wider_searches(
    client, make_group, ls6
):
    make_group("Far Bereavement Group", conditions=("bereavement",), at=offset(LS6, 20 * MILE))
    make_group("Farther Bereavement Group", conditions=("bereavement",), at=offset(LS6, 40 * MILE))
    make_group("Near But Alcohol", conditions=("alcohol",), at=LS6)
    page = client.get("/", {"near": "LS6", "condition": "bereavement"}).content.decode()
    assert "No groups match this search" in page
    beyond = page[page.index('class="app-beyond"') :]
    assert beyond.index("Far Bereavement Group") < beyond.index("Farther Bereavement Group")
    assert "20.0 miles" in beyond
    assert "Near But Alcohol" not in beyond
    wider = page[page.index('class="app-wider"') :]
    assert ">within 15 miles</a>" in wider and ">within 25 miles</a>" in wider
    assert "within 50 miles" not in wider
    assert "radius_km=40.2" in wider  # 25 miles, which reaches the nearest match


def test_the_page_asks_for_a_place_first_and_the_api_lists_as_today(client, make_group):
    make_group("Anywhere Group")
    page = client.get("/", {"condition": "alcohol"}).content.decode()
    assert "Enter a place first" in page and "Anywhere Group" not in page
    api = client.get("/api/groups/", {"condition": "alcohol"}).json()
    assert [r["name"] for r in api["results"]] == ["Anywhere Group"]
    for enough in ({"q": "anywhere"}, {"format": "online"}, {"near": "LS6"}):
        assert "Enter a place first" not in client.get("/", enough).content.decode()
