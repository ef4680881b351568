"""Syncing sources (issue 14, points 1 to 3 and 6): fixture feeds written from each
format's documentation, served by a real HTTP server, synced into PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from feeds.models import (
    ChangeKind,
    ChangeStatus,
    Exclusion,
    FeedFormat,
    Outcome,
    Source,
    SourceChange,
    SourceListing,
)
from groups.models import Group, Meeting, Status, Weekday
from groups.services import MeetingSpec
from moderation.models import DigestItem, DigestKind
from organisers.models import GroupOwner
from tests.support.feeds import fixture, sync

pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]
pytestmark = pytest.mark.django_db


def by_name(name: str) -> Group:
    return Group.objects.get(name=name)


def history_count() -> int:
    return Group.history.count() + Meeting.history.count()


# --- A first sync ----------------------------------------------------------------------


def test_it_adds_each_group_for_review_and_reports_the_rows_it_left_out(aa_leeds):
    report = sync(aa_leeds)

    run = report.run
    assert (run.outcome, run.added, run.changed, run.unchanged, run.gone) == ("ok", 7, 0, 0, 0)
    assert run.meetings == 13 and run.skipped == 6
    assert set(Group.objects.values_list("status", flat=True)) == {Status.PENDING}
    left_out = "\n".join(str(p) for p in report.problems)
    assert "beeston-by-appointment" in left_out and "by appointment" in left_out
    assert "no slug" in left_out
    assert "the day 9 is not 0 (Sunday) to 6 (Saturday)" in left_out
    assert "the time '7pm' is not HH:MM" in left_out
    assert "coordinates-in-words" in left_out
    assert SourceListing.objects.filter(source=aa_leeds).count() == 7


def test_meetings_gather_into_groups_by_their_group(aa_leeds):
    sync(aa_leeds)

    headingley = by_name("Headingley Group")
    assert [m.describe() for m in headingley.sorted_meetings()] == [
        "Every Monday, 7:30pm to 9pm",
        "Every Thursday, 7:30pm to 9pm",
        "Every Saturday, 10am to 11am",
    ]
    assert headingley.address == "St Michael's Church Hall, Otley Road"
    assert (headingley.town, headingley.postcode) == ("Leeds", "LS6 3AW")
    assert (headingley.latitude, headingley.longitude) == (53.81987, -1.57688)
    assert headingley.website == "https://aa-leeds.example.org/meetings/headingley-big-book/"
    assert headingley.email == "headingley@aa-leeds.example.org"
    assert headingley.description.startswith("A friendly group")
    assert headingley.step_free == "yes"  # X: wheelchair access
    # One women's meeting does not make the group a women's group.
    assert list(headingley.audiences.all()) == []
    assert headingley.group_type.slug == "twelve_step" and headingley.orientation == "inward"
    assert [c.slug for c in headingley.conditions.all()] == ["alcohol"]


def test_a_first_sync_writes_its_new_groups_in_a_few_statements_however_many(
    make_source, feed_server, meeting_guide, places
):
    """New groups are created together (groups.services.create_groups): a list ten
    times longer costs no more statements (one at a time it was about 18 a group)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(copies: int) -> int:
        rows = [
            {**row, "slug": f"{row['slug']}-{n}", "name": f"{row['name']} {n}",
             "group": f"{row['group']} {n}" if row.get("group") else None}
            for n in range(copies) for row in meeting_guide[:8]
        ]  # fmt: skip
        url = feed_server.serve(f"/copies-{copies}.json", rows)
        source = make_source(f"List of {copies}", url=url)
        with CaptureQueriesContext(connection) as queries:
            report = sync(source)
        assert report.run.added == 7 * copies
        return len(queries)

    assert statements(10) <= statements(1) + 2


