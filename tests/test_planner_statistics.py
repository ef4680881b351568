"""PostgreSQL's statistics on groups: autovacuum can analyse the table, and the local
search still reads only the groups near it through the position index."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Group
from groups.search import Criteria, search_groups
from tests.conftest import LS6

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has no position index)")


def test_it_analyses_groups_under_autovacuums_search_path(make_group):
    """Autovacuum analyses with search_path = pg_catalog. An index on the extension's
    ll_to_earth() failed there (`type "earth" does not exist`: its body names the type
    unqualified), so the planner never had statistics on the groups."""
    make_group("Headingley Recovery Circle")  # the index holds only published, placed groups
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = pg_catalog")
        cursor.execute("ANALYZE public.groups_group")
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'group_earth_idx'")
        # The index expressions' own statistics: the position and the search codes.
        assert cursor.fetchone()[0] == 2
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'group_position_idx'")
        assert cursor.fetchone()[0] == 1


@pytest.fixture
def across_britain(make_group) -> Group:
    """A group in Headingley among 3,000 copies across Great Britain, with statistics, so
    that no plan reading them all could cost the same as the index."""
    template = make_group("Headingley Recovery Circle")
    others = []
    for row in range(60):
        for column in range(50):
            other = copy.copy(template)
            other.pk, other.slug = None, f"other-{row}-{column}"
            other.latitude, other.longitude = 50.0 + row * 0.145, -5.5 + column * 0.15
            others.append(other)
    Group.objects.bulk_create(others)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_group")
    return template


def plan_of(criteria: Criteria) -> tuple[list[Group], str]:
    with CaptureQueriesContext(connection) as queries:
        found = list(search_groups(criteria))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        return found, "\n".join(row[0] for row in cursor.fetchall())


def test_a_local_search_reads_the_groups_near_it_through_the_position_index(across_britain):
    found, plan = plan_of(Criteria(point=LS6, radius_km=16))
    assert across_britain in found and 5 < len(found) < 100
    # Either position index (migrations 0026-0029): the planner takes the cheaper.
    assert "group_earth_idx" in plan or "group_position_idx" in plan, plan


def test_a_local_search_by_condition_reads_each_group_near_it_once(across_britain):
    """The conditions are tested in the row (condition_ids), not by a probe of the join
    table per group, and the groups in the box are read once, not found by the box and
    read again by id: at 50,000 groups those were most of a local search's time."""
    alcohol = across_britain.condition_terms
    found, plan = plan_of(Criteria(point=LS6, radius_km=16, conditions=alcohol))
    assert across_britain in found and 5 < len(found) < 100
    assert "groups_group_conditions" not in plan, plan
    assert plan.count(" on groups_group ") == 1, plan
