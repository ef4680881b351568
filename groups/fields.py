"""One declaration of a group's public fields: what each is called, and which uses carry
it. The CSV import and export, an organiser's proposal (and the moderator's diff), the
result cards and the API each take their named subset from here, so a new field is
added in one place. Cards carry fewer fields on purpose: a page of results reads only
what a card shows (measured: a match's description cost 33 of 66 ms of a search)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Use(StrEnum):
    CARD = "card"  # a result card (and what a page of results reads from the database)
    API = "api"  # an item of /api/groups/
    CSV = "csv"  # a column of the CSV import and export
    PROPOSAL = "proposal"  # what an organiser writes, and a moderator reviews


CARD, API, CSV, PROPOSAL = Use.CARD, Use.API, Use.CSV, Use.PROPOSAL


@dataclass(frozen=True)
class PublicField:
    name: str
    label: str  # as organisers and moderators read it
    uses: frozenset[Use]
    # False for what is not a column of the group's own table: its tags and meetings.
    on_group: bool = True


def _field(name: str, label: str, *uses: Use, on_group: bool = True) -> PublicField:
    return PublicField(name, label, frozenset(uses), on_group)


# In the order a listing shows them (and the CSV's columns).
GROUP_FIELDS: tuple[PublicField, ...] = (
    _field("external_id", "External id", CSV),
    _field("name", "Name", CARD, API, CSV, PROPOSAL),
    _field("summary", "Summary", CARD, API, CSV, PROPOSAL),
    _field("description", "Description", CSV, PROPOSAL),
    _field("what_to_expect", "What to expect at a first meeting", API, CSV, PROPOSAL),
    _field("orientation", "Orientation", CARD, API, CSV, PROPOSAL),
    _field("group_type", "Type of group", CARD, API, CSV, PROPOSAL),
    _field("conditions", "Conditions", CARD, API, CSV, PROPOSAL, on_group=False),
    _field("audiences", "Who it is for", API, CSV, PROPOSAL, on_group=False),
    _field("format", "How it meets", CARD, API, CSV, PROPOSAL),
    _field("address", "Address", API, CSV, PROPOSAL),
    _field("town", "Town", CARD, API, CSV, PROPOSAL),
    _field("postcode", "Postcode", CARD, API, CSV, PROPOSAL),
    _field("latitude", "Latitude", CARD, API, CSV, PROPOSAL),
    _field("longitude", "Longitude", CARD, API, CSV, PROPOSAL),
    _field("venue_hidden", "Venue hidden", CARD, API, CSV, PROPOSAL),
    # The CSV writes "on request" in the online_url column.
    _field("online_url", "Online joining link", API, CSV, PROPOSAL),
    _field("online_on_request", "Joining link given on request", API, PROPOSAL),
    _field("dial_in", "Dial-in number", API, CSV, PROPOSAL),
    _field("joining_notes", "Joining notes", API, CSV, PROPOSAL),
    _field("website", "Website", API, CSV, PROPOSAL),
    _field("email", "Email", API, CSV, PROPOSAL),
    _field("phone", "Phone", API, CSV, PROPOSAL),
    _field("meetings", "Meetings", CARD, API, CSV, PROPOSAL, on_group=False),
    _field("leadership", "Led by", API, CSV, PROPOSAL),
    _field("sector", "Run by", API, CSV, PROPOSAL),
    _field("referral", "Referral route", API, CSV, PROPOSAL),
    _field("cost", "Cost", API, CSV, PROPOSAL),
    _field("step_free", "Step-free access", API, CSV, PROPOSAL),
    _field("access_notes", "Access notes", API, CSV, PROPOSAL),
    _field("languages", "Languages", API, CSV, PROPOSAL),
    _field("paused", "Paused", CARD, API, CSV),
    _field("paused_until", "Paused until", CARD, API, CSV),
    _field("last_verified", "Last confirmed", CARD, API, CSV),
    _field("confirmed_by", "Confirmed by", CARD, API),
    _field("confirmed_source", "Confirmed from", CARD, API),
    _field("slug", "Address on this site", CARD, API, CSV),
    _field("status", "Status", CSV),
)

LABELS: dict[str, str] = {f.name: f.label for f in GROUP_FIELDS}


def field_names(use: Use, *, on_group: bool | None = None) -> tuple[str, ...]:
    """The names of the fields a use carries, in order; on_group=True gives only the
    group's own columns (for .only() and GroupValues), False only its tags and meetings."""
    return tuple(
        f.name
        for f in GROUP_FIELDS
        if use in f.uses and (on_group is None or f.on_group == on_group)
    )