def test_online_hybrid_and_missing_coordinates(aa_leeds):
    sync(aa_leeds)

    online = by_name("Leeds Lunchtime Online")
    assert online.format == "online" and online.online_url == "https://zoom.us/j/81234567890"
    assert online.latitude is None and online.address == ""
    assert online.meetings.count() == 5
    hybrid = by_name("Chapel Allerton Hybrid")
    assert (
        hybrid.format == "hybrid" and hybrid.online_url == "https://meet.jit.si/chapel-allerton-aa"
    )
    assert hybrid.postcode == "LS7 4NB"
    # No coordinates in the feed: its postcode's district centre, from our own places.
    kirkstall = by_name("Kirkstall Living Sober")
    assert (kirkstall.latitude, kirkstall.longitude) == (53.8196, -1.6)
    assert [m.describe() for m in kirkstall.meetings.all()] == ["Every Wednesday, 8pm to 9pm"]


def test_welsh_and_other_text_arrive_whole(aa_leeds):
    sync(aa_leeds)

    welsh = by_name("Grŵp Adferiad Caerdydd")
    assert welsh.town == "Caerdydd" and welsh.postcode == "CF10 1GH"
    assert welsh.address == "Eglwys Sant Ioan, Heol y Porth"
    assert welsh.languages == ["cy", "en"]  # CY: the source's own code
    assert welsh.meetings.get().note == "Cyfarfod dwyieithog: Cymraeg a Saesneg."
    polish = by_name("Grupa Polska „Nowe Życie”")
    assert polish.languages == ["pl"]


def test_history_names_the_source(aa_leeds):
    sync(aa_leeds)

    record = by_name("Headingley Group").history.get()
    assert record.history_change_reason == "From the Leeds AA intergroup meeting list"
    assert record.history_user is None


def test_a_trusted_source_publishes_what_it_can_place(aa_leeds):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)

    sync(aa_leeds)

    published = set(Group.objects.published().values_list("name", flat=True))
    assert "Headingley Group" in published and "Leeds Lunchtime Online" in published
    assert by_name("Headingley Group").last_verified == timezone.localdate()


def test_a_trusted_source_leaves_a_group_it_cannot_place_for_review(
    aa_leeds, feed_server, meeting_guide
):
    meeting_guide[5]["postal_code"] = "ZZ9 9ZZ"  # Kirkstall: no coordinates, unknown postcode
    feed_server.serve("/meetings.json", meeting_guide)
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)

    sync(aa_leeds)

    kirkstall = by_name("Kirkstall Living Sober")
    assert kirkstall.status == Status.PENDING and kirkstall.latitude is None


# --- Sync again --------------------------------------------------------------------------


def test_a_second_sync_changes_nothing(aa_leeds, feed_server):
    sync(aa_leeds)
    before = history_count()

    again = sync(aa_leeds)

    assert again.run.outcome == Outcome.NOT_MODIFIED  # a 304 to the conditional GET
    feed_server.answers["/meetings.json"].conditional = False  # a server without ETags
    full = sync(aa_leeds)
    assert (full.run.added, full.run.changed, full.run.unchanged, full.run.gone) == (0, 0, 7, 0)
    assert history_count() == before
    assert SourceChange.objects.count() == 0


def test_a_changed_meeting_applies_and_a_vanished_one_goes_to_moderation(
    aa_leeds, feed_server, meeting_guide
):
    sync(aa_leeds)
    meeting_guide[3]["time"], meeting_guide[3]["end_time"] = "19:15", "20:30"
    meeting_guide[3]["formatted_address"] = "Harrogate Road, Leeds LS7 4NB, UK"
    polish = meeting_guide.pop(7)
    feed_server.serve("/meetings.json", meeting_guide)

    report = sync(aa_leeds)

    assert (report.run.added, report.run.changed, report.run.unchanged, report.run.gone) == (
        0, 1, 5, 1,
    )  # fmt: skip
    chapel = by_name("Chapel Allerton Hybrid")
    assert [m.describe() for m in chapel.meetings.all()] == ["Every Tuesday, 7:15pm to 8:30pm"]
    assert chapel.address == "Chapel Allerton Methodist Church, Harrogate Road"
    latest = chapel.history.latest()
    assert latest.history_change_reason == "From the Leeds AA intergroup meeting list"
    gone = by_name(polish["name"])  # nothing is deleted
    assert gone.status == Status.PENDING
    change = SourceChange.objects.get(group=gone)
    assert (change.kind, change.status) == (ChangeKind.GONE, ChangeStatus.PENDING)
    assert SourceListing.objects.get(group=gone).gone_since is not None


