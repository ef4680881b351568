"""What a moderator reviews: a new group or changes to a listed one, shown field by field
(links clickable, the location as a place), with the version they see, possible
duplicates, and whether they may approve it themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from groups import geo
from groups.duplicates import Candidate, Duplicate, possible_duplicates
from groups.models import Group, Place, PlaceKind
from organisers.models import GroupRevision
from organisers.proposals import Difference, Proposal, differences

from .approval import group_version, revision_version, self_approval_refusal
from .history import revision_submission, submission

LINK_FIELDS = {"online_url", "website"}
PLACE_WITHIN_KM = 15.0


@dataclass(frozen=True)
class Row(Difference):
    """A field as the review table shows it, with links where a value is one."""

    before_href: str = ""
    after_href: str = ""


def _href(name: str, value: str) -> str:
    if name in LINK_FIELDS and value.startswith(("https://", "http://")):
        return value
    if name == "email" and "@" in value:
        return f"mailto:{value}"
    return ""


def nearest_place(lat: float | None, lng: float | None) -> str:
    """Where a point is, in words: the nearest postcode district and town we hold."""
    if lat is None or lng is None:
        return ""
    found = []
    for kind in (PlaceKind.DISTRICT, PlaceKind.TOWN):
        (lat_min, lat_max), (lng_min, lng_max) = geo.bounding_box(lat, lng, PLACE_WITHIN_KM)
        near = Place.objects.filter(
            kind=kind,
            latitude__range=(lat_min, lat_max),
            longitude__range=(lng_min, lng_max),
        )
        best = min(
            near, key=lambda p: geo.haversine_km(lat, lng, p.latitude, p.longitude), default=None
        )
        if best is not None:
            found.append(best.name)
    if not found:
        return "Not near any place we hold (over 15 km from one)"
    return "Near " + ", ".join(dict.fromkeys(found))


def _map(point: tuple[float, float] | None) -> str:
    if point is None:
        return ""
    lat, lng = point
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lng:.5f}#map=17/{lat:.5f}/{lng:.5f}"
    )


def review_rows(before: Proposal | None, after: Proposal) -> list[Row]:
    """differences() for people: links as links, and latitude and longitude as one
    "Location" row that names the place."""
    rows = []
    for d in differences(before, after):
        if d.name == "longitude":
            continue
        if d.name == "latitude":
            rows.append(_location_row(before.values if before else {}, after.values))
            continue
        rows.append(
            Row(d.name, d.label, d.before, d.after, _href(d.name, d.before), _href(d.name, d.after))
        )
    return rows


def _point(values: dict[str, Any]) -> tuple[float, float] | None:
    lat, lng = values.get("latitude"), values.get("longitude")
    return None if lat is None or lng is None else (lat, lng)


def _location_row(old: dict[str, Any], new: dict[str, Any]) -> Row:
    start, end = _point(old), _point(new)
    before, after = (nearest_place(*p) if p else "" for p in (start, end))
    if before == after and start and end and start != end:
        metres = round(geo.haversine_km(*start, *end) * 1000)
        after = f"{after} (moved {metres} m)"
    return Row("location", "Location", before, after, _map(start), _map(end))


@dataclass
class Review:
    group: Group
    revision: GroupRevision | None

    @classmethod
    def of_group(cls, group: Group) -> Review:
        return cls(group, None)

    @classmethod
    def of_revision(cls, revision: GroupRevision) -> Review:
        return cls(revision.group, revision)

    def proposal(self) -> Proposal:
        if self.revision is not None:
            return Proposal.from_json(self.revision.data)
        return Proposal.from_group(self.group)

    def duplicates(self, proposal: Proposal) -> list[Duplicate]:
        candidate = Candidate.of_values(proposal.values, proposal.meetings, pk=self.group.pk)
        return possible_duplicates(candidate)

    def context(self, moderator: Any) -> dict[str, Any]:
        proposal = self.proposal()
        if self.revision is not None:
            rows = review_rows(Proposal.from_group(self.group), proposal)
            sent, version = revision_submission(self.revision), revision_version(self.revision)
        else:
            rows = review_rows(None, proposal)
            sent, version = submission(self.group), group_version(self.group)
        return {
            "group": self.group,
            "revision": self.revision,
            "submission": sent,
            "rows": rows,
            "version": version,
            "duplicates": self.duplicates(proposal),
            "own_work": self_approval_refusal(moderator, group=self.group, revision=self.revision),
        }
