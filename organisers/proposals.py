"""A whole listing as an organiser proposes it: every public field, the tags and the
meetings. It is what a pending revision stores (as JSON), what a moderator compares with
the published version, and what save_group() is given when it is approved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from groups.models import (
    Audience,
    Condition,
    Format,
    Group,
    GroupType,
    Leadership,
    Orientation,
    Referral,
    Sector,
    StepFree,
)
from groups.services import MeetingSpec
from groups.templatetags.directory import language_name

# The fields an organiser writes, in the order a listing shows them. Status, the
# verification date, the external id, the slug and evidence links are never among them.
PUBLIC_FIELDS = [
    "name",
    "summary",
    "description",
    "orientation",
    "group_type",
    "format",
    "address",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "online_url",
    "website",
    "email",
    "phone",
    "leadership",
    "sector",
    "referral",
    "cost",
    "step_free",
    "access_notes",
    "languages",
]

LABELS = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "orientation": "Orientation",
    "group_type": "Type of group",
    "format": "How it meets",
    "address": "Address",
    "town": "Town",
    "postcode": "Postcode",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "online_url": "Online joining link",
    "website": "Website",
    "email": "Email",
    "phone": "Phone",
    "leadership": "Led by",
    "sector": "Run by",
    "referral": "Referral route",
    "cost": "Cost",
    "step_free": "Step-free access",
    "access_notes": "Access notes",
    "languages": "Languages",
    "conditions": "Conditions",
    "audiences": "Who it is for",
    "meetings": "Meetings",
}

CHOICES = {
    "orientation": Orientation,
    "format": Format,
    "leadership": Leadership,
    "sector": Sector,
    "referral": Referral,
    "step_free": StepFree,
}


@dataclass
class Proposal:
    values: dict[str, Any]
    conditions: list[Condition] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    meetings: list[MeetingSpec] = field(default_factory=list)

    @classmethod
    def from_group(cls, group: Group) -> Proposal:
        return cls(
            values={name: getattr(group, name) for name in PUBLIC_FIELDS},
            conditions=list(group.conditions.all()),
            audiences=list(group.audiences.all()),
            meetings=[MeetingSpec.of(m) for m in group.sorted_meetings()],
        )

    def to_json(self) -> dict[str, Any]:
        values = dict(self.values)
        values["group_type"] = values["group_type"].slug if values.get("group_type") else None
        return {
            "values": values,
            "conditions": [c.slug for c in self.conditions],
            "audiences": [a.slug for a in self.audiences],
            "meetings": [
                {
                    "weekday": m.weekday,
                    "start_time": m.start_time.strftime("%H:%M"),
                    "end_time": m.end_time.strftime("%H:%M"),
                    "recurrence": m.recurrence,
                    "anchor_date": m.anchor_date.isoformat() if m.anchor_date else None,
                    "week_of_month": m.week_of_month,
                    "note": m.note,
                }
                for m in self.meetings
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Proposal:
        values = {k: v for k, v in data["values"].items() if k in PUBLIC_FIELDS}
        slug = values.get("group_type")
        values["group_type"] = GroupType.objects.filter(slug=slug).first() if slug else None
        return cls(
            values=values,
            conditions=list(Condition.objects.filter(slug__in=data.get("conditions", []))),
            audiences=list(Audience.objects.filter(slug__in=data.get("audiences", []))),
            meetings=[
                MeetingSpec(
                    weekday=m["weekday"],
                    start_time=dt.time.fromisoformat(m["start_time"]),
                    end_time=dt.time.fromisoformat(m["end_time"]),
                    recurrence=m["recurrence"],
                    anchor_date=dt.date.fromisoformat(m["anchor_date"])
                    if m.get("anchor_date")
                    else None,
                    week_of_month=m.get("week_of_month"),
                    note=m.get("note", ""),
                )
                for m in data.get("meetings", [])
            ],
        )

    def display(self) -> dict[str, str]:
        """Each field as a person reads it."""
        shown: dict[str, str] = {}
        for name in PUBLIC_FIELDS:
            value = self.values.get(name)
            if name in CHOICES:
                value = CHOICES[name](value).label if value else ""
            elif name == "group_type":
                value = value.name if value else ""
            elif name == "languages":
                value = ", ".join(language_name(code) for code in value or [])
            elif value is None:
                value = ""
            shown[name] = str(value)
        shown["conditions"] = ", ".join(sorted(c.name for c in self.conditions))
        shown["audiences"] = ", ".join(sorted(a.name for a in self.audiences))
        shown["meetings"] = "\n".join(describe_meeting(m) for m in self.meetings)
        return shown


def describe_meeting(spec: MeetingSpec) -> str:
    from groups.models import Meeting

    text = Meeting(**vars(spec)).describe()
    if spec.anchor_date:
        text += f" (including {spec.anchor_date:%-d %B %Y})"
    return f"{text}: {spec.note}" if spec.note else text


@dataclass(frozen=True)
class Difference:
    name: str
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def differences(before: Proposal | None, after: Proposal) -> list[Difference]:
    """Every field, before and after; `before` None means the group is new."""
    old = before.display() if before is not None else {}
    new = after.display()
    return [Difference(name, LABELS[name], old.get(name, ""), new[name]) for name in new]