def organiser_adds_per_meeting_values(group: Group) -> None:
    """What an organiser gives two of a feed group's meetings, through the one write."""
    from dataclasses import replace

    from groups.models import Audience
    from groups.services import GroupValues, MeetingSpec, save_group

    own = {
        Weekday.MONDAY: {"format": "online", "online_url": "https://meet.jit.si/headingley-mon"},
        Weekday.SATURDAY: {
            "address": "St Michael's Church Hall, Bennett Road",
            "town": "Leeds",
            "postcode": "LS6 3HN",
            "latitude": 53.8204,
            "longitude": -1.5762,
            "step_free": "yes",
            "joining_notes": "Ring the side door bell",
            "audiences": (Audience.objects.get(slug="women"),),
            "languages": ("cy",),
        },
    }
    specs = [MeetingSpec.of(m) for m in group.meetings.all()]
    save_group(
        group=group,
        values=GroupValues(),
        meetings=[replace(s, **own.get(s.weekday, {})) for s in specs],
        reason="Edited by its organiser",
    )


def how_they_run(group: Group) -> dict[tuple[int, dt.time], list[str]]:
    return {
        (m.weekday, m.start_time): MeetingSpec.of(m).how_it_runs()
        for m in group.meetings.prefetch_related("audiences")
    }


def test_a_sync_keeps_the_values_an_organiser_gave_each_meeting(
    aa_leeds, feed_server, meeting_guide, organiser
):
    sync(aa_leeds)
    publish_all()
    headingley = by_name("Headingley Group")
    GroupOwner.objects.create(group=headingley, user=organiser)
    organiser_adds_per_meeting_values(headingley)
    monday = headingley.meetings.get(weekday=Weekday.MONDAY)
    saturday = how_they_run(headingley)[(Weekday.SATURDAY, dt.time(10))]
    meeting_guide[1]["time"], meeting_guide[1]["end_time"] = "10:30", "11:45"  # Saturday
    meeting_guide[0]["day"] = [1]  # its Thursday meeting leaves the list
    feed_server.serve("/meetings.json", meeting_guide)

    report = sync(aa_leeds)

    assert report.run.changed == 1
    assert how_they_run(headingley) == {
        (Weekday.MONDAY, dt.time(19, 30)): ["Online", "join at https://meet.jit.si/headingley-mon"],
        (Weekday.SATURDAY, dt.time(10, 30)): saturday,
    }
    assert saturday == [
        "at St Michael's Church Hall, Bennett Road, Leeds, LS6 3HN",
        "step-free access",
        "Ring the side door bell",
        "for women",
        "in Welsh",
    ]
    assert headingley.meetings.get(weekday=Weekday.SATURDAY).end_time == dt.time(11, 45)
    assert headingley.meetings.get(weekday=Weekday.MONDAY).pk == monday.pk  # untouched
    before = history_count()

    feed_server.answers["/meetings.json"].conditional = False  # read it all again
    report = sync(aa_leeds)

    assert (report.run.changed, report.run.unchanged) == (0, 7)
    assert history_count() == before
    assert how_they_run(headingley)[(Weekday.SATURDAY, dt.time(10, 30))] == saturday


