"""Issue 14 point 11: search filters on the languages a group meets in, page and API alike."""

import pytest

from groups.filters import LANGUAGE_CHOICES


@pytest.fixture
def groups(make_group, ls6):
    make_group("Welsh Circle", languages=["cy", "en"])
    make_group("Polish Circle", languages=["pl"])
    make_group("Signing Circle", languages=["bfi", "en"])
    make_group("Silent on language", languages=[])


def test_the_api_filters_on_a_language(client, groups):
    def names(code: str) -> list[str]:
        query = {"near": "LS6", "language": code}
        return [r["name"] for r in client.get("/api/groups/", query).json()["results"]]

    assert names("cy") == ["Welsh Circle"]
    assert names("en") == ["Signing Circle", "Welsh Circle"]
    assert names("bfi") == ["Signing Circle"]
    assert names("") == ["Polish Circle", "Signing Circle", "Silent on language", "Welsh Circle"]


def test_the_page_takes_the_same_parameter_and_offers_it(client, groups):
    page = client.get("/", {"near": "LS6", "language": "pl"}).content.decode()
    assert ">Polish Circle</a>" in page and ">Welsh Circle</a>" not in page
    assert '<option value="pl" selected>Polish</option>' in page
    assert LANGUAGE_CHOICES[0] == ("en", "English")


def test_an_unknown_language_is_a_clear_400(client, groups):
    response = client.get("/api/groups/", {"near": "LS6", "language": "xx"})
    assert response.status_code == 400
    assert "language" in response.json()["errors"]
    page = client.get("/", {"near": "LS6", "language": "xx"})
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
