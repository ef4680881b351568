"""Group.meeting_keys and Group.audience_ids, which a search by a meeting's day and time,
format, audience or access tests in the group's row before (or instead of) looking up its
meetings (issue 18): every path that writes a group's meetings or audiences keeps them
true, and a search reads the same groups as the definition, one meeting that is
everything wanted, asked of the meetings themselves."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Exists, OuterRef, Q

from feeds.models import Source
from groups.models import (
    Audience,
    Format,
    Group,
    Meeting,
    MeetingWanted,
    StepFree,
    search_codes,
)
from groups.services import GroupValues, MeetingSpec, NewGroup, create_groups, save_group
from tests.conftest import LS6
from tests.support.feeds import sync

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures", "tests.feeds_fixtures"]

TUESDAY = {"weekday": 1, "start_time": dt.time(19), "end_time": dt.time(20, 30)}


def stored(group: Group) -> tuple[list[str], list[int]]:
    group = Group.objects.get(pk=group.pk)
    return group.meeting_keys, group.audience_ids


def codes_of(group: Group) -> list[int]:
    return search_codes(
        group.meeting_keys,
        format=group.format,
        audience_ids=group.audience_ids,
        step_free=group.step_free,
    )


def keys_agree() -> bool:
    """Every group's stored keys and audience ids are those of its meetings and audiences
    as they are now (and some group has each)."""
    specs = MeetingSpec.of_groups(list(Group.objects.values_list("pk", flat=True)))
    groups = list(Group.objects.prefetch_related("audiences"))
    for group in groups:
        keys = set().union(*(spec.keys for spec in specs.get(group.pk, [])))
        if group.meeting_keys != sorted(keys):
            return False
        if group.audience_ids != sorted(a.pk for a in group.audiences.all()):
            return False
        if group.search_codes != codes_of(group):
            return False
    return any(g.meeting_keys for g in groups) and any(g.audience_ids for g in groups)


def test_save_group_keeps_them(make_group):
    women = Audience.objects.get(slug="women")
    group = make_group("Tuesdays", audiences=("women",), meetings="")
    assert stored(group) == ([], [women.pk])
    save_group(
        group=group,
        values=GroupValues(),
        meetings=[
            MeetingSpec(**TUESDAY),
            MeetingSpec(weekday=4, start_time=dt.time(10), end_time=dt.time(11),
                        format=Format.HYBRID, online_url="https://example.org/own",
                        audiences=(women,), address="Hall", latitude=LS6[0], longitude=LS6[1],
                        step_free=StepFree.YES),
        ],
    )  # fmt: skip
    assert stored(group) == (
        ["1 evening", "4 morning", "audience:", f"audience:{women.pk}", "format:",
         "format:hybrid", "step_free:hybrid", "venue:"],
        [women.pk],
    )  # fmt: skip
    assert Group.objects.get(pk=group.pk).search_codes == [5, 12, 30, 32, 40, 1000 + women.pk]
    save_group(group=group, values=GroupValues(format=Format.HYBRID, online_url="https://x.org"))
    assert stored(group)[0][0] == "1 evening"  # meetings and audiences left as they are
    assert stored(group)[1] == [women.pk]
    # The codes follow the group's own values: its meeting of no format of its own is hybrid.
    assert Group.objects.get(pk=group.pk).search_codes == [5, 12, 32, 40, 1000 + women.pk]
    save_group(group=group, values=GroupValues(), audiences=[], meetings=[])
    assert stored(group) == ([], [])


def test_create_groups_sets_them():
    women = Audience.objects.get(slug="women")
    with_one, without = create_groups(
        [
            NewGroup(
                values=GroupValues(name="With a meeting"),
                audiences=[women],
                meetings=[MeetingSpec(**TUESDAY)],
            ),
            NewGroup(values=GroupValues(name="Without")),
        ]
    )
    assert isinstance(with_one, Group) and isinstance(without, Group)
    assert stored(with_one) == (["1 evening", "audience:", "format:", "venue:"], [women.pk])
    assert stored(without) == ([], [])
    assert Group.objects.get(pk=with_one.pk).search_codes == [5, 30, 1000 + women.pk]
    assert Group.objects.get(pk=without.pk).search_codes == [30]


def test_generate_groups_sets_them(ls6):
    call_command("generate_groups", count=40, seed=1, quiet=True)
    assert keys_agree()


def test_the_admin_keeps_them(admin_client):
    from tests.test_admin import _form

    assert admin_client.post("/admin/groups/group/add/", _form()).status_code == 302
    group = Group.objects.get()
    assert group.meeting_keys
    meeting = group.meetings.get()
    women = Audience.objects.get(slug="women")
    change = _form(
        **{
            "audiences": [str(women.pk)],
            "meetings-INITIAL_FORMS": "1",
            "meetings-0-id": str(meeting.pk),
            "meetings-0-group": str(group.pk),
            "meetings-0-DELETE": "on",
        }
    )
    response = admin_client.post(f"/admin/groups/group/{group.pk}/change/", change)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(group) == ([], [women.pk])


@pytest.mark.parametrize("trusted", [False, True], ids=["created-together", "one-at-a-time"])
def test_a_feeds_sync_keeps_them(aa_leeds, feed_server, meeting_guide, trusted):
    Source.objects.filter(pk=aa_leeds.pk).update(trusted=trusted)
    sync(aa_leeds)
    assert Group.objects.exclude(meeting_keys=[]).exists()
    specs = MeetingSpec.of_groups(list(Group.objects.values_list("pk", flat=True)))
    for group in Group.objects.all():
        keys = set().union(*(spec.keys for spec in specs.get(group.pk, [])))
        assert group.meeting_keys == sorted(keys)
        assert group.search_codes == codes_of(group)


def test_restoring_a_version_keeps_them(moderator_client, make_group):
    group = make_group("Original", audiences=("women",), meetings="Tue 19:00-20:30")
    original = group.history.get()
    kept = stored(group)
    save_group(group=group, values=GroupValues(), audiences=[], meetings=[])
    assert stored(group) == ([], [])
    url = f"/moderation/groups/{group.pk}/history/{original.history_id}/restore/"
    assert moderator_client.post(url, {"reason": "Put back"}).status_code == 302
    assert stored(group) == kept


def test_the_migration_fills_them_from_what_there_is(make_group):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite cannot alter its tables inside the test's transaction")
    make_group("With meetings", audiences=("women",), meetings="Tue 19:00-20:30; Fri 10:00-11:00")
    make_group("Without", meetings="")
    with connection.cursor() as cursor:
        # The rows' deferred foreign key checks first: PostgreSQL alters no table under them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("groups")
    executor.migrate([("groups", "0024_position_index_covers_search")])
    MigrationExecutor(connection).migrate(leaf)
    assert keys_agree()
    assert stored(Group.objects.get(name="Without"))[0] == []


@pytest.fixture
def varied(make_group) -> None:
    """Groups whose meetings have values of their own, or not, in every mix the keys tell
    apart: formats, audiences, venues (step-free or not), days and times."""
    carers, women = Audience.objects.filter(slug__in=["women", "carers_family"]).order_by("slug")
    link = {"online_url": "https://example.org/own"}
    hall = {"address": "Hall", "latitude": LS6[0], "longitude": LS6[1]}
    meetings = itertools.cycle(
        [
            {},
            {"format": Format.ONLINE, **link},
            {"format": Format.HYBRID, "audiences": (women,), **link},
            {"audiences": (carers,), **hall, "step_free": StepFree.YES},
            {**hall, "step_free": StepFree.NO, "format": Format.IN_PERSON},
        ]
    )
    times = itertools.cycle([(1, 19), (1, 10), (4, 14), (6, 19), (4, 9)])
    formats = itertools.cycle([Format.IN_PERSON, Format.HYBRID, Format.ONLINE])
    steps = itertools.cycle([StepFree.YES, StepFree.NO, StepFree.UNKNOWN, StepFree.YES])
    for n in range(30):
        fmt = next(formats)
        group = make_group(
            f"Varied {n:02d}", audiences=[(), ("women",), ("carers_family",)][n % 3], meetings="",
            format=fmt, step_free=next(steps),
        )  # fmt: skip
        specs = []
        for _ in range(n % 4):
            day, hour = next(times)
            own = next(meetings)
            if fmt == Format.ONLINE and own.get("format") in (Format.IN_PERSON, Format.HYBRID):
                own = {"audiences": (women,)}  # no place to meet in person
            specs.append(MeetingSpec(weekday=day, start_time=dt.time(hour),
                                     end_time=dt.time(hour, 45), **own))  # fmt: skip
        save_group(group=group, values=GroupValues(), meetings=specs)


def by_the_meetings(wanted: MeetingWanted) -> set[int]:
    """The definition: groups with one meeting that is all that is wanted (the group's
    values where it has none of its own), or with no meetings and wanted by their own."""
    meetings = Meeting.objects.filter(group=OuterRef("pk")).filter(wanted.meeting_q(OuterRef))
    matched = Q(Exists(meetings))
    if wanted.day is None and not wanted.time_of_day:
        matched |= ~Q(Exists(Meeting.objects.filter(group=OuterRef("pk")))) & wanted.group_q()
    return set(Group.objects.filter(matched).values_list("pk", flat=True))


WANTED = [
    MeetingWanted(day=1),
    MeetingWanted(time_of_day="evening"),
    MeetingWanted(day=1, time_of_day="evening"),
    MeetingWanted(day=4, time_of_day="morning"),
    MeetingWanted(format=Format.ONLINE),
    MeetingWanted(format=Format.IN_PERSON),
    MeetingWanted(format=Format.HYBRID),
    MeetingWanted(step_free=True),
    MeetingWanted(day=1, format=Format.ONLINE),
    MeetingWanted(day=4, format=Format.HYBRID, step_free=True),
    MeetingWanted(time_of_day="evening", step_free=True),
]


@pytest.mark.parametrize("wanted", WANTED, ids=repr)
def test_a_search_by_a_meeting_finds_what_its_meetings_say(varied, wanted):
    found = set(Group.objects.with_meeting(wanted).values_list("pk", flat=True))
    assert found == by_the_meetings(wanted)
    assert found, "every search here finds some group"


@pytest.mark.parametrize("slugs", [["women"], ["carers_family"], ["women", "carers_family"]])
@pytest.mark.parametrize("more", [{}, {"day": 1}, {"format": Format.ONLINE}], ids=repr)
def test_a_search_by_audience_finds_what_its_meetings_say(varied, slugs, more):
    ids = tuple(Audience.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    wanted = MeetingWanted(audience_ids=ids, **more)
    found = set(Group.objects.with_meeting(wanted).values_list("pk", flat=True))
    assert found == by_the_meetings(wanted)
    assert found


def test_a_single_value_is_read_from_the_row_alone(varied):
    """Day and time, format or audience alone: the keys say it all, no meeting is read."""
    if connection.vendor == "sqlite":
        pytest.skip("PostgreSQL only: SQLite asks the meetings")
    for wanted in [MeetingWanted(day=1, time_of_day="evening"), MeetingWanted(format="online"),
                   MeetingWanted(audience_ids=(1,)), MeetingWanted(step_free=True)]:  # fmt: skip
        sql = str(Group.objects.with_meeting(wanted).query)
        assert "groups_meeting" not in sql and "group_search_codes" in sql, wanted
    both = str(Group.objects.with_meeting(MeetingWanted(day=1, format="online")).query)
    assert "meeting_keys" in both and "groups_meeting" in both