def test_a_source_meeting_is_the_group_meeting_it_matches_first_by_all_then_by_day():
    from feeds.mapping import keep_own_values
    from groups.services import MeetingSpec

    def at(day: int, start: int, end: int, **own: object) -> MeetingSpec:
        return MeetingSpec(weekday=day, start_time=dt.time(start), end_time=dt.time(end), **own)

    current = [
        at(Weekday.MONDAY, 10, 11, note="", joining_notes="morning"),
        at(Weekday.MONDAY, 19, 20, joining_notes="evening"),
        at(Weekday.TUESDAY, 12, 13, joining_notes="lunch"),
        at(Weekday.FRIDAY, 18, 19, joining_notes="gone"),
    ]
    from_source = [
        at(Weekday.MONDAY, 18, 20),  # the evening meeting, an hour earlier: nearest start
        at(Weekday.MONDAY, 10, 11),  # unchanged
        at(Weekday.WEDNESDAY, 12, 13),  # the lunchtime meeting moved a day
        at(Weekday.SUNDAY, 9, 10),  # new
    ]

    kept = keep_own_values(from_source, current)

    assert [m.joining_notes for m in kept] == ["evening", "morning", "lunch", ""]
    assert [(m.weekday, m.start_time.hour) for m in kept] == [
        (Weekday.MONDAY, 18), (Weekday.MONDAY, 10), (Weekday.WEDNESDAY, 12), (Weekday.SUNDAY, 9),
    ]  # fmt: skip


def test_a_listing_that_comes_back_is_no_longer_gone(aa_leeds, feed_server, meeting_guide):
    sync(aa_leeds)
    polish = meeting_guide.pop(7)
    feed_server.serve("/meetings.json", meeting_guide)
    sync(aa_leeds)
    feed_server.serve("/meetings.json", [*meeting_guide, polish])

    report = sync(aa_leeds)

    assert report.run.changed == 1
    change = SourceChange.objects.get(kind=ChangeKind.GONE)
    assert change.status == ChangeStatus.SUPERSEDED
    assert SourceListing.objects.get(group__name=polish["name"]).gone_since is None


def test_a_listing_seen_unchanged_counts_as_confirmed(aa_leeds, feed_server):
    sync(aa_leeds)
    long_ago = dt.date(2025, 1, 1)
    Group.objects.update(status=Status.PUBLISHED, last_verified=long_ago)
    feed_server.answers["/meetings.json"].conditional = False

    sync(aa_leeds)

    assert by_name("Headingley Group").last_verified == timezone.localdate()


def test_an_unchanged_answer_counts_as_confirmed_too(aa_leeds):
    sync(aa_leeds)
    Group.objects.update(status=Status.PUBLISHED, last_verified=dt.date(2025, 1, 1))

    report = sync(aa_leeds)

    assert report.run.outcome == Outcome.NOT_MODIFIED
    assert by_name("Headingley Group").last_verified == timezone.localdate()


# --- What changes directly, and what waits for a person ------------------------------------


def publish_all() -> None:
    Group.objects.update(status=Status.PUBLISHED, last_verified=timezone.localdate())


def test_a_changed_link_from_an_untrusted_source_waits_for_a_moderator(
    aa_leeds, feed_server, meeting_guide
):
    sync(aa_leeds)
    publish_all()
    meeting_guide[3]["conference_url"] = "https://evil.example.net/join"
    meeting_guide[3]["time"] = "19:05"
    feed_server.serve("/meetings.json", meeting_guide)

    sync(aa_leeds)

    chapel = by_name("Chapel Allerton Hybrid")
    assert chapel.online_url == "https://meet.jit.si/chapel-allerton-aa"
    assert chapel.meetings.get().start_time == dt.time(19, 5)  # times apply directly
    change = SourceChange.objects.get(group=chapel)
    assert change.kind == ChangeKind.CONTACT
    assert change.values == {"online_url": "https://evil.example.net/join"}
    assert change.previous == {"online_url": "https://meet.jit.si/chapel-allerton-aa"}
    (line,) = DigestItem.objects.all()
    assert "1 change to check" in line.summary and line.url == "/moderation/feeds/"


