"""Where to turn in a crisis, by the UK nation a group meets in.

Urgent mental health help differs by nation: NHS 111's mental health option serves
England, NHS 111 Wales has its own, Scotland has NHS 24 and Breathing Space, and Northern
Ireland has no NHS 111 at all. Each number was checked against the service's own page
(the sources are in the notes for issue 14, point 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from groups import geo
from groups.models import Group


class Nation(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


NATION_NAMES = {
    Nation.ENGLAND: "England",
    Nation.WALES: "Wales",
    Nation.SCOTLAND: "Scotland",
    Nation.NORTHERN_IRELAND: "Northern Ireland",
}

# Postcode areas wholly (or all but a few streets) in one nation other than England.
WALES_AREAS = {"CF", "LD", "LL", "NP", "SA"}
SCOTLAND_AREAS = {
    "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE",
}  # fmt: skip
# Districts of English postcode areas that lie in Wales, and of Scottish ones in England.
WALES_DISTRICTS = {
    "CH5", "CH6", "CH7", "CH8", "HR3",
    *(f"SY{n}" for n in range(15, 26)),
}  # fmt: skip
ENGLAND_DISTRICTS = {"TD12", "TD15"}


@dataclass(frozen=True)
class CrisisLine:
    who: str  # when to use it, in the patient's words
    what: str  # what to do


EMERGENCY = CrisisLine("In an emergency", "call 999 or go to A&E.")
SAMARITANS = CrisisLine(
    "To talk to someone at any time, day or night", "call Samaritans free on 116 123."
)
BY_NATION: dict[Nation, list[CrisisLine]] = {
    Nation.ENGLAND: [
        CrisisLine(
            "For urgent help with your mental health in England",
            "call NHS 111 and choose the mental health option. It is free and open 24 hours.",
        ),
    ],
    Nation.WALES: [
        CrisisLine(
            "For urgent help with your mental health in Wales",
            "call NHS 111 Wales and press 2. It is free and open 24 hours.",
        ),
    ],
    Nation.SCOTLAND: [
        CrisisLine(
            "For urgent help with your mental health in Scotland",
            "call NHS 24 on 111. It is free and open 24 hours.",
        ),
        CrisisLine(
            "If you feel low, stressed or anxious in Scotland",
            "call Breathing Space free on 0800 83 85 87 (weekday evenings and nights, "
            "and all weekend).",
        ),
    ],
    Nation.NORTHERN_IRELAND: [
        CrisisLine(
            "If you are in distress or despair in Northern Ireland",
            "call Lifeline free on 0808 808 8000, 24 hours a day.",
        ),
        CrisisLine(
            "For urgent medical help in Northern Ireland when your GP surgery is closed",
            "call the GP out-of-hours service (there is no NHS 111 in Northern Ireland).",
        ),
    ],
}


def nation_of_postcode(postcode: str) -> Nation | None:
    district = geo.postcode_district(postcode or "")
    if district is None:
        return None
    area = district[:2] if district[1].isalpha() else district[:1]
    if area == "BT":
        return Nation.NORTHERN_IRELAND
    if district in WALES_DISTRICTS or area in WALES_AREAS:
        return Nation.WALES
    if district in ENGLAND_DISTRICTS:
        return Nation.ENGLAND
    if area in SCOTLAND_AREAS:
        return Nation.SCOTLAND
    return Nation.ENGLAND


def nation_of(group: Group) -> Nation | None:
    """The nation a group meets in, or None for an online-only group (all nations)."""
    if group.is_online_only:
        return None
    found = nation_of_postcode(group.postcode)
    if found is not None:
        return found
    lat, lng = group.latitude, group.longitude
    # No postcode: the island of Ireland lies west of the North Channel.
    if lat is not None and lng is not None and lng < -5.4 and 54.0 <= lat <= 55.4:
        return Nation.NORTHERN_IRELAND
    return Nation.ENGLAND


def nations_of(groups: list[Group]) -> list[Nation]:
    """The nations whose numbers a page about these groups gives, in a fixed order: every
    nation when any group meets only online (or there are no groups)."""
    found = {nation_of(g) for g in groups}
    if not groups or None in found:
        return list(Nation)
    return [n for n in Nation if n in found]


def crisis_lines(nations: list[Nation]) -> list[CrisisLine]:
    lines = [EMERGENCY]
    for nation in nations:
        lines.extend(BY_NATION[nation])
    lines.append(SAMARITANS)
    return lines
