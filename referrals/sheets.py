"""What a referral sheet says about each group: a handout for the patient, on paper, on
the patient page its QR code opens, and as plain text.

It is written for the patient in plain English: what the group is, when and where it
meets, how to join and what to expect, cost, contact and access, and where to turn in a
crisis. It never carries evidence text, research terms or quotes (those are for the
clinician, on the group's own page).
"""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from dataclasses import dataclass, field

import segno
from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from groups.models import LONDON, Group, Meeting, Referral, StepFree, Weekday, format_time
from groups.services import MeetingSpec

from .crisis import CrisisLine, crisis_lines, nations_of

DATES_SHOWN = 3
NOTE_MAX = 300

MUTUAL_AID_NOTE = (
    "A mutual aid group (also called a self-help or peer support group) is a group of "
    "people who share an experience, such as a health condition, drinking or drug use, "
    "or a loss, and meet to support each other. Most are run by their own members, not "
    "by the NHS, and most are free. You can go along and just listen: nobody has to "
    "speak. You can stop going at any time. It can help to contact the group before your "
    "first meeting, or to take someone with you."
)

# What a first meeting is like, by type of group, until the group says in its own words.
WHAT_TO_EXPECT_BY_TYPE = {
    "twelve_step": (
        "Meetings usually open with a short reading. Members then take turns to talk about "
        "their own experience. You can just listen, and nobody will ask you to speak."
    ),
    "peer_support": (
        "People sit together and talk about how things have been for them. You can say as "
        "much or as little as you like, or just listen."
    ),
    "activity_based": (
        "People do something together, such as walking, gardening or art, and chat as they "
        "go. You do not need any skill or experience."
    ),
    "educational": (
        "A session usually has a short talk or some information, then time to ask questions "
        "and talk with others. You do not have to share anything about yourself."
    ),
    "advocacy": (
        "Members talk about what they want to change and plan what to do. You can come to "
        "listen before you decide whether to take part."
    ),
    "self_management": (
        "The group follows a set course, a step at a time, with time to talk about how it is "
        "going. It helps to start at the beginning of a course: ask the group when."
    ),
    "harm_reduction": (
        "It is a friendly, non-judging space. You do not have to have stopped drinking or "
        "using drugs to come."
    ),
    "residential": (
        "People live together and support each other day to day. Contact the group first to "
        "talk about whether it is right for you and how to join."
    ),
    "user_run_business": (
        "The people who run it have been through similar things. Contact them first to find "
        "out how to get involved."
    ),
    "faith_based": (
        "Meetings may include prayer or readings from a faith. People of any faith or none "
        "are usually welcome: ask the group if you are not sure."
    ),
}
WHAT_TO_EXPECT_OTHERWISE = (
    "Contact the group before your first meeting to ask what happens. You can just listen "
    "the first time."
)


class ClinicianForm(forms.Form):
    """The clinician's name, contact details and a note, printed on this sheet only: sent
    by POST, never stored, never in a URL, the session or a log."""

    clinician_name = forms.CharField(label="Your name", max_length=100, required=False)
    clinician_contact = forms.CharField(
        label="How your patient can contact you",
        max_length=200,
        required=False,
        help_text="For example, a phone number or your team's name.",
    )
    note = forms.CharField(
        label="A note for your patient",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {NOTE_MAX} characters. Do not include anything that identifies them.",
        error_messages={"max_length": f"The note must be {NOTE_MAX} characters or fewer."},
    )

    def details(self) -> dict[str, str]:
        """The cleaned details (blank when the form is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            k: " ".join(v.split()) if k != "note" else v.strip()
            for k, v in self.cleaned_data.items()
            if v
        }


@dataclass
class MeetingTimes:
    meeting: Meeting
    text: str  # "Every Tuesday, 7pm to 8:30pm"
    dates: list[dt.date]
    ask_which_weeks: bool = False
    how: str = ""  # its own values, where they differ from the group's


@dataclass
class SheetEntry:
    """One group on a sheet, with what the sheet works out about it."""

    group: Group
    url: str
    meetings: list[MeetingTimes]
    qr_svg: SafeString = field(default_factory=lambda: SafeString(""))

    @property
    def crisis_lines(self) -> list[CrisisLine]:
        """Each group's page carries the numbers for its nation: a page may be handed on
        by itself."""
        return crisis_lines(nations_of([self.group]))

    @property
    def what_it_is(self) -> str:
        return what_it_is(self.group)

    @property
    def who_for(self) -> str:
        return who_for(self.group)

    @property
    def how_to_join(self) -> str:
        return how_to_join(self.group)

    @property
    def what_to_expect(self) -> str:
        return what_to_expect(self.group)

    @property
    def access(self) -> str:
        return access_text(self.group)

    @property
    def where(self) -> str:
        return where_text(self.group)

    @property
    def joining(self) -> str:
        return joining_text(self.group)


def build_entries(groups: list[Group], urls: list[str], today: dt.date) -> list[SheetEntry]:
    """The sheet's groups, each with the patient page its QR code opens."""
    return [
        SheetEntry(
            group=group,
            url=url,
            meetings=[meeting_times(m, today) for m in group.sorted_meetings()],
            qr_svg=qr_svg(url, label=f"QR code for the web page of {group.name}"),
        )
        for group, url in zip(groups, urls, strict=True)
    ]