def test_a_trusted_source_changes_links_directly(aa_leeds, feed_server, meeting_guide):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)
    sync(aa_leeds)
    meeting_guide[3]["conference_url"] = "https://meet.jit.si/chapel-allerton-new"
    feed_server.serve("/meetings.json", meeting_guide)

    sync(aa_leeds)

    assert by_name("Chapel Allerton Hybrid").online_url == "https://meet.jit.si/chapel-allerton-new"
    assert not SourceChange.objects.exists()


def test_curated_fields_are_never_overwritten(aa_leeds, feed_server, meeting_guide):
    from groups.models import Condition

    sync(aa_leeds)
    headingley = by_name("Headingley Group")
    headingley.orientation = "hybrid"
    headingley.description = "Written by a moderator."
    headingley.save()
    headingley.conditions.set(Condition.objects.filter(slug__in=["alcohol", "dual_diagnosis"]))
    meeting_guide[0]["group_notes"] = "The intergroup's new text."
    meeting_guide[0]["types"] = ["O", "B", "X", "DD", "W"]
    meeting_guide[1]["types"] = ["W", "C"]
    meeting_guide[0]["end_time"] = "21:15"
    feed_server.serve("/meetings.json", meeting_guide)

    sync(aa_leeds)

    headingley.refresh_from_db()
    assert headingley.orientation == "hybrid"
    assert headingley.description == "Written by a moderator."
    assert sorted(c.slug for c in headingley.conditions.all()) == ["alcohol", "dual_diagnosis"]
    assert list(headingley.audiences.all()) == []
    assert {m.end_time for m in headingley.meetings.filter(weekday=0)} == {dt.time(21, 15)}


def test_a_claimed_listing_sends_changes_to_fields_its_organiser_edited_to_them(
    aa_leeds, feed_server, meeting_guide, organiser
):
    sync(aa_leeds)
    publish_all()
    chapel = by_name("Chapel Allerton Hybrid")
    GroupOwner.objects.create(group=chapel, user=organiser)
    chapel.address = "Chapel Allerton Methodist Church, side entrance"
    chapel.save()
    meeting_guide[3]["formatted_address"] = "Harrogate Road, Leeds LS7 4NB, UK"
    meeting_guide[3]["time"] = "19:10"
    feed_server.serve("/meetings.json", meeting_guide)

    sync(aa_leeds)

    chapel.refresh_from_db()
    assert chapel.address == "Chapel Allerton Methodist Church, side entrance"
    assert chapel.meetings.get().start_time == dt.time(19, 10)  # not edited by them
    change = SourceChange.objects.get(group=chapel)
    assert change.kind == ChangeKind.ORGANISER
    assert change.values == {"address": "Chapel Allerton Methodist Church, Harrogate Road"}


def test_a_claimed_listings_organisers_hear_what_the_source_changed(
    aa_leeds, feed_server, meeting_guide, organiser, mailoutbox
):
    sync(aa_leeds)
    publish_all()
    chapel = by_name("Chapel Allerton Hybrid")
    GroupOwner.objects.create(group=chapel, user=organiser)
    meeting_guide[3]["time"] = "19:10"
    feed_server.serve("/meetings.json", meeting_guide)
    mailoutbox.clear()

    sync(aa_leeds)

    (email,) = [m for m in mailoutbox if organiser.email in m.to]
    assert "changed by the Leeds AA intergroup meeting list" in email.body
    assert "7pm to 8pm" in email.body and "7:10pm to 8pm" in email.body
    assert "Chapel Allerton" not in email.subject


def test_unclaimed_listings_changed_by_a_source_email_nobody(
    aa_leeds, feed_server, meeting_guide, mailoutbox
):
    sync(aa_leeds)
    publish_all()
    meeting_guide[3]["time"] = "19:10"
    feed_server.serve("/meetings.json", meeting_guide)
    mailoutbox.clear()

    sync(aa_leeds)

    assert by_name("Chapel Allerton Hybrid").meetings.get().start_time == dt.time(19, 10)
    assert mailoutbox == []


# --- A failing source changes nothing --------------------------------------------------


