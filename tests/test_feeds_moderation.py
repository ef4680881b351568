"""People and sources (issue 14, points 1 to 3; issue 12, point 7's bulk approval of a
source's first sync): the admin adds and syncs a source, moderators approve its first
import together, merge duplicates and decide held changes, organisers decide changes to
what they edited, and listings say where they came from."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from feeds import changes
from feeds.models import ChangeKind, ChangeStatus, FeedFormat, Source, SourceChange, SourceListing
from groups.models import Condition, Group, GroupType, Status
from moderation.models import Action, Decision
from organisers.models import GroupOwner
from tests.support.feeds import fixture, sync
from tests.support.organisers import with_two_factor

pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model) -> Client:
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-Admin-1")
    with_two_factor(user)
    client = Client()
    client.force_login(user)
    return client


def by_name(name: str) -> Group:
    return Group.objects.get(name=name)


# --- The admin ------------------------------------------------------------------------


def source_form(url: str, **overrides) -> dict[str, object]:
    data = {
        "name": "Leeds AA intergroup",
        "url": url,
        "format": FeedFormat.MEETING_GUIDE,
        "active": "on",
        "group_type": GroupType.objects.get(slug="twelve_step").pk,
        "conditions": [Condition.objects.get(slug="alcohol").pk],
        "orientation": "inward",
        "check_every_hours": "1",
        "notify": "webservant@aa-leeds.example.org",
        "licence": "Permission from the intergroup, December 2026",
        "attribution": "Meeting data from Leeds AA intergroup",
        **{f"{prefix}-{k}": v for prefix in ("mappings", "exclusions", "runs")
           for k, v in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}.items()},
    }  # fmt: skip
    data.update(overrides)
    return data


def test_an_admin_adds_a_source_and_syncs_it_from_the_admin(
    admin_client, feed_server, places, django_capture_on_commit_callbacks
):
    url = feed_server.serve("/meetings.json", fixture("meeting_guide.json"))

    response = admin_client.post("/admin/feeds/source/add/", source_form(url))
    assert response.status_code == 302, response.context["adminform"].form.errors
    source = Source.objects.get()
    tried = admin_client.post(
        "/admin/feeds/source/",
        {"action": "dry_run", "_selected_action": [source.pk]},
        follow=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        synced = admin_client.post(
            "/admin/feeds/source/",
            {"action": "sync_now", "_selected_action": [source.pk]},
            follow=True,
        )

    assert "Dry run: Leeds AA intergroup: 13 meetings; would add 7" in tried.text
    assert "Queued" in synced.text
    assert Group.objects.filter(status=Status.PENDING).count() == 7  # the task ran at once


def test_the_admin_refuses_checking_more_than_hourly(admin_client):
    response = admin_client.post(
        "/admin/feeds/source/add/", source_form("https://example.org/", check_every_hours="0")
    )

    assert response.status_code == 200
    assert "Check it at most once an hour." in response.text


def test_a_listing_left_out_from_the_admin_stays_out(admin_client, aa_leeds, feed_server):
    sync(aa_leeds)
    row = SourceListing.objects.get(group__name="Headingley Group")

    admin_client.post(
        "/admin/feeds/sourcelisting/", {"action": "leave_out", "_selected_action": [row.pk]}
    )
    feed_server.answers["/meetings.json"].conditional = False
    report = sync(aa_leeds)

    assert by_name("Headingley Group").status == Status.ARCHIVED
    assert report.run.gone == 0 and report.run.added == 0
    assert Group.objects.filter(name="Headingley Group").count() == 1


# --- A source's first import ------------------------------------------------------------


def test_a_moderator_approves_a_first_import_together(moderator_client, aa_leeds):
    sync(aa_leeds)

    page = moderator_client.get(f"/moderation/feeds/sources/{aa_leeds.pk}/first-import/")
    assert page.status_code == 200
    assert "7 waiting" in page.text and "Grŵp Adferiad Caerdydd" in page.text
    wanted = list(Group.objects.exclude(name="Armley Sunday Serenity").values_list("pk", flat=True))
    done = moderator_client.post(
        f"/moderation/feeds/sources/{aa_leeds.pk}/first-import/",
        {"group": wanted, **versions_shown(page.text)},
        follow=True,
    )

    assert "6 listings approved." in done.text
    assert Group.objects.published().count() == 6
    assert Decision.objects.filter(action=Action.APPROVED).count() == 6
    assert by_name("Armley Sunday Serenity").status == Status.PENDING
    assert "1 waiting" in done.text


def versions_shown(page: str) -> dict[str, str]:
    """The version of each listing the page showed, as its approve form carries them."""
    return dict(re.findall(r'name="(version-\d+)" value="([^"]*)"', page))


def test_a_listing_changed_since_the_page_was_opened_is_not_approved(moderator_client, aa_leeds):
    sync(aa_leeds)
    url = f"/moderation/feeds/sources/{aa_leeds.pk}/first-import/"
    page = moderator_client.get(url)
    changed = by_name("Headingley Group")
    changed.website = "https://phishing.example.net/"
    changed.save()

    done = moderator_client.post(
        url,
        {"group": [changed.pk, by_name("Armley Sunday Serenity").pk], **versions_shown(page.text)},
        follow=True,
    )

    assert "1 listing approved." in done.text
    assert (
        "Headingley Group was not approved: The listing changed after you opened it." in done.text
    )
    assert by_name("Headingley Group").status == Status.PENDING
    assert by_name("Armley Sunday Serenity").status == Status.PUBLISHED


def test_the_first_import_flags_duplicates_unticked_and_merges_them(
    moderator_client, aa_leeds, make_source, feed_server
):
    sync(aa_leeds)
    feed_server.serve("/api/services", fixture("hsds_page1.json"))
    feed_server.serve("/api/services?page=2", fixture("hsds_page2.json"))
    directory = make_source("Leeds directory", format=FeedFormat.HSDS, url=feed_server.url("/api"))
    sync(directory)
    page_url = f"/moderation/feeds/sources/{directory.pk}/first-import/"
    duplicate, original = by_name("Headingley AA Group"), by_name("Headingley Group")

    page = moderator_client.get(page_url)

    html = page.text
    box = html[html.index(f'id="group-{duplicate.pk}"') :].split(">")[0]
    assert "checked" not in box  # left unticked
    assert "Possible duplicate" in html and "The same venue (at LS6 3AW)" in html
    merged = moderator_client.post(
        f"/moderation/feeds/groups/{duplicate.pk}/merge/", {"into": original.pk, "next": page_url}
    )

    assert merged.url == page_url
    duplicate.refresh_from_db()
    assert duplicate.status == Status.ARCHIVED
    assert set(
        SourceListing.objects.filter(group=original).values_list("source__name", flat=True)
    ) == {"Leeds AA intergroup", "Leeds directory"}  # a merged listing keeps every source


def test_a_merge_goes_back_only_to_a_page_of_ours(moderator_client, aa_leeds, make_group):
    sync(aa_leeds)
    duplicate, original = by_name("Headingley Group"), make_group("Headingley")

    merged = moderator_client.post(
        f"/moderation/feeds/groups/{duplicate.pk}/merge/",
        {"into": original.pk, "next": "https://evil.example/moderation/"},
    )

    assert merged.url == "/moderation/feeds/"


def test_first_import_pages_are_for_staff_only(organiser_client, aa_leeds):
    assert organiser_client.get("/moderation/feeds/").status_code == 404
    url = f"/moderation/feeds/sources/{aa_leeds.pk}/first-import/"
    assert organiser_client.post(url, {"group": [1]}).status_code == 404


# --- Held changes ------------------------------------------------------------------------


def held_link_change(aa_leeds, feed_server, meeting_guide) -> SourceChange:
    sync(aa_leeds)
    Group.objects.update(status=Status.PUBLISHED)
    meeting_guide[3]["conference_url"] = "https://evil.example.net/join"
    feed_server.serve("/meetings.json", meeting_guide)
    sync(aa_leeds)
    return SourceChange.objects.get(kind=ChangeKind.CONTACT)


def test_a_moderator_sees_a_held_link_in_the_queue_and_accepts_it(
    moderator_client, aa_leeds, feed_server, meeting_guide
):
    change = held_link_change(aa_leeds, feed_server, meeting_guide)

    queue = moderator_client.get("/moderation/")
    page = moderator_client.get(f"/moderation/feeds/changes/{change.pk}/")
    moderator_client.post(f"/moderation/feeds/changes/{change.pk}/", {"action": "accept"})

    assert (
        "Chapel Allerton Hybrid: the Leeds AA intergroup meeting list changed its link"
        in queue.text
    )
    assert "https://evil.example.net/join" in page.text and "phishing" in page.text
    assert by_name("Chapel Allerton Hybrid").online_url == "https://evil.example.net/join"
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED
    latest = by_name("Chapel Allerton Hybrid").history.latest()
    assert latest.history_change_reason == "Accepted from the Leeds AA intergroup meeting list"


def test_organisers_hear_of_a_held_link_a_moderator_accepted(
    moderator_client, organiser, aa_leeds, feed_server, meeting_guide, mailoutbox
):
    change = held_link_change(aa_leeds, feed_server, meeting_guide)
    GroupOwner.objects.create(group=change.group, user=organiser)
    mailoutbox.clear()

    moderator_client.post(f"/moderation/feeds/changes/{change.pk}/", {"action": "accept"})

    (email,) = [m for m in mailoutbox if organiser.email in m.to]
    assert "changed by the Leeds AA intergroup meeting list, accepted by a moderator" in email.body
    assert "https://meet.jit.si/chapel-allerton-aa" in email.body
    assert "https://evil.example.net/join" in email.body


def test_an_organiser_accepting_a_change_gets_no_email_about_it(
    organiser_client, organiser, aa_leeds, feed_server, meeting_guide, mailoutbox
):
    sync(aa_leeds)
    Group.objects.update(status=Status.PUBLISHED)
    chapel = by_name("Chapel Allerton Hybrid")
    GroupOwner.objects.create(group=chapel, user=organiser)
    chapel.address = "Side entrance"
    chapel.save()
    meeting_guide[3]["formatted_address"] = "Harrogate Road, Leeds LS7 4NB, UK"
    feed_server.serve("/meetings.json", meeting_guide)
    sync(aa_leeds)
    change = SourceChange.objects.get(kind=ChangeKind.ORGANISER)
    mailoutbox.clear()

    organiser_client.post(f"/organisers/source-changes/{change.pk}/", {"action": "accept"})

    assert by_name("Chapel Allerton Hybrid").address.endswith("Harrogate Road")
    assert mailoutbox == []


def test_a_declined_link_stays_declined_on_later_syncs(
    moderator_client, aa_leeds, feed_server, meeting_guide
):
    change = held_link_change(aa_leeds, feed_server, meeting_guide)

    moderator_client.post(f"/moderation/feeds/changes/{change.pk}/", {"action": "decline"})
    feed_server.answers["/meetings.json"].conditional = False
    sync(aa_leeds)

    assert by_name("Chapel Allerton Hybrid").online_url == "https://meet.jit.si/chapel-allerton-aa"
    assert not SourceChange.objects.pending().exists()


def test_a_gone_listing_is_taken_out_by_a_moderator(
    moderator_client, aa_leeds, feed_server, meeting_guide
):
    sync(aa_leeds)
    Group.objects.update(status=Status.PUBLISHED)
    polish = meeting_guide.pop(7)
    feed_server.serve("/meetings.json", meeting_guide)
    sync(aa_leeds)
    change = SourceChange.objects.get(kind=ChangeKind.GONE)

    page = moderator_client.get(f"/moderation/feeds/changes/{change.pk}/")
    moderator_client.post(f"/moderation/feeds/changes/{change.pk}/", {"action": "accept"})

    assert "no longer in the Leeds AA intergroup meeting list" in page.text
    assert by_name(polish["name"]).status == Status.ARCHIVED


def test_an_organiser_accepts_a_change_to_what_they_edited(
    organiser_client, other_organiser_client, organiser, aa_leeds, feed_server, meeting_guide
):
    sync(aa_leeds)
    Group.objects.update(status=Status.PUBLISHED)
    chapel = by_name("Chapel Allerton Hybrid")
    GroupOwner.objects.create(group=chapel, user=organiser)
    chapel.address = "Side entrance"
    chapel.save()
    meeting_guide[3]["formatted_address"] = "Harrogate Road, Leeds LS7 4NB, UK"
    feed_server.serve("/meetings.json", meeting_guide)
    sync(aa_leeds)
    change = SourceChange.objects.get(kind=ChangeKind.ORGANISER)
    url = f"/organisers/source-changes/{change.pk}/"

    assert other_organiser_client.get(url).status_code == 404
    page = organiser_client.get(url)
    organiser_client.post(url, {"action": "accept"})

    assert "Side entrance" in page.text
    assert by_name("Chapel Allerton Hybrid").address == (
        "Chapel Allerton Methodist Church, Harrogate Road"
    )


# --- Provenance ----------------------------------------------------------------------------


def test_a_listing_says_where_it_came_from_and_when_it_was_checked(client, aa_leeds, feed_server):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)
    sync(aa_leeds)
    group = by_name("Headingley Group")

    page = client.get(group.get_absolute_url())

    today = timezone.localdate()
    assert f"From the Leeds AA intergroup meeting list, checked {today.day} {today:%B %Y}" in (
        page.text
    )
    assert "Meeting data from the intergroup." in page.text
    assert "Also in" not in page.text


def test_a_listing_in_a_second_list_says_so(client, aa_leeds, make_source, feed_server):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=True)
    sync(aa_leeds)
    feed_server.serve("/api/services", fixture("hsds_page1.json"))
    feed_server.serve("/api/services?page=2", fixture("hsds_page2.json"))
    directory = make_source("Leeds directory", format=FeedFormat.HSDS, url=feed_server.url("/api"))
    sync(directory)
    group = by_name("Headingley Group")
    changes.merge(by_name("Headingley AA Group"), group, None)
    feed_server.answers["/api/services"].conditional = False
    sync(directory)

    page = client.get(group.get_absolute_url())

    assert "Also in the Leeds directory meeting list, checked today." in page.text


def test_from_command_to_search_a_first_import_approved_is_found_with_its_provenance(
    client, moderator_client, feed_server, places, ls6
):
    """The issue's 'done when': an admin adds a source and syncs it, a moderator approves
    its first import, the groups are in search saying where they came from, and a second
    sync changes nothing."""
    url = feed_server.serve("/meetings.json", fixture("meeting_guide.json"))
    call_command("add_source", "Leeds AA intergroup", "--format", "meeting-guide",
                 "--url", url, "--condition", "alcohol", stdout=io.StringIO())  # fmt: skip
    call_command("sync_sources", stdout=io.StringIO())
    source = Source.objects.get()
    wanted = list(Group.objects.values_list("pk", flat=True))
    review = f"/moderation/feeds/sources/{source.pk}/first-import/"
    shown = moderator_client.get(review).text
    moderator_client.post(review, {"group": wanted, **versions_shown(shown)})

    found = client.get("/api/groups/", {"near": "LS6", "radius_km": "20"}).json()["results"]
    page = client.get("/", {"near": "LS6", "radius_km": "20"}).text
    group = by_name("Headingley Group")
    assert "Headingley Group" in [r["name"] for r in found]
    assert "Headingley Group" in page
    shown = client.get(group.get_absolute_url()).text
    assert "From the Leeds AA intergroup meeting list, checked today." in shown

    again = io.StringIO()
    call_command("sync_sources", "--source", "Leeds AA intergroup", stdout=again)
    assert "unchanged since the last check (7 listings)" in again.getvalue()