def sheet_crisis_lines(groups: list[Group]) -> list[CrisisLine]:
    return crisis_lines(nations_of(groups))


def qr_svg(url: str, *, label: str) -> SafeString:
    """The URL as a QR code, an inline SVG that scales with CSS (no image request)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="app-qr", lineclass=None
    )
    # segno writes only presentation attributes (no style), which the CSP allows.
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(labelled)  # noqa: S308 - segno's own markup; the label is escaped


def sentence(text: str) -> str:
    """A capital to start and a full stop to end, keeping the capitals inside ("Polish")."""
    return text[:1].upper() + text[1:] + "."


def upcoming_dates(meeting: Meeting, today: dt.date, n: int = DATES_SHOWN) -> list[dt.date]:
    """The next n dates the meeting happens on, from today, skipping the days its group is
    paused (none while it is paused with no date to come back)."""
    start_of_day = dt.datetime.combine(today, dt.time(0), tzinfo=LONDON)
    days = (o.start.date() for o in meeting.group.upcoming(start_of_day, meetings=[meeting]))
    return list(itertools.islice((day for day in days if day >= today), n))


def meeting_times(meeting: Meeting, today: dt.date) -> MeetingTimes:
    times = f"{format_time(meeting.start_time)} to {format_time(meeting.end_time)}"
    day = Weekday(meeting.weekday).label
    how = MeetingSpec.of(meeting).how_it_runs(hide_venue=meeting.group.hides_venue)
    how_text = sentence("; ".join(how)) if how else ""
    if not meeting.can_be_dated:
        return MeetingTimes(
            meeting, f"Every other {day}, {times}: ask the group which weeks", [], True, how_text
        )
    return MeetingTimes(meeting, meeting.describe(), upcoming_dates(meeting, today), how=how_text)


def format_date(date: dt.date) -> str:
    return f"{date:%A} {date.day} {date:%B}"


def in_text(name: str) -> str:
    """A name as it reads mid-sentence: "young people", but "LGBTQ+ people" and "ME/CFS"."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def what_it_is(group: Group) -> str:
    kind = in_text(group.listed_type().name) if group.type_slug != "other" else "group"
    text = f"A {kind}"
    if group.is_online_only:
        text += " that meets online"
    elif group.format == "hybrid":
        text += " that meets in person and online"
    return text + "."


def who_for(group: Group) -> str:
    conditions = [in_text(c.name) for c in group.condition_terms]
    text = f"People affected by {_join(conditions, 'or')}." if conditions else "Anyone."
    audiences = [in_text(a.name) for a in group.audience_terms]
    if audiences:
        text += f" It is for {_join(audiences, 'and')}."
    return text


def how_to_join(group: Group) -> str:
    if group.referral == Referral.PROFESSIONAL:
        return "You need to be referred by a professional: ask your clinician to refer you."
    if group.is_online_only:
        return "You can contact the group, or join a meeting online."
    if group.referral == Referral.SELF:
        return "You can contact the group, or just go along to a meeting."
    return "You can contact the group yourself, or your clinician can refer you."


def what_to_expect(group: Group) -> str:
    own = group.what_to_expect
    if own.strip():
        return own.strip()
    return WHAT_TO_EXPECT_BY_TYPE.get(group.type_slug, WHAT_TO_EXPECT_OTHERWISE)


def access_text(group: Group) -> str:
    step_free = {
        StepFree.YES: "There is step-free access.",
        StepFree.NO: "There is no step-free access.",
        StepFree.UNKNOWN: "Ask the group about step-free access.",
    }[StepFree(group.step_free)]
    return f"{step_free} {group.access_notes}".strip() if group.access_notes else step_free


VENUE_HIDDEN = "Address given when you contact the group"


