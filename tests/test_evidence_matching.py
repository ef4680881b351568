"""Which evidence speaks to a group, in what order, and the review's data that ships with
every install. Fixtures here are shared by the other test_evidence modules."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from evidence.models import Evidence
from evidence.summary import groups_with_cautions, summarise
from groups.models import Condition, Group

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evidence_fixtures"]


def keys_for(group: Group) -> list[str]:
    return [r.key for r in Evidence.objects.published().for_group(group)]


# --- Constraints --------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"year": 1200},
        {"year": 3000},
        {"sample_size": 0},
        {"design": "horoscope"},
        {"outcome_direction": "great"},
        {"finding": ""},
        {"doi": "https://doi.org/10.1/x"},
    ],
)
def test_the_database_refuses_records_that_break_the_rules(make_evidence, change):
    record = make_evidence()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=record.pk).update(**change)


def test_a_record_without_a_key_gets_one_from_its_authors_and_year(empty_library, make_evidence):
    first = make_evidence("Bentall, R.P., Powell, P., & Nye, F.J.", 2002, key="")
    second = make_evidence("Bentall, R.P., & Powell, P.", 2002, key="")
    assert first.key == "bentall-et-al-2002"
    assert second.key == "bentall-powell-2002"


# --- Matching rules -----------------------------------------------------------------


def test_a_record_linked_to_the_group_comes_first_even_when_nothing_else_matches(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("alcohol",), group_type="twelve_step")
    make_evidence("Specific, A.", 2010, design="rct", conditions=("alcohol",))
    linked = make_evidence(
        "Linked, A.", 1990, design="anecdote", conditions=("gambling",), group_types=("advocacy",)
    )
    linked.groups.add(group)
    records = list(Evidence.objects.for_group(group))
    assert [r.authors for r in records] == ["Linked, A.", "Specific, A."]
    assert records[0].is_direct and not records[1].is_direct


def test_group_type_and_condition_must_both_match(empty_library, make_group, make_evidence):
    group = make_group(conditions=("alcohol", "depression"), group_type="twelve_step")
    make_evidence("Both, A.", conditions=("alcohol",), group_types=("twelve_step",))
    make_evidence("Other condition, A.", conditions=("drugs",), group_types=("twelve_step",))
    make_evidence("Other type, A.", conditions=("alcohol",), group_types=("peer_support",))
    make_evidence("Second condition, A.", conditions=("depression", "anxiety"))
    assert {r.authors for r in Evidence.objects.for_group(group)} == {
        "Both, A.",
        "Second condition, A.",
    }


def test_no_group_types_means_any_type_and_no_conditions_means_any_condition(
    empty_library, make_group, make_evidence
):
    make_evidence("Any type, A.", conditions=("psychosis",))
    make_evidence("Any condition, A.", group_types=("educational",))
    make_evidence("Anything, A.")
    psychosis_group = make_group(conditions=("psychosis",), group_type="educational")
    gambling_group = make_group(conditions=("gambling",), group_type="peer_support")
    assert {r.authors for r in Evidence.objects.for_group(psychosis_group)} == {
        "Any type, A.",
        "Any condition, A.",
        "Anything, A.",
    }
    assert {r.authors for r in Evidence.objects.for_group(gambling_group)} == {"Anything, A."}


def test_general_records_rank_after_specific_ones(empty_library, make_group, make_evidence):
    group = make_group(conditions=("depression",), group_type="peer_support")
    make_evidence("Mental health broadly, A.", design="rct", conditions=("general_wellbeing",))
    make_evidence("No condition, A.", design="meta_analysis")
    make_evidence("Specific, A.", design="anecdote", conditions=("depression",))
    make_evidence(
        "General with another, A.", design="rct", conditions=("general_wellbeing", "gambling")
    )
    records = list(Evidence.objects.for_group(group))
    assert records[0].authors == "Specific, A." and records[0].condition_specific
    assert all(not r.condition_specific for r in records[1:])
    assert len(records) == 4


def test_general_wellbeing_on_the_group_does_not_make_every_record_specific(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("general_wellbeing",), group_type="activity_based")
    make_evidence("Broad, A.", conditions=("general_wellbeing",))
    make_evidence("Depression only, A.", conditions=("depression",))
    records = list(Evidence.objects.for_group(group))
    assert [r.authors for r in records] == ["Broad, A."]
    assert not records[0].condition_specific


def test_within_a_rank_its_own_type_then_a_shared_audience_then_stronger_designs_come_first(
    empty_library, make_group, make_evidence
):
    group = make_group(
        conditions=("psychosis",), group_type="peer_support", audiences=("carers_family",)
    )
    make_evidence("Any type rct, A.", 2004, design="rct", conditions=("psychosis",))
    make_evidence(
        "Same type anecdote, A.",
        2004,
        design="anecdote",
        conditions=("psychosis",),
        group_types=("peer_support",),
    )
    make_evidence(
        "Carers case study, A.",
        2004,
        design="case_study",
        conditions=("psychosis",),
        audiences=("carers_family",),
    )
    make_evidence("Any type cohort, A.", 2004, design="cohort", conditions=("psychosis",))
    make_evidence(
        "Young people rct, A.",
        2004,
        design="rct",
        conditions=("psychosis",),
        audiences=("young_people",),
    )
    assert [r.authors for r in Evidence.objects.for_group(group)] == [
        "Same type anecdote, A.",
        "Carers case study, A.",
        "Any type rct, A.",
        "Young people rct, A.",
        "Any type cohort, A.",
    ]


def test_newer_records_come_first_among_equals(empty_library, make_group, make_evidence):
    group = make_group()
    make_evidence("Old, A.", 1990, conditions=("alcohol",))
    make_evidence("Undated, A.", None, conditions=("alcohol",))
    make_evidence("New, A.", 2005, conditions=("alcohol",))
    assert [r.authors for r in Evidence.objects.for_group(group)] == [
        "New, A.",
        "Old, A.",
        "Undated, A.",
    ]


def test_unpublished_records_never_match(empty_library, make_group, make_evidence):
    group = make_group()
    make_evidence("Draft, A.", conditions=("alcohol",), published=False)
    assert list(Evidence.objects.published().for_group(group)) == []
    assert summarise(group).records == []


def test_nothing_matches_a_group_the_library_does_not_speak_to(
    empty_library, make_group, make_evidence
):
    make_evidence(conditions=("alcohol",), group_types=("twelve_step",))
    group = make_group(conditions=("gambling",), group_type="faith_based")
    assert keys_for(group) == []


def test_shipped_data_reaches_groups_as_the_issue_says(make_group):
    twelve_step = make_group(conditions=("drugs",), group_type="twelve_step")
    unions = make_group(conditions=("drugs",), group_type="harm_reduction")
    assert "nelles-1990" in keys_for(unions)
    assert "nelles-1990" not in keys_for(twelve_step)
    # A study of self-help groups in general reaches every group for its condition.
    assert "kissin-et-al-2003" in keys_for(twelve_step)
    assert "kissin-et-al-2003" in keys_for(unions)


# --- Search results marker ----------------------------------------------------------


def test_only_groups_with_negative_or_mixed_evidence_get_the_marker_in_one_query(
    make_group, make_evidence
):
    cfs = make_group(conditions=("chronic_fatigue_syndrome",))
    psychosis = make_group(conditions=("psychosis",), group_type="educational")
    unions = make_group(conditions=("drugs",), group_type="harm_reduction")
    aa = make_group(conditions=("alcohol",), group_type="twelve_step")
    na = make_group(conditions=("drugs",), group_type="twelve_step")
    linked = make_group(conditions=("gambling",), group_type="faith_based")
    # Linked to the group directly: it counts whatever its type, for the group's condition.
    make_evidence(
        "Harmful, A.", direction="negative", conditions=("gambling",), group_types=("advocacy",)
    ).groups.add(linked)
    make_evidence("Hidden, A.", direction="negative", conditions=("alcohol",), published=False)
    ids = [g.pk for g in (cfs, psychosis, unions, aa, na, linked)]
    page = list(Group.objects.with_cards().filter(pk__in=ids))
    # Lecomte et al. (clinician-run groups) and Nelles (an opinion) never mark a group.
    assert groups_with_cautions(page) == {cfs.pk, linked.pk}
    assert groups_with_cautions([]) == set()
    # The few cautionary records stay in memory: later pages of results cost no query.
    with CaptureQueriesContext(connection) as queries:
        groups_with_cautions(page)
    assert len(queries) == 0


def test_the_marker_follows_a_change_to_the_library_at_once(make_group, make_evidence):
    group = Group.objects.with_cards().get(pk=make_group(conditions=("gambling",)).pk)
    assert groups_with_cautions([group]) == set()
    record = make_evidence("Later, A.", direction="mixed", conditions=("bipolar",))
    assert groups_with_cautions([group]) == set()
    record.conditions.add(Condition.objects.get(slug="gambling"))
    assert groups_with_cautions([group]) == {group.pk}
    record.is_published = False
    record.save()
    assert groups_with_cautions([group]) == set()


def test_the_marker_agrees_with_the_group_pages(make_group):
    groups = [
        make_group(conditions=(slug,), group_type=kind)
        for slug in ("alcohol", "drugs", "psychosis", "chronic_fatigue_syndrome", "domestic_abuse")
        for kind in ("twelve_step", "peer_support", "harm_reduction", "residential")
    ]
    marked = groups_with_cautions(Group.objects.with_cards().filter(pk__in=[g.pk for g in groups]))
    for group in groups:
        group = Group.objects.with_cards().get(pk=group.pk)
        assert (group.pk in marked) == bool(summarise(group).cautionary), group


def test_the_admins_publish_action_changes_the_marker_at_once(
    admin_client, make_group, make_evidence
):
    group = Group.objects.with_cards().get(pk=make_group(conditions=("gambling",)).pk)
    record = make_evidence(
        "Hidden, A.", direction="negative", conditions=("gambling",), published=False
    )
    assert groups_with_cautions([group]) == set()
    changelist = "/admin/evidence/evidence/"
    admin_client.post(changelist, {"action": "publish", "_selected_action": [record.pk]})
    assert groups_with_cautions([group]) == {group.pk}
    admin_client.post(changelist, {"action": "unpublish", "_selected_action": [record.pk]})
    assert groups_with_cautions([group]) == set()