def test_a_source_that_goes_down_changes_nothing_and_tells_its_admins(
    aa_leeds, feed_server, mailoutbox
):
    sync(aa_leeds)
    before = (history_count(), Group.objects.count())
    feed_server.serve("/meetings.json", raw=b"Service Unavailable", status=503)

    report = sync(aa_leeds)
    sync(aa_leeds)  # still down an hour later: told once

    assert report.run.outcome == Outcome.FAILED
    assert "503" in report.run.message
    assert (history_count(), Group.objects.count()) == before
    assert not SourceChange.objects.exists()
    source = Source.objects.get(pk=aa_leeds.pk)
    assert source.failing and source.last_ok_at < source.last_checked_at
    assert [m.to for m in mailoutbox] == [["webservant@aa-leeds.example.org"]]
    assert "is failing" in mailoutbox[0].subject
    assert "503" in mailoutbox[0].body
    (line,) = DigestItem.objects.filter(kind=DigestKind.FEED_PROBLEM)  # once in the digest
    assert line.summary.startswith("The Leeds AA intergroup meeting list could not be synced")


def test_garbage_is_a_failure(aa_leeds, feed_server):
    sync(aa_leeds)
    feed_server.serve("/meetings.json", raw=b"<html><body>Site moved</body></html>")

    report = sync(aa_leeds)

    assert report.run.outcome == Outcome.FAILED
    assert "not JSON" in report.run.message
    assert not SourceChange.objects.exists()


def test_a_feed_of_mostly_broken_rows_is_a_failure(aa_leeds, feed_server):
    feed_server.serve(
        "/meetings.json", [{"name": "x"}, {"slug": "y"}, 3, fixture("meeting_guide.json")[0]]
    )

    report = sync(aa_leeds)

    assert report.run.outcome == Outcome.FAILED
    assert "malformed" in report.run.message and "3 of its 4 rows" in report.run.message
    assert not Group.objects.exists()


def test_losing_more_than_half_the_meetings_at_once_is_a_failure(
    aa_leeds, feed_server, meeting_guide
):
    sync(aa_leeds)
    feed_server.serve("/meetings.json", meeting_guide[:2])  # 3 of 13 meetings left

    report = sync(aa_leeds)

    assert report.run.outcome == Outcome.FAILED
    assert "more than half" in report.run.message
    assert not SourceListing.objects.filter(gone_since__isnull=False).exists()


def test_a_source_that_works_again_says_so(aa_leeds, feed_server, meeting_guide, mailoutbox):
    feed_server.serve("/meetings.json", raw=b"", status=500)
    sync(aa_leeds)
    feed_server.serve("/meetings.json", meeting_guide)

    report = sync(aa_leeds)

    assert report.ok and not Source.objects.get(pk=aa_leeds.pk).failing
    assert [m.subject for m in mailoutbox][-1].endswith("works again")


def test_a_dry_run_changes_nothing(aa_leeds):
    report = sync(aa_leeds, dry_run=True)

    assert (report.run.added, report.run.outcome) == (7, Outcome.OK)
    assert not Group.objects.exists() and not SourceListing.objects.exists()
    assert Source.objects.get(pk=aa_leeds.pk).last_checked_at is None


# --- Exclusions -----------------------------------------------------------------------------


def test_an_excluded_group_stays_out_through_later_syncs(aa_leeds, feed_server):
    Exclusion.objects.create(
        source=aa_leeds, external_id="group:headingley group", reason="Asked not to be listed"
    )

    sync(aa_leeds)
    feed_server.answers["/meetings.json"].conditional = False
    again = sync(aa_leeds)

    assert not Group.objects.filter(name="Headingley Group").exists()
    assert again.run.gone == 0 and again.run.added == 0


# --- The other formats ----------------------------------------------------------------------


