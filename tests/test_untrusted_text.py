"""Organisers' text is untrusted: every path that shows it shows it as text (issue 7,
point 2). Emails, the CSV and HSDS exports, the JSON APIs, the admin, the moderation and
organiser pages, and the group's other public forms (plain text, calendar, report form).
The group page, results and keyword search are in test_pages.py, the referral sheet in
test_referrals.py, the formula guard's details in test_export.py."""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import io
import json
import re

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils.html import escape

from exchange.csv_export import groups_csv
from groups.importing import FORMULA_START, guard_cell, import_groups, unguard_cell
from groups.models import Group
from moderation.models import Report
from organisers.models import GroupRevision
from tests.support.hostile import (
    HOSTILE_TEXT,
    MARKUP,
    assert_shown_as_text,
    fits_one_line,
    hostile_params,
)
from tests.support.legacy import legacy_values
from tests.support.moderation import decide
from tests.support.organisers import group_form_data, months_ago
from tests.test_admin import _form as admin_form

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]

TODAY = dt.date(2026, 7, 31)


def meeting_note(text: str) -> str:
    """text as a meeting's note in the import format's meetings cell."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"Tue 19:00-20:30 ({escaped})"


FREE_TEXT_FIELDS = ["summary", "description", "cost", "access_notes", "address", "town"]


def hostile_values(text: str) -> dict[str, object]:
    """Every free-text field of a group set to text, for make_group()."""
    return {**dict.fromkeys(FREE_TEXT_FIELDS, text), "meetings": meeting_note(text)}


def stored_with(group: Group, text: str) -> Group:
    """group with text in its name, every free-text field and its meeting's note, as the
    database holds it: one-line fields refuse control characters now, but a row saved
    before they did may hold them, and every path that shows a group must cope."""
    return legacy_values(group, name=text, note=text, **dict.fromkeys(FREE_TEXT_FIELDS, text))


def named(group: Group, text: str) -> Group:
    """group named text as the database holds it (see stored_with)."""
    return legacy_values(group, name=text)


# Emails


def _moderation_approved(text, *, owned_group, moderator_client, **_):
    group = named(owned_group(status="pending"), text)
    mail.outbox.clear()
    decide(moderator_client, f"/moderation/groups/{group.pk}/")


def _moderation_rejected(text, *, owned_group, moderator_client, **_):
    group = named(owned_group(status="pending"), text)
    mail.outbox.clear()
    moderator_client.post(f"/moderation/groups/{group.pk}/", {"action": "reject", "reason": text})


def _revision_rejected(text, *, owned_group, organiser_client, moderator_client, **_):
    group = named(owned_group(), text)
    organiser_client.post(f"/organisers/groups/{group.pk}/edit/", group_form_data(name="Renamed"))
    revision = GroupRevision.objects.get()
    mail.outbox.clear()
    moderator_client.post(
        f"/moderation/revisions/{revision.pk}/", {"action": "reject", "reason": text}
    )


def _organiser_invitation(text, *, owned_group, organiser_client, **_):
    group = named(owned_group(), text)
    organiser_client.post(f"/organisers/groups/{group.pk}/invite/", {"email": "co@example.org"})


def _staleness_reminder(text, *, owned_group, **_):
    named(owned_group(last_verified=months_ago(11, TODAY)), text)
    call_command(
        "review_staleness", f"--today={TODAY.isoformat()}", "--apply", stdout=io.StringIO()
    )


def _staleness_archived(text, *, owned_group, **_):
    named(owned_group(last_verified=months_ago(18, TODAY)), text)
    call_command(
        "review_staleness", f"--today={TODAY.isoformat()}", "--apply", stdout=io.StringIO()
    )


def _claim_confirm(text, *, owned_group, moderator_client, **_):
    group = named(owned_group(), text)
    moderator_client.post(f"/organisers/claim/{group.slug}/", {"reason": "I run it."})


def _report_received(text, *, owned_group, **_):
    from django.test import Client

    from tests.test_reports import report

    report(Client(), named(owned_group(), text), problem="details_wrong")


def _listing_taken_down(text, *, owned_group, moderator_client, **_):
    group = named(owned_group(), text)
    saved = Report.objects.create(group=group, problem="danger")
    moderator_client.post(
        f"/moderation/reports/{saved.pk}/",
        {"action": "resolve", "note": "Closed.", "archive": "on"},
    )


EMAILS = {
    "moderation_approved": _moderation_approved,
    "claim_confirm": _claim_confirm,
    "report_received": _report_received,
    "listing_taken_down": _listing_taken_down,
    "moderation_rejected": _moderation_rejected,
    "revision_rejected": _revision_rejected,
    "organiser_invitation": _organiser_invitation,
    "staleness_reminder": _staleness_reminder,
    "staleness_archived": _staleness_archived,
}
# These take the name as typed, or save the group again (which checks it by today's rules),
# so they only ever see names a one-line field takes; the others read any row as stored.
TAKE_ONE_LINE_NAMES = {
    "moderation_approved",
    "listing_taken_down",
    "moderation_rejected",
    "staleness_archived",
}


def email_params() -> list:
    return [
        pytest.param(flow, text, id=f"{flow}-{name}")
        for flow in EMAILS
        for name, text in HOSTILE_TEXT.items()
        if flow not in TAKE_ONE_LINE_NAMES or fits_one_line(text)
    ]


@pytest.mark.parametrize(("flow", "text"), email_params())
def test_it_emails_organiser_text_as_text_and_never_as_headers(
    flow, text, ls6, organiser, organiser_client, moderator, moderator_client, owned_group
):
    EMAILS[flow](
        text,
        organiser_client=organiser_client,
        moderator_client=moderator_client,
        owned_group=owned_group,
    )

    (message,) = mail.outbox
    # The subject never carries the name (nobody may have moderated it); nothing in the
    # name becomes a header.
    assert "\r" not in message.subject and "\n" not in message.subject
    assert " ".join(text.splitlines()) not in message.subject
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    # (Folding a long subject may add white space; it is not part of the value.)
    (subject,) = parsed.get_all("Subject")
    assert subject.split() == message.subject.split()
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert message.recipients() == message.to and len(message.to) == 1
    # The text part carries the name as it was typed, not HTML-escaped.
    assert text in message.body
    if escape(text) != text:
        assert escape(text) not in message.body
    # The HTML part shows it as text.
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert_shown_as_text(str(html), text)
    # Template syntax in a name is never run.
    for part in (message.subject, message.body, str(html)):
        assert settings.SECRET_KEY not in part


ONE_LINE_FORM_FIELDS = ["name", "summary", "address", "town", "cost", "meetings-0-note"]


@pytest.mark.parametrize("text", hostile_params(one_line=False))
def test_the_organiser_form_refuses_control_characters_on_one_line_and_keeps_them_in_others(
    text, organiser_client, ls6
):
    one_line = dict.fromkeys(ONE_LINE_FORM_FIELDS, text)
    response = organiser_client.post(
        "/organisers/groups/new/",
        group_form_data(**one_line, description=text, access_notes=text),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    for field in ONE_LINE_FORM_FIELDS:
        assert f'id="id_{field}-error"' in page, field
    assert "Use a single line of text" in page
    assert not Group.objects.exists()
    assert not mail.outbox
    # What was typed comes back escaped, to be corrected.
    assert_shown_as_text(page, text)

    organiser_client.post(
        "/organisers/groups/new/", group_form_data(description=text, access_notes=text)
    )
    group = Group.objects.get()
    assert " ".join(text.splitlines()) == " ".join(group.description.splitlines())
    assert group.description == group.access_notes


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("text", hostile_params(one_line=False))
def test_a_moderator_is_told_why_a_stored_name_with_control_characters_cannot_be_decided(
    action, text, owned_group, moderator_client
):
    group = named(owned_group(status="pending"), text)
    mail.outbox.clear()

    response = decide(
        moderator_client, f"/moderation/groups/{group.pk}/", action, reason="Not a group."
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Use a single line of text" in page
    assert_shown_as_text(page, text)
    group.refresh_from_db()
    assert (group.status, group.name) == ("pending", text)
    assert not mail.outbox


def test_a_rejection_reason_keeps_its_lines_and_is_escaped(owned_group, moderator_client):
    group = owned_group("Circle", status="pending")
    reason = '<b>No</b> & "never"\nSecond line'
    moderator_client.post(f"/moderation/groups/{group.pk}/", {"action": "reject", "reason": reason})

    (message,) = mail.outbox
    assert reason in message.body
    html = str(message.alternatives[0][0])
    assert "&lt;b&gt;No&lt;/b&gt; &amp; &quot;never&quot;<br>Second line" in html


# CSV export


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.mark.parametrize("text", hostile_params())
def test_the_csv_export_carries_organiser_text_as_literal_data(
    text, client, admin_client, make_group, ls6
):
    group = stored_with(make_group(), text)
    responses = [
        client.get("/export.csv", {"near": "LS6"}),
        admin_client.get("/staff/export.csv"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        (row,) = csv_rows(response.getvalue().decode("utf-8"))
        for name in ["name", "summary", "description", "cost", "access_notes", "address", "town"]:
            # Exactly the organiser's text, behind the formula guard's quote at most.
            assert unguard_cell(row[name]) == text, name
            assert not row[name].startswith(FORMULA_START), name
        assert text in row["meetings"].replace("\\", "")

    # Imported again, it is the same group with the same text: text a one-line field takes
    # is read back exactly, and anything else is refused, naming the cells, changing nothing.
    result = import_groups(groups_csv([group]).encode("utf-8"))
    if fits_one_line(text):
        assert result.ok, [str(p) for p in result.problems]
        assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    else:
        assert not result.ok
        problems = " ".join(str(p) for p in result.problems)
        assert "single line" in problems
        for column in ["name", "summary", "cost", "address", "town"]:
            assert column in problems, column
        assert (result.created, result.updated) == (0, 0)
    group = Group.objects.get()
    assert (group.name, group.description, group.cost) == (text, text, text)
    assert [m.note for m in group.meetings.all()] == [text]


# HSDS and the JSON API


def walk_strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from walk_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_strings(value)
    elif isinstance(node, str):
        yield node


def json_of(response) -> object:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    return json.loads(response.content.decode("utf-8"))


@pytest.mark.parametrize("text", hostile_params())
def test_hsds_and_the_api_carry_organiser_text_verbatim_as_json(text, client, make_group, ls6):
    group = stored_with(make_group(), text)

    (service,) = json_of(client.get("/api/hsds/services/"))["contents"]
    detail = json_of(client.get(f"/api/hsds/services/{service['id']}"))
    assert service["name"] == detail["name"] == text
    assert detail["description"] == f"{text}\n\n{text}"
    assert detail["fees_description"] == text
    (organization,) = json_of(client.get("/api/hsds/organizations/"))["contents"]
    assert organization["name"] == text
    # Nothing is HTML-escaped on the way.
    if escape(text) != text:
        for document in (service, detail, organization):
            assert not any(escape(text) in value for value in walk_strings(document))

    listed = json_of(client.get("/api/groups/", {"near": "LS6"}))
    (item,) = listed["results"]
    one = json_of(client.get(f"/api/groups/{group.pk}/"))
    assert item["name"] == one["name"] == text
    assert text in walk_strings(one)


@pytest.mark.parametrize("text", hostile_params())
def test_the_hsds_data_package_carries_organiser_text_verbatim(text, make_group, tmp_path):
    stored_with(make_group(), text)
    call_command("export_hsds", str(tmp_path), stdout=io.StringIO())

    with (tmp_path / "services.csv").open(encoding="utf-8", newline="") as f:
        (service,) = csv.DictReader(f)
    # The text as is, behind the CSV export's formula guard (issue 13 point 9).
    assert service["name"] == guard_cell(text)
    assert service["fees_description"] == guard_cell(text)
    with (tmp_path / "schedules.csv").open(encoding="utf-8", newline="") as f:
        (schedule,) = csv.DictReader(f)
    assert schedule["notes"] == guard_cell(text)


# The admin


@pytest.mark.parametrize("text", hostile_params())
def test_the_admin_shows_organiser_text_escaped(text, admin_client, make_group):
    group = stored_with(make_group(), text)
    # Searched for with the same text, the admin shows the query back escaped too.
    pages = {
        "list": admin_client.get("/admin/groups/group/"),
        "search": admin_client.get("/admin/groups/group/", {"q": text}),
        "change": admin_client.get(f"/admin/groups/group/{group.pk}/change/"),
        "history": admin_client.get(f"/admin/groups/group/{group.pk}/history/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_shown_as_text(response.content.decode(), text, name)
    # The change form holds every field's text (and the meeting's note), escaped.
    change = pages["change"].content.decode()
    assert change.count(escape(text)) >= len(FREE_TEXT_FIELDS) + 2


@pytest.mark.parametrize("text", hostile_params(one_line=True))
def test_the_admin_saves_organiser_text_as_typed_and_says_so_escaped(text, admin_client):
    form = admin_form(name=text, description=text, **{"meetings-0-note": text})
    response = admin_client.post("/admin/groups/group/add/", form, follow=True)

    assert response.status_code == 200
    group = Group.objects.get()
    assert (group.name, group.description) == (text, text)
    assert [m.note for m in group.meetings.all()] == [text]
    # "The group “…” was added successfully." names it, escaped.
    assert_shown_as_text(response.content.decode(), text)


@pytest.mark.parametrize("text", hostile_params(one_line=False))
def test_the_admin_refuses_control_characters_on_one_line_and_shows_them_escaped(
    text, admin_client
):
    form = admin_form(name=text, description=text, **{"meetings-0-note": text})
    response = admin_client.post("/admin/groups/group/add/", form)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Use a single line of text") == 2  # the name and the note
    assert_shown_as_text(page, text)
    assert not Group.objects.exists()

    # A description is more than one line: it takes them.
    admin_client.post("/admin/groups/group/add/", admin_form(description=text))
    assert Group.objects.get().description == text


# Moderation and organisers' pages


@pytest.mark.parametrize("text", hostile_params())
def test_moderation_pages_show_organiser_text_escaped(
    text, moderator_client, organiser_client, owned_group, ls6
):
    pending = stored_with(owned_group(status="pending"), text)
    listed = owned_group("Listed", **hostile_values("Before"))
    # The organiser proposes text everywhere it is taken: one-line fields refuse control
    # characters (test_the_organiser_form_refuses_…), the description and access notes not.
    one_line = dict.fromkeys(ONE_LINE_FORM_FIELDS, text) if fits_one_line(text) else {}
    form = group_form_data(**one_line, description=text, access_notes=text)
    organiser_client.post(f"/organisers/groups/{listed.pk}/edit/", form)
    revision = GroupRevision.objects.get()
    report = Report.objects.create(group=listed, problem="details_wrong", details=text)

    for path in [
        "/moderation/",
        f"/moderation/groups/{pending.pk}/",
        f"/moderation/groups/{pending.pk}/history/",
        f"/moderation/revisions/{revision.pk}/",
        f"/moderation/reports/{report.pk}/",
    ]:
        response = moderator_client.get(path)
        assert response.status_code == 200, path
        assert_shown_as_text(response.content.decode(), text, path)
    for path in [
        "/organisers/",
        f"/organisers/groups/{pending.pk}/",
        f"/organisers/groups/{pending.pk}/edit/",
        f"/organisers/groups/{listed.pk}/",
    ]:
        response = organiser_client.get(path)
        assert response.status_code == 200, path
        assert_shown_as_text(response.content.decode(), text, path)


# The group's other public forms


@pytest.mark.parametrize("text", hostile_params())
def test_the_plain_text_calendar_and_report_form_keep_organiser_text_in_its_place(
    text, client, make_group
):
    group = stored_with(make_group(), text)

    report = client.get(f"/groups/{group.slug}/report/")
    assert report.status_code == 200
    assert_shown_as_text(report.content.decode(), text)

    plain = client.get(f"/groups/{group.slug}/referral.txt")
    assert plain["Content-Type"].startswith("text/plain")
    assert plain["X-Content-Type-Options"] == "nosniff"
    # Wrapped to 72 columns, so compared word by word; never HTML-escaped.
    body = plain.content.decode()
    assert " ".join(text.split()) in " ".join(body.split())
    if escape(text) != text:
        assert escape(text) not in body

    feed = client.get(f"/groups/{group.slug}/calendar.ics")
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    (event,) = calendar.walk("VEVENT")
    # Every line break is escaped (as \n: the format has no \r), so none starts a property
    # of its own; read back, the text is the organiser's.
    expected = text.replace("\r\n", "\n")
    assert str(event["summary"]) == expected
    assert expected in str(event["description"])
    # icalendar reads an X- property back as written: unescape it as TEXT (RFC 5545).
    calname = re.sub(
        r"\\([\\;,nN])",
        lambda m: "\n" if m[1] in "nN" else m[1],
        str(calendar["x-wr-calname"]),
    )
    assert calname == expected
    assert not any(
        line.startswith(("Bcc", "Subject")) for line in feed.content.decode().split("\r\n")
    )


def test_every_hostile_string_is_one_the_helpers_can_check():
    # Markup fragments are only meaningful if the list holds them.
    joined = "".join(HOSTILE_TEXT.values())
    assert all(markup in joined for markup in MARKUP)
    # Both kinds are there: text a one-line field takes, and text it refuses.
    assert hostile_params(one_line=True) and hostile_params(one_line=False)
