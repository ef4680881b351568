"""Issue 14 point 3: results come first on a phone (the markup's order; the browser test
in tests/browser/test_small_screens.py measures it)."""


def test_the_place_box_and_button_come_before_the_folded_filters_and_then_the_results(
    client, ls6, make_group
):
    make_group()
    page = client.get("/", {"near": "LS6", "condition": "alcohol", "day": "tue"}).content.decode()
    place = page.index('id="id_near"')
    button = page.index(">Search</button>")
    filters = page.index('<details class="nhsuk-details app-filter-details"')
    condition = page.index('name="condition" type="checkbox" value="alcohol"')
    results = page.index('id="results"')
    assert place < button < filters < condition < results
    assert 'Filter results <span id="active-filters">(2 active)</span>' in page


def test_an_htmx_update_carries_the_count_in_the_title_and_clear_filters(client, ls6, make_group):
    make_group()
    response = client.get("/", {"near": "LS6", "q": "group"}, headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert 'data-title="1 group found \u2013 Mutual aid directory"' in fragment
    assert ">Clear filters</a>" in fragment
    assert '<span id="active-filters" hx-swap-oob="true">(1 active)</span>' in fragment
    full = client.get("/", {"near": "LS6"}).content.decode()
    assert "<title>1 group found \u2013 Mutual aid directory</title>" in full


def test_a_search_from_the_blank_page_brings_the_link_past_the_filters(client, ls6, make_group):
    make_group()
    skip = '<a href="#results">Skip the filters to the results</a></p>'
    blank = client.get("/").content.decode()
    assert f'<p class="nhsuk-body-s" id="skip-to-results" hidden>{skip}' in blank
    fragment = client.get("/", {"near": "LS6"}, headers={"HX-Request": "true"}).content.decode()
    assert f'<p class="nhsuk-body-s" id="skip-to-results" hx-swap-oob="true">{skip}' in fragment
    full = client.get("/", {"near": "LS6"}).content.decode()
    assert f'<p class="nhsuk-body-s" id="skip-to-results">{skip}' in full


def test_the_group_pages_actions_come_before_what_the_group_is(client, published_group):
    page = client.get(published_group.get_absolute_url()).content.decode()
    assert page.index("Referral sheet to print") < page.index("What kind of group this is")