def test_a_bmlt_source(make_source, feed_server):
    url = feed_server.serve("/main_server/client_interface/json/", fixture("bmlt.json"))
    source = make_source(
        "West Yorkshire NA area", format=FeedFormat.BMLT, url=url, conditions=("drugs",)
    )

    report = sync(source)

    assert (report.run.added, report.run.skipped) == (6, 1)  # 1106 withdrawn, 1108 malformed
    jft = by_name("Just For Today")
    assert [m.describe() for m in jft.sorted_meetings()] == [
        "Every Monday, 7:30pm to 9pm",
        "Every Thursday, 7:30pm to 9pm",
    ]
    assert jft.step_free == "yes" and jft.postcode == "LS2 9DX"
    assert by_name("Recovery Online West Yorkshire").format == "online"
    assert by_name("Bradford Hope").format == "hybrid"
    women = by_name("Women in Recovery Leeds")
    assert [a.slug for a in women.audiences.all()] == ["women"]
    assert by_name("Grŵp Adfer Bangor").latitude is None  # 0,0 is BMLT's "no coordinates"
    assert not Group.objects.filter(name="Withdrawn Meeting").exists()


def test_an_hsds_source_read_page_by_page(make_source, feed_server):
    feed_server.serve("/api/services", fixture("hsds_page1.json"))
    feed_server.serve("/api/services?page=2", fixture("hsds_page2.json"))
    source = make_source(
        "Leeds directory", format=FeedFormat.HSDS, url=feed_server.url("/api"),
        conditions=("severe_mental_illness",), group_type="peer_support",
    )  # fmt: skip

    report = sync(source)

    # The defunct service is left out, and the DAILY schedule refused.
    assert (report.run.added, report.run.skipped) == (4, 1), report.problems
    assert feed_server.hits("/api/services") == 2
    assert "full=true" in feed_server.requests[0][0]
    voices = by_name("Leeds Hearing Voices Group")
    assert [m.describe() for m in voices.meetings.all()] == [
        "2nd Tuesday of the month, 6pm to 7:30pm"
    ]
    assert {c.slug for c in voices.conditions.all()} == {"psychosis", "severe_mental_illness"}
    carers = by_name("Carers' Café (paused)")
    meeting = carers.meetings.get()
    assert (meeting.recurrence, meeting.anchor_date) == ("fortnightly", dt.date(2026, 1, 7))
    assert [a.slug for a in carers.audiences.all()] == ["carers_family"]
    welsh = by_name("Grŵp Cefnogi Galar Ar-lein")
    assert welsh.format == "online" and welsh.languages == ["cy"]
    assert welsh.online_url == "https://meet.jit.si/galar-ar-lein"


# --- Duplicates across sources ----------------------------------------------------------------


def test_a_listing_like_one_we_hold_waits_for_a_moderator_even_from_a_trusted_source(
    aa_leeds, make_source, feed_server
):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)
    sync(aa_leeds)
    feed_server.serve("/api/services", fixture("hsds_page1.json"))
    feed_server.serve("/api/services?page=2", fixture("hsds_page2.json"))
    directory = make_source(
        "Leeds directory", format=FeedFormat.HSDS, url=feed_server.url("/api"), trusted=True
    )

    sync(directory)

    # The same venue (LS6 3AW) with a meeting on Mondays at 7:30pm: one group, it seems.
    assert by_name("Headingley AA Group").status == Status.PENDING
    assert by_name("Leeds Hearing Voices Group").status == Status.PUBLISHED


def test_a_trusted_list_that_names_one_group_twice_publishes_it_once(
    aa_leeds, feed_server, meeting_guide
):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)
    twin = {**meeting_guide[0], "slug": "headingley-twin", "name": "Headingley Big Book Twin",
            "group": "Headingley Twin Group"}  # fmt: skip
    feed_server.serve("/meetings.json", [*meeting_guide, twin])

    sync(aa_leeds)

    # Same venue, same Monday 7:30pm: the second waits for a moderator, as it would if
    # the first had come from another list.
    assert by_name("Headingley Group").status == Status.PUBLISHED
    assert by_name("Headingley Twin Group").status == Status.PENDING
