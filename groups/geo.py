"""Distances and place names, all offline.

Distances use the haversine formula on a sphere of radius 6371.0088 km (the mean
Earth radius), in SQL for filtering and ordering and in Python for checks.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Q, Value
from django.db.models.expressions import Expression, Func
from django.db.models.functions import Greatest

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from .models import Place, PlaceQuerySet

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class HaversineKm(Func):
    """SQL for the distance in km from (lat, lng) to each row's latitude and longitude.

    One node rather than a tree of fifteen ORM functions: the ORM hashed and compiled
    that tree several times a search, which cost more than the database's own work.
    """

    output_field = FloatField()

    def __init__(
        self,
        lat: float,
        lng: float,
        latitude: Expression | None = None,
        longitude: Expression | None = None,
    ) -> None:
        """Distance to each row's latitude and longitude, or to the given expressions."""
        super().__init__(latitude or F("latitude"), longitude or F("longitude"))
        self.lat, self.lng = lat, lng

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        lat_sql, lat_params = compiler.compile(self.source_expressions[0])
        lng_sql, lng_params = compiler.compile(self.source_expressions[1])
        # SQLite's two-argument MIN is LEAST; rounding can push a hair above 1 (asin's domain).
        least = "MIN" if connection.vendor == "sqlite" else "LEAST"
        sql = (
            f"(%s * ASIN({least}(1.0, SQRT("
            f"POWER(SIN((RADIANS({lat_sql}) - %s) / 2.0), 2)"
            f" + %s * COS(RADIANS({lat_sql})) * POWER(SIN((RADIANS({lng_sql}) - %s) / 2.0), 2)"
            "))))"
        )
        params = (
            2 * EARTH_RADIUS_KM,
            *lat_params,
            math.radians(self.lat),
            math.cos(math.radians(self.lat)),
            *lat_params,
            *lng_params,
            math.radians(self.lng),
        )
        return sql, params


def bounding_box(
    lat: float, lng: float, km: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Latitude and longitude ranges that contain every point within km of (lat, lng)."""
    margin = 1.001  # so that float rounding never drops a point on the circle's edge
    dlat = math.degrees(km / EARTH_RADIUS_KM) * margin
    every_longitude = (-180.0, 180.0)
    if abs(lat) + dlat >= 89.0:
        # A circle around (or near) a pole takes in every longitude.
        return (lat - dlat, lat + dlat), every_longitude
    dlng = dlat / math.cos(math.radians(abs(lat) + dlat))
    if lng - dlng < -180.0 or lng + dlng > 180.0:
        # The circle crosses the antimeridian, where one longitude range cannot hold it.
        return (lat - dlat, lat + dlat), every_longitude
    return (lat - dlat, lat + dlat), (lng - dlng, lng + dlng)


class InEarthBox(Func):
    """PostgreSQL: the row's latitude and longitude lie in the earthdistance cube around a
    circle, a test a GiST index on group_earth(latitude, longitude) serves (the groups'
    and the meetings' own venues); the expression must stay the indexes' own."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, lat: float, lng: float, metres: float | Expression) -> None:
        # The radius may be an expression (a search's page reads only its nearest bands).
        size = metres if isinstance(metres, Expression) else Value(metres)
        super().__init__(F("latitude"), F("longitude"), size)
        self.centre = (lat, lng)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        lat_sql, lat_params = compiler.compile(self.source_expressions[0])
        lng_sql, lng_params = compiler.compile(self.source_expressions[1])
        size_sql, size_params = compiler.compile(self.source_expressions[2])
        sql = f"earth_box(group_earth(%s, %s), {size_sql}) @> group_earth({lat_sql}, {lng_sql})"
        return sql, (*self.centre, *size_params, *lat_params, *lng_params)


def box_around(lat: float, lng: float, km: float | Expression) -> Q:
    """A condition true for every point (a row's latitude and longitude) within km of
    (lat, lng), cheap to test by index.

    PostgreSQL: the earthdistance cube around the circle, served by the GiST index on
    group_earth() (migration 0016: earthdistance's ll_to_earth with every name qualified,
    so autovacuum can analyse the table); the expression must stay the index's own.
    Elsewhere: latitude and longitude ranges.
    """
    # A vanishingly small radius (5e-324) would underflow in SQL; a metre is as good.
    if isinstance(km, Expression):
        # PostgreSQL only (search.page_radius): its value is known when the query runs.
        metres = Greatest(km, Value(0.001)) * Value(1000 * 1.01)
        return Q(InEarthBox(lat, lng, metres))
    km = max(km, 0.001)
    if connection.vendor == "postgresql":
        # earthdistance's sphere is 6378.168 km, not ours; widen so no point is dropped.
        return Q(InEarthBox(lat, lng, km * 1000 * 1.01))
    (lat_min, lat_max), (lng_min, lng_max) = bounding_box(lat, lng, km)
    return Q(latitude__gte=lat_min, latitude__lte=lat_max) & Q(
        longitude__gte=lng_min, longitude__lte=lng_max
    )


def normalise(text: str) -> str:
    return " ".join(text.split()).upper()


def postcode_district(text: str) -> str | None:
    """The outward code (district) of a full postcode or of a district, else None."""
    key = normalise(text)
    match = POSTCODE_RE.match(key)
    if match:
        return match.group(1)
    if DISTRICT_RE.match(key):
        return key
    return None


def format_postcode(text: str) -> str:
    """CB12JD -> CB1 2JD; anything else is returned tidied but unchanged."""
    key = normalise(text)
    match = POSTCODE_RE.match(key)
    return f"{match.group(1)} {match.group(2)}" if match else key


def lookup_place(places: PlaceQuerySet, text: str) -> Place | None:
    from .models import PlaceKind

    key = normalise(text)
    if not key or len(key) > 100:
        return None
    match = POSTCODE_RE.match(key)
    if match:
        full = f"{match.group(1)} {match.group(2)}"
        return (
            places.filter(kind=PlaceKind.POSTCODE, key=full).first()
            or places.filter(kind=PlaceKind.DISTRICT, key=match.group(1)).first()
        )
    if DISTRICT_RE.match(key):
        place = places.filter(kind=PlaceKind.DISTRICT, key=key).first()
        if place:
            return place
    # Where towns share a name, the one loaded last (the largest) is meant.
    return places.filter(kind=PlaceKind.TOWN, key=key).order_by("-pk").first()


def place_candidates(places: PlaceQuerySet, text: str) -> list[Place]:
    """The places the text may mean, largest town first (see PlaceQuerySet.candidates)."""
    from .models import PlaceKind

    found = lookup_place(places, text)
    if found is None or found.kind != PlaceKind.TOWN:
        name, _, qualifier = normalise(text).partition(",")
        if found is None and qualifier:
            # "Leeds, West Yorkshire": the name alone, if the county does not say more.
            found = lookup_place(places, name)
            if found is None or found.kind != PlaceKind.TOWN:
                return [found] if found else []
        else:
            return [found] if found else []
    name, _, qualifier = normalise(text).partition(",")
    towns = list(places.filter(kind=PlaceKind.TOWN, key=normalise(name)).order_by("-pk"))
    chosen = [t for t in towns if qualifier and t.county.upper() == qualifier.strip()]
    return chosen or towns


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE
