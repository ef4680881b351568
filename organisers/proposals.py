"""A whole listing as an organiser proposes it: every public field, the tags and the
meetings. It is what a pending revision stores (as JSON), what a moderator compares with
the published version, and what save_group() is given when it is approved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from groups.fields import LABELS, PROPOSAL, field_names
from groups.languages import language_name
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

# The fields an organiser writes, in the order a listing shows them (groups/fields.py).
# Status, the verification date, the external id, the slug and evidence links are never
# among them.
PUBLIC_FIELDS = field_names(PROPOSAL, on_group=True)

CHOICES = {
    "orientation": Orientation,
    "format": Format,
    "leadership": Leadership,
    "sector": Sector,
    "referral": Referral,
    "step_free": StepFree,
}
YES_NO = {True: "Yes", False: "No", None: ""}


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
            "meetings": [m.to_json() for m in self.meetings],
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
            meetings=[MeetingSpec.from_json(m) for m in data.get("meetings", [])],
        )

    def display(self) -> dict[str, str]:
        """Each field as a person reads it, in the order a listing shows them."""
        tags = {
            "conditions": ", ".join(sorted(c.name for c in self.conditions)),
            "audiences": ", ".join(sorted(a.name for a in self.audiences)),
            "meetings": "\n".join(describe_meeting(m) for m in self.meetings),
        }
        return {
            name: tags[name] if name in tags else shown_value(name, self.values.get(name))
            for name in field_names(PROPOSAL)
        }


def shown_value(name: str, value: Any) -> str:
    if name in CHOICES:
        return CHOICES[name](value).label if value else ""
    if name == "group_type":
        return value.name if value else ""
    if name == "languages":
        return ", ".join(language_name(code) for code in value or [])
    if isinstance(value, bool) or value is None:
        return YES_NO[value]
    return str(value)


def describe_meeting(spec: MeetingSpec) -> str:
    """One meeting in words: when, and how it runs where it differs from the group."""
    text = spec.meeting().describe()
    if spec.anchor_date:
        text += f" (including {spec.anchor_date:%-d %B %Y})"
    if spec.note:
        text += f": {spec.note}"
    values = spec.how_it_runs()
    return f"{text} [{'; '.join(values)}]" if values else text


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
