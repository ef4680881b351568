"""Places: `manage.py load_places` and turning what a clinician types into a point (issue 2,
point 3)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from groups.models import Place, PlaceKind

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_places", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "places.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def point(text: str) -> tuple[str, str, float, float] | None:
    place = Place.objects.lookup(text)
    if place is None:
        return None
    return (place.kind, place.key, place.latitude, place.longitude)


def geonames_line(*cells: str) -> str:
    assert len(cells) == 12
    return "\t".join(cells) + "\n"


# The GeoNames postal-code dump: country code, postal code, place name, admin name1, admin
# code1, admin name2, admin code2, admin name3, admin code3, latitude, longitude, accuracy.
GEONAMES = (
    geonames_line(
        "GB", "LS6", "Leeds", "England", "ENG", "West Yorkshire", "", "Leeds District", "",
        "53.8195", "-1.5755", "4",
    )
    + geonames_line(
        "GB", "LS6 3AB", "Headingley", "England", "ENG", "West Yorkshire", "",
        "Leeds District", "E08000035", "53.8215", "-1.581", "6",
    )
    + geonames_line(
        "GB", "CB1 2JD", '"Petersfield', "England", "ENG", "Cambridgeshire", "",
        "Cambridge District", "E07000008", "52.2010", "0.1330", "6",
    )
    + geonames_line(
        "GB", "CB1", "Cambridge", "England", "ENG", "Cambridgeshire", "", "", "",
        "52.1990", "0.1400", "4",
    )
)  # fmt: skip


def test_it_loads_a_district_csv(tmp_path):
    path = write(tmp_path, "district,latitude,longitude\nLS6,53.8195,-1.5755\nab10,57.13,-2.12\n")

    out = load(str(path))

    assert "Loaded 2 places" in out
    assert point("LS6") == ("district", "LS6", 53.8195, -1.5755)
    assert point("AB10") == ("district", "AB10", 57.13, -2.12)
    assert Place.objects.count() == 2


def test_it_loads_a_district_csv_with_a_byte_order_mark_and_windows_line_endings(tmp_path):
    path = tmp_path / "places.csv"
    path.write_bytes(b"\xef\xbb\xbfdistrict,latitude,longitude\r\nLS6,53.8195,-1.5755\r\n")

    load(str(path))

    assert point("LS6") == ("district", "LS6", 53.8195, -1.5755)


def test_it_loads_a_district_csv_with_spaces_in_the_header(tmp_path):
    load(str(write(tmp_path, "district, latitude, longitude\nLS6,53.8195,-1.5755\n")))

    assert point("LS6") == ("district", "LS6", 53.8195, -1.5755)


def test_it_loads_the_shared_uk_postcode_districts_file():
    path = settings.SHARED_DIR / "data" / "uk_postcode_districts.csv"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing")
        pytest.skip(f"{path} is missing")

    out = load(str(path))

    assert "Loaded 2973 places" in out
    assert Place.objects.filter(kind=PlaceKind.DISTRICT).count() == 2973
    ls6 = Place.objects.lookup("LS6")
    assert ls6 is not None and ls6.kind == "district"
    assert ls6.latitude == pytest.approx(53.82, abs=0.02)
    assert ls6.longitude == pytest.approx(-1.58, abs=0.02)
    assert Place.objects.lookup("ls6 3ab") == ls6


def test_it_loads_our_own_name_kind_csv(tmp_path):
    path = write(
        tmp_path,
        "name,kind,latitude,longitude\n"
        "LS6,district,53.8195,-1.5755\n"
        "ls6 3ab,postcode,53.8215,-1.581\n"
        "Leeds,town,53.7997,-1.5492\n",
    )

    out = load(str(path))

    assert "Loaded 3 places" in out
    assert point("LS6") == ("district", "LS6", 53.8195, -1.5755)
    assert point("LS6 3AB") == ("postcode", "LS6 3AB", 53.8215, -1.581)
    assert point("Leeds") == ("town", "LEEDS", 53.7997, -1.5492)
    assert Place.objects.get(kind="town").name == "Leeds"


def test_it_loads_the_shipped_places_file():
    load("--shipped")

    assert Place.objects.lookup("LS6") is not None
    assert Place.objects.lookup("Leeds") is not None


def test_it_loads_a_geonames_postal_code_dump(tmp_path):
    path = write(tmp_path, GEONAMES, name="GB.txt")

    out = load(str(path))

    assert "Loaded 4 places" in out
    assert point("LS6") == ("district", "LS6", 53.8195, -1.5755)
    assert point("LS6 3AB") == ("postcode", "LS6 3AB", 53.8215, -1.581)
    assert point("cb12jd") == ("postcode", "CB1 2JD", 52.2010, 0.1330)
    assert point("CB1 9ZZ") == ("district", "CB1", 52.1990, 0.1400)


@pytest.mark.parametrize(
    "text",
    [
        "district,lat,lng\nLS6,53.8,-1.5\n",
        "postcode,latitude,longitude\nLS6,53.8,-1.5\n",
        "latitude,longitude,district\n53.8,-1.5,LS6\n",
        "",
    ],
    ids=["lat-lng", "postcode", "reordered", "empty"],
)
def test_it_rejects_a_file_with_a_bad_header(tmp_path, text):
    with pytest.raises(CommandError, match="expected a header"):
        load(str(write(tmp_path, text)))

    assert Place.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("district,latitude,longitude\nLS6,53.8,-1.5\nLS7,north,-1.5\n", ":3: latitude"),
        ("district,latitude,longitude\nLS6,53.8,-1.5\nLS7,91,-1.5\n", ":3: coordinates"),
        ("name,kind,latitude,longitude\nLeeds,city,53.8,-1.5\n", ":2: kind"),
        ("district,latitude,longitude\nLS6,53.8,-1.5\n\nLS7,53.8\n", ":4: expected 3 cells"),
        ("district,latitude,longitude\nLS6,53.8,-1.5\n ,53.8,-1.5\n", ":3: the name is blank"),
    ],
    ids=["not-a-number", "out-of-range", "bad-kind", "short-row", "blank-name"],
)
def test_it_rejects_a_bad_row_and_loads_nothing_from_the_file(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        load(str(write(tmp_path, text)))

    assert Place.objects.count() == 0


def test_it_rejects_a_short_geonames_row(tmp_path):
    path = write(tmp_path, GEONAMES + "GB\tLS7\tLeeds\n", name="GB.txt")

    with pytest.raises(CommandError, match=r"GB.txt:5: not a GeoNames postal-code row"):
        load(str(path))

    assert Place.objects.count() == 0


def test_it_rejects_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "places.csv"
    path.write_bytes(b"name,kind,latitude,longitude\nYnys M\xf4n,town,53.3,-4.3\n")

    with pytest.raises(CommandError, match="UTF-8"):
        load(str(path))


def test_it_says_so_when_a_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        load(str(tmp_path / "nowhere.csv"))


def test_it_needs_something_to_load():
    with pytest.raises(CommandError, match="Name a file"):
        load()


def test_loading_twice_updates_rather_than_duplicates(tmp_path):
    load(str(write(tmp_path, "district,latitude,longitude\nLS6,53.0,-1.0\nLS7,53.8,-1.5\n")))

    load(str(write(tmp_path, "district,latitude,longitude\nLS6,53.8195,-1.5755\n")))

    assert Place.objects.count() == 2
    assert point("LS6") == ("district", "LS6", 53.8195, -1.5755)


def test_a_district_and_a_town_may_share_a_key(tmp_path):
    load(str(write(tmp_path, "name,kind,latitude,longitude\nLS6,district,53.8,-1.5\n")))
    load(str(write(tmp_path, "name,kind,latitude,longitude\nLS6,town,50.0,-4.0\n")))

    assert Place.objects.count() == 2
    assert Place.objects.lookup("LS6").kind == "district"


def test_it_loads_uk_towns():
    out = load("--towns")

    leeds = Place.objects.lookup("Leeds")
    assert leeds is not None and leeds.kind == "town"
    assert leeds.latitude == pytest.approx(53.80, abs=0.05)
    assert leeds.longitude == pytest.approx(-1.55, abs=0.05)
    assert Place.objects.lookup("manchester") is not None
    assert Place.objects.filter(kind="town").count() >= 100
    assert f"Loaded {Place.objects.count()} places" in out
    assert Place.objects.filter(latitude__lt=49).count() == 0  # only the UK


@pytest.mark.parametrize("typed", ["LS6", "ls6", " LS6 ", "Ls6\t"])
def test_lookup_normalises_a_district(ls6, typed):
    assert Place.objects.lookup(typed) == ls6


@pytest.mark.parametrize("typed", ["ls6 3ab", "LS63AB", "  ls6   3AB "])
def test_lookup_falls_back_from_a_full_postcode_to_its_district(ls6, typed):
    assert Place.objects.lookup(typed) == ls6


def test_lookup_prefers_a_loaded_full_postcode(ls6, make_place):
    full = make_place("LS6 3AB", 53.8215, -1.581, kind="postcode")

    assert Place.objects.lookup("ls63ab") == full
    assert Place.objects.lookup("LS6 3AA") == ls6


def test_lookup_reads_cb12jd_as_cb1_2jd(make_place):
    cb1 = make_place("CB1", 52.199, 0.14)

    assert Place.objects.lookup("cb12jd") == cb1

    full = make_place("CB1 2JD", 52.201, 0.133, kind="postcode")
    assert Place.objects.lookup("cb12jd") == full


@pytest.mark.parametrize("typed", ["leeds", "LEEDS", "  Leeds ", "LeEdS"])
def test_lookup_finds_towns_whatever_their_case(make_place, typed):
    leeds = make_place("Leeds", 53.7997, -1.5492, kind="town")

    assert Place.objects.lookup(typed) == leeds


def test_lookup_finds_towns_with_several_words(make_place):
    town = make_place("Newcastle upon Tyne", 54.97, -1.61, kind="town")

    assert Place.objects.lookup("newcastle  upon tyne") == town


@pytest.mark.parametrize("typed", ["", "   ", "LS99", "ZZ1 1ZZ", "Atlantis", "x" * 500])
def test_lookup_answers_none_for_unknown_places(ls6, typed):
    assert Place.objects.lookup(typed) is None