def where_text(group: Group) -> str:
    """The group's venue, unless it keeps it hidden (then only the town is said)."""
    if group.hides_venue:
        return f"{VENUE_HIDDEN} ({group.town})" if group.town else VENUE_HIDDEN
    return ", ".join(part for part in (group.address, group.town, group.postcode) if part)


def joining_text(group: Group) -> str:
    """How to join online or by phone, for a group that meets online."""
    parts = []
    if group.online_url:
        parts.append(f"Join online: {group.online_url}")
    elif group.online_on_request:
        parts.append("Join online: contact the group for the link")
    if group.dial_in:
        parts.append(f"Join by phone: {group.dial_in}")
    if group.joining_notes:
        parts.append(group.joining_notes)
    return "; ".join(parts)


def _join(items: list[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def meeting_lines(times: MeetingTimes) -> list[str]:
    if times.ask_which_weeks or not times.dates:
        lines = [times.text]
    else:
        lines = [f"{times.text}. Next: {', '.join(format_date(d) for d in times.dates)}"]
    if times.how:
        lines.append(times.how)
    if times.meeting.note:
        lines.append(times.meeting.note)
    return lines


@dataclass(frozen=True)
class SheetText:
    entries: list[SheetEntry]
    issued: dt.date
    crisis: list[CrisisLine]
    clinician: dict[str, str]
    sample: bool


def sheet_text(sheet: SheetText) -> str:
    """The sheet as plain text, to paste into an email or a letter: the same words."""
    out: list[str] = []

    def para(text: str, indent: str = "") -> None:
        out.extend(textwrap.wrap(text, 72, initial_indent=indent, subsequent_indent=indent))

    title = "Mutual aid groups" if len(sheet.entries) > 1 else "A mutual aid group"
    out += [f"{title} that may help you", "=" * 40]
    para(f"From the mutual aid directory, {sheet.issued.day} {sheet.issued:%B %Y}.")
    if sheet.sample:
        para(
            "SAMPLE DATA: these groups are invented for demonstration. Do not contact "
            "them or go to them."
        )
    _clinician_text(sheet.clinician, out, para)
    out += ["", "WHAT IS A MUTUAL AID GROUP?"]
    para(MUTUAL_AID_NOTE)
    for entry in sheet.entries:
        _entry_text(entry, sheet.issued, out, para)
    out += ["", "", "IF YOU NEED HELP NOW"]
    for line in sheet.crisis:
        para(f"{line.who}, {line.what}")
    out.append("")
    para("The mutual aid directory is an independent directory of groups, not an NHS service.")
    return "\n".join(out) + "\n"


def _clinician_text(details: dict[str, str], out: list[str], para) -> None:
    if not details:
        return
    out.append("")
    who = details.get("clinician_name", "")
    contact = details.get("clinician_contact", "")
    if who or contact:
        para("From: " + ", ".join(part for part in (who, contact) if part))
    if details.get("note"):
        para(details["note"])


def _entry_text(entry: SheetEntry, today: dt.date, out: list[str], para) -> None:
    g = entry.group
    out += ["", "", g.name.upper(), "-" * min(len(g.name), 72)]
    if g.summary:
        para(g.summary)
    if g.is_stale(today):
        para("Check first: the group has not confirmed these details for over a year.")
    if g.is_paused(today):
        para(f"{g.paused_text()}. Contact the group to check before you go.")
    out.append("")
    para(f"What it is: {entry.what_it_is}")
    para(f"Who it is for: {entry.who_for}")
    out += ["", "When it meets (UK time):"]
    if entry.meetings:
        for times in entry.meetings:
            for n, line in enumerate(meeting_lines(times)):
                para(line, indent="  " if n == 0 else "    ")
    else:
        out.append("  No fixed meetings: contact the group to find out when it meets.")
    if g.meets_in_person:
        out += ["", "Where:"]
        if where := where_text(g):
            para(where, indent="  ")
        para(entry.access, indent="  ")
    out += ["", "How to join:"]
    para(entry.how_to_join, indent="  ")
    if joining := joining_text(g):
        para(joining, indent="  ")
    out += ["", "What to expect at your first meeting:"]
    para(entry.what_to_expect, indent="  ")
    out += ["", f"Cost: {g.cost or 'ask the group'}", "", "Contact:"]
    contacts = [("Phone", g.phone), ("Email", g.email), ("Website", g.website)]
    listed = [f"  {label}: {value}" for label, value in contacts if value]
    out += listed or ["  No contact details listed: go along to a meeting."]
    out += ["", f"More about this group: {entry.url}"]
