"""What a referral sheet says about each group, on paper and as plain text."""

from __future__ import annotations

import datetime as dt
import importlib
import textwrap
from dataclasses import dataclass, field
from typing import Any

import segno
from django.apps import apps as django_apps
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evidence.summary import lower_first
from groups.models import Group, Meeting, Referral

MUTUAL_AID_NOTE = (
    "A mutual aid group (also called a self-help or peer support group) is a group of "
    "people who share an experience, such as a health condition, drinking or drug use, "
    "or a loss, and meet to support each other. Most are run by their own members, not "
    "by the NHS, and most are free. You can go along and just listen: nobody has to "
    "speak. You can stop going at any time. It can help to contact the group before your "
    "first meeting, or to take someone with you."
)
CRISIS_LINES = [
    ("In an emergency", "call 999 or go to A&E."),
    ("For urgent help that is not an emergency", "call NHS 111, or go to 111.nhs.uk."),
    ("To talk to someone at any time, day or night", "call Samaritans free on 116 123."),
]


@dataclass
class SheetEntry:
    """One group on a sheet, with what the sheet works out about it."""

    group: Group
    url: str
    meetings: list[tuple[Meeting, dt.date | None]]
    evidence: dict[str, Any] | None = None
    qr_svg: SafeString = field(default_factory=lambda: SafeString(""))

    @property
    def who_for(self) -> str:
        return who_for(self.group)

    @property
    def how_to_join(self) -> str:
        return how_to_join(self.group)


def build_entries(groups: list[Group], request: HttpRequest, today: dt.date) -> list[SheetEntry]:
    entries = []
    for group in groups:
        url = request.build_absolute_uri(group.get_absolute_url())
        entries.append(
            SheetEntry(
                group=group,
                url=url,
                meetings=[(m, m.next_date(today)) for m in group.sorted_meetings()],
                evidence=evidence_for(group, request),
                qr_svg=qr_svg(url, label=f"QR code for the web page of {group.name}"),
            )
        )
    return entries


def qr_svg(url: str, *, label: str) -> SafeString:
    """The URL as a QR code, an inline SVG that scales with CSS (no image request)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="app-qr", lineclass=None
    )
    # segno writes only presentation attributes (no style), which the CSP allows.
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(labelled)  # noqa: S308 - segno's own markup; the label is escaped


def evidence_for(group: Group, request: HttpRequest) -> dict[str, Any] | None:
    """The group's evidence summary and cautions, from the evidence app when it is
    installed: {"summary": str, "cautions": [str]}, or None without it."""
    if not django_apps.is_installed("evidence"):
        return None
    try:
        module = importlib.import_module("evidence.summary")
    except ModuleNotFoundError as exc:
        if exc.name in {"evidence", "evidence.summary"}:
            return None
        raise
    if hasattr(module, "summarise"):
        # The summary and cautions alone: the sheet needs no links to the records.
        found = module.summarise(group)
        summary = found.text
        cautions = [getattr(c, "text", str(c)) for c in found.cautions]
    elif hasattr(module, "evidence_json"):
        data = module.evidence_json(group, request)
        summary = data.get("evidence_summary") or data.get("summary") or ""
        cautions = [
            c.get("text", "") if isinstance(c, dict) else str(c) for c in data.get("cautions") or []
        ]
    else:
        return None
    return {"summary": summary or "", "cautions": [c for c in cautions if c]}


def who_for(group: Group) -> str:
    conditions = [lower_first(c.name) for c in group.condition_terms]
    audiences = [a.name for a in group.audience_terms]
    text = f"People affected by {_join(conditions)}" if conditions else "Anyone"
    if audiences:
        text += f" (for {_join(audiences)})"
    return text + "."


def how_to_join(group: Group) -> str:
    if group.referral == Referral.PROFESSIONAL:
        return (
            "This group takes people referred by a professional: ask your clinician to refer you."
        )
    if group.referral == Referral.SELF:
        return "You can contact the group, or just go along to a meeting."
    return "You can contact the group yourself, or your clinician can refer you."


def meeting_line(meeting: Meeting, next_date: dt.date | None) -> str:
    line = meeting.describe()
    if next_date is not None:
        line += f" (next: {next_date:%A} {next_date.day} {next_date:%B})"
    elif not meeting.can_be_dated:
        line += " (ask the group which weeks)"
    if meeting.note:
        line += f". {meeting.note}"
    return line


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def sheet_text(entries: list[SheetEntry], *, sheet_url: str) -> str:
    """The sheet as plain text, to paste into an email or a letter."""
    out: list[str] = []

    def para(text: str, indent: str = "") -> None:
        out.extend(textwrap.wrap(text, 72, initial_indent=indent, subsequent_indent=indent))

    title = "Mutual aid groups" if len(entries) > 1 else "A mutual aid group"
    out += [f"{title} that may help you", "=" * 40, "", "WHAT IS A MUTUAL AID GROUP?"]
    para(MUTUAL_AID_NOTE)
    for entry in entries:
        g = entry.group
        out += ["", "", g.name.upper(), "-" * min(len(g.name), 72)]
        if g.summary:
            para(g.summary)
        if g.is_stale():
            para("Check first: the group has not confirmed these details for over a year.")
        out.append("")
        para(f"What it is: {g.group_type.name}. {g.orientation_explained}")
        para(f"Who it is for: {entry.who_for}")
        out += ["", "When it meets (UK time):"]
        if entry.meetings:
            for meeting, next_date in entry.meetings:
                para(meeting_line(meeting, next_date), indent="  ")
        else:
            out.append("  No fixed meetings: contact the group to find out when it meets.")
        if g.meets_in_person:
            out += ["", "Where:"]
            where = ", ".join(part for part in (g.address, g.town, g.postcode) if part)
            if where:
                para(where, indent="  ")
            access = f"{g.get_step_free_display()}." + (
                f" {g.access_notes}" if g.access_notes else ""
            )
            para(access, indent="  ")
        out += ["", "How to join:"]
        para(entry.how_to_join, indent="  ")
        if g.online_url:
            out.append(f"  Join online: {g.online_url}")
        if g.cost:
            para(f"Cost: {g.cost}", indent="  ")
        out += ["", "Contact:"]
        contacts = [("Phone", g.phone), ("Email", g.email), ("Website", g.website)]
        listed = [f"  {label}: {value}" for label, value in contacts if value]
        out += listed or ["  No contact details listed: go along to a meeting."]
        if entry.evidence and (entry.evidence.get("summary") or entry.evidence.get("cautions")):
            out += ["", "What the research says:"]
            if entry.evidence.get("summary"):
                para(entry.evidence["summary"], indent="  ")
            for caution in entry.evidence.get("cautions") or []:
                para(f"- {caution}", indent="  ")
        out += ["", f"More about this group: {entry.url}"]
    out += ["", "", "IF YOU NEED HELP NOW"]
    for who, what in CRISIS_LINES:
        para(f"{who}, {what}")
    out.append("")
    para(
        "From the mutual aid directory, an independent directory of groups: it is not an "
        "NHS service."
    )
    out.append(f"This sheet online: {sheet_url}")
    return "\n".join(out) + "\n"
