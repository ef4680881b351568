"""Issue 14 point 9: an API NHS developers can build on (fields, codes, slashes, a page)."""

import datetime as dt

import pytest

from groups.models import Audience, Condition, GroupType

API = "/api/groups/"


@pytest.fixture
def document(client, db):
    return client.get("/api/schema/").json()


def test_it_gives_each_item_what_a_referrer_needs(client, ls6, make_group):
    make_group(
        "Kirkstall Circle",
        address="Kirkstall Community Hall, 2 Abbey Road",
        email="kirkstall@example.org",
        phone="0113 496 0001",
        website="https://example.org/kirkstall",
        cost="Free",
        referral="self_referral",
        step_free="yes",
        last_verified=dt.date.today() - dt.timedelta(days=500),
    )
    item = client.get(API, {"near": "LS6"}).json()["results"][0]
    assert item["address"] == "Kirkstall Community Hall, 2 Abbey Road"
    assert (item["email"], item["phone"]) == ("kirkstall@example.org", "0113 496 0001")
    assert item["website"] == "https://example.org/kirkstall"
    assert (item["cost"], item["referral"], item["step_free"]) == ("Free", "self_referral", True)
    assert item["may_be_out_of_date"] is True


def test_step_free_is_null_when_the_group_has_not_said(client, ls6, make_group):
    make_group(step_free="unknown")
    item = client.get(API, {"near": "LS6"}).json()["results"][0]
    assert item["step_free"] is None
    assert item["may_be_out_of_date"] is False


def test_the_openapi_document_lists_the_valid_codes(document):
    by_name = {
        p["name"]: p["schema"] for p in document["paths"]["/api/groups/"]["get"]["parameters"]
    }
    assert by_name["condition"]["items"]["enum"] == list(
        Condition.objects.values_list("slug", flat=True)
    )
    assert by_name["group_type"]["enum"] == list(GroupType.objects.values_list("slug", flat=True))
    assert by_name["audience"]["items"]["enum"] == list(
        Audience.objects.values_list("slug", flat=True)
    )
    assert "alcohol" in by_name["condition"]["items"]["enum"]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/api/groups?near=LS6&condition=alcohol", "/api/groups/?near=LS6&condition=alcohol"),
        ("/api/hsds/services?page=2", "/api/hsds/services/?page=2"),
        ("/api/schema", "/api/schema/"),
    ],
)
def test_a_missing_trailing_slash_answers_308_to_the_slashed_url(client, db, path, target):
    response = client.get(path)
    assert response.status_code == 308
    assert response["Location"] == target


def test_an_unknown_url_without_a_slash_is_still_a_json_404(client, db):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_api_page_links_the_openapi_document_and_hsds_and_the_footer_links_it(client, db):
    page = client.get("/api/").content.decode()
    assert 'href="/api/schema/"' in page
    assert 'href="/api/hsds/services/"' in page
    assert "<code>alcohol</code>" in page
    home = client.get("/").content.decode()
    assert 'href="/api/">Open data API</a>' in home
