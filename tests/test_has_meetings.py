"""Group.has_meetings, which a search by a meeting's format, audience, access or language
reads instead of looking for the group's meetings (issue 18): every path that adds or
takes away a group's meetings keeps it true."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from feeds.models import Source
from groups.models import Group, Meeting
from groups.services import GroupValues, MeetingSpec, NewGroup, create_groups, save_group
from tests.support.feeds import sync

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]

TUESDAY = {"weekday": 1, "start_time": dt.time(19), "end_time": dt.time(20, 30)}


def flags_agree() -> bool:
    """Every group's flag says whether it has meetings (and some groups have)."""
    flagged = set(Group.objects.filter(has_meetings=True).values_list("pk", flat=True))
    meeting = set(Meeting.objects.values_list("group_id", flat=True))
    return bool(meeting) and flagged == meeting


def online_names(client) -> list[str]:
    response = client.get("/api/groups/", {"format": "online"})
    assert response.status_code == 200
    return [item["name"] for item in response.json()["results"]]


def test_save_group_keeps_it_and_the_search_reads_it(client, make_group):
    # Hybrid by default, but its one meeting is in person: not an online group.
    group = make_group("Meets in person", format="hybrid", meetings="")
    save_group(
        group=group, values=GroupValues(), meetings=[MeetingSpec(**TUESDAY, format="in_person")]
    )
    assert Group.objects.get(pk=group.pk).has_meetings
    assert online_names(client) == []

    save_group(group=group, values=GroupValues(summary="Changed."))  # meetings left as they are
    assert Group.objects.get(pk=group.pk).has_meetings

    save_group(group=group, values=GroupValues(), meetings=[])
    assert not Group.objects.get(pk=group.pk).has_meetings
    # With no meetings it is searched by its own format, which is hybrid.
    assert online_names(client) == ["Meets in person"]


def test_create_groups_sets_it():
    with_one, without = create_groups(
        [
            NewGroup(values=GroupValues(name="With a meeting"), meetings=[MeetingSpec(**TUESDAY)]),
            NewGroup(values=GroupValues(name="Without")),
        ]
    )
    assert isinstance(with_one, Group) and isinstance(without, Group)
    assert Group.objects.get(pk=with_one.pk).has_meetings
    assert not Group.objects.get(pk=without.pk).has_meetings


def test_generate_groups_sets_it(ls6):
    call_command("generate_groups", count=40, seed=1, quiet=True)
    assert Group.objects.filter(has_meetings=False).exists()
    assert flags_agree()


def test_the_admin_keeps_it(admin_client):
    from tests.test_admin import _form

    assert admin_client.post("/admin/groups/group/add/", _form()).status_code == 302
    group = Group.objects.get()
    assert group.has_meetings
    meeting = group.meetings.get()
    change = _form(
        **{
            "meetings-INITIAL_FORMS": "1",
            "meetings-0-id": str(meeting.pk),
            "meetings-0-group": str(group.pk),
            "meetings-0-DELETE": "on",
        }
    )
    response = admin_client.post(f"/admin/groups/group/{group.pk}/change/", change)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Group.objects.get(pk=group.pk).has_meetings


@pytest.mark.parametrize("trusted", [False, True], ids=["created-together", "one-at-a-time"])
def test_a_feeds_sync_keeps_it(aa_leeds, feed_server, meeting_guide, trusted):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=trusted)
    sync(aa_leeds)
    assert flags_agree()


def test_restoring_a_version_keeps_it(moderator_client, make_group):
    group = make_group("Original", meetings="Tue 19:00-20:30")
    original = group.history.get()
    save_group(group=group, values=GroupValues(), meetings=[])
    assert not Group.objects.get(pk=group.pk).has_meetings
    url = f"/moderation/groups/{group.pk}/history/{original.history_id}/restore/"
    assert moderator_client.post(url, {"reason": "Put back"}).status_code == 302
    assert Group.objects.get(pk=group.pk).has_meetings


def test_the_migration_fills_it_from_the_meetings_there_are(make_group):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite cannot alter its tables inside the test's transaction")
    make_group("With meetings", meetings="Tue 19:00-20:30")
    make_group("Without", meetings="")
    with connection.cursor() as cursor:
        # The rows' deferred foreign key checks first: PostgreSQL alters no table under them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("groups")
    executor.migrate([("groups", "0020_trigram_commutator_cost")])
    MigrationExecutor(connection).migrate(leaf)
    assert flags_agree()
    assert not Group.objects.get(name="Without").has_meetings
