"""The certainty rules (issue 12, point 2), on records built in memory: what counts, where
ratings start, rating down, combining, hand-set ratings and the hedged words."""

from __future__ import annotations

import itertools

import pytest

from evidence.certainty import (
    MAX_DOWNGRADE,
    START,
    Domain,
    GroupFacts,
    HandSet,
    Level,
    RecordFacts,
    apply_hand_set,
    combine,
    counts_for,
    hand_set_allowed,
    rate_condition,
    rate_group,
    rate_record,
    statement,
)
from evidence.models import Design, Direction, Kind, Origin, Studied

# The rules need no database; the suite's autouse cache fixture does.
pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def record(**values) -> RecordFacts:
    fields = {
        "pk": next(_ids),
        "kind": Kind.OUTCOME_STUDY,
        "studied": Studied.MUTUAL_AID,
        "design": Design.RCT,
        "direction": Direction.POSITIVE,
        "sample_size": 500,
        "origin": Origin.SOURCE_ITSELF,
        "conditions": frozenset({"alcohol"}),
        "types": frozenset({"twelve_step"}),
    }
    fields.update(values)
    return RecordFacts(**fields)


AA = GroupFacts(group_type="twelve_step", conditions=("alcohol",))


# --- What counts --------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.OUTCOME_STUDY, Kind.SYSTEMATIC_REVIEW])
def test_outcome_studies_and_systematic_reviews_count(kind):
    assert counts_for(record(kind=kind), AA, "alcohol")


@pytest.mark.parametrize(
    "kind", [Kind.DESCRIPTIVE, Kind.OPINION, Kind.OWN_FIGURES, Kind.BACKGROUND]
)
def test_accounts_opinions_own_figures_and_background_never_count(kind):
    assert not counts_for(record(kind=kind, direction=""), AA, "alcohol")


@pytest.mark.parametrize(
    ("studied", "counts"),
    [
        (Studied.MUTUAL_AID, True),
        (Studied.FACILITATION, True),
        (Studied.MIXED, True),
        (Studied.NOT_STATED, True),
        (Studied.NOT_MUTUAL_AID, False),
    ],
)
def test_groups_that_are_not_mutual_aid_never_count(studied, counts):
    assert counts_for(record(studied=studied), AA, "alcohol") is counts


def test_the_condition_must_match():
    assert not counts_for(record(conditions=frozenset({"drugs"})), AA, "alcohol")
    both = GroupFacts(group_type="twelve_step", conditions=("alcohol", "drugs"))
    assert counts_for(record(conditions=frozenset({"drugs"})), both, "drugs")
    assert not counts_for(record(conditions=frozenset({"drugs"})), both, "alcohol")


def test_a_record_with_no_group_type_counts_for_every_type_of_its_condition():
    any_type = record(types=frozenset())
    for group_type in ("twelve_step", "peer_support", "residential"):
        assert counts_for(any_type, GroupFacts(group_type, ("alcohol",)), "alcohol")
    assert not counts_for(record(types=frozenset({"peer_support"})), AA, "alcohol")


def test_a_record_linked_to_the_group_counts_whatever_its_type():
    linked = record(types=frozenset({"advocacy"}), groups=frozenset({7}))
    assert counts_for(linked, GroupFacts("twelve_step", ("alcohol",), pk=7), "alcohol")
    assert not counts_for(linked, GroupFacts("twelve_step", ("alcohol",), pk=8), "alcohol")


def test_carers_studies_count_only_for_groups_for_carers():
    carers = record(audiences=frozenset({"carers_family"}), conditions=frozenset({"psychosis"}))
    voices = GroupFacts("twelve_step", ("psychosis",))
    circle = GroupFacts("twelve_step", ("psychosis",), audiences=frozenset({"carers_family"}))
    assert not counts_for(carers, voices, "psychosis")
    assert counts_for(carers, circle, "psychosis")
    # Other audiences do not restrict a record.
    women = record(audiences=frozenset({"women"}))
    assert counts_for(women, AA, "alcohol")


# --- Where ratings start, and rating down -------------------------------------------


@pytest.mark.parametrize(
    ("design", "level"),
    [
        (Design.RCT, Level.HIGH),
        (Design.SYSTEMATIC_REVIEW, Level.HIGH),
        (Design.META_ANALYSIS, Level.HIGH),
        (Design.NON_RANDOMISED_CONTROLLED, Level.LOW),
        (Design.BEFORE_AFTER, Level.LOW),
        (Design.COHORT, Level.LOW),
        (Design.CROSS_SECTIONAL_SURVEY, Level.LOW),
        (Design.CASE_STUDY, Level.VERY_LOW),
        (Design.ANECDOTE, Level.VERY_LOW),
        (Design.OTHER, Level.VERY_LOW),
    ],
)
def test_where_ratings_start(design, level):
    rated = rate_record(record(design=design))
    assert rated.start == level and rated.level == level and not rated.downgrades


@pytest.mark.parametrize(
    ("values", "domain"),
    [
        ({"studied": Studied.FACILITATION}, Domain.INDIRECTNESS),
        ({"studied": Studied.MIXED}, Domain.INDIRECTNESS),
        ({"types": frozenset()}, Domain.INDIRECTNESS),
        ({"sample_size": 99}, Domain.IMPRECISION),
        ({"sample_size": None}, Domain.IMPRECISION),
        ({"origin": Origin.REVIEW_2008}, Domain.PUBLICATION_BIAS),
    ],
)
def test_each_reason_rates_down_one_level(values, domain):
    rated = rate_record(record(**values))
    assert rated.level == Level.MODERATE
    assert [d.domain for d in rated.downgrades] == [domain]


def test_a_hundred_people_is_not_imprecise():
    assert rate_record(record(sample_size=100)).level == Level.HIGH


def test_one_level_each_domain_however_many_reasons_in_it():
    rated = rate_record(record(studied=Studied.FACILITATION, types=frozenset()))
    assert rated.level == Level.MODERATE
    assert [d.domain for d in rated.downgrades] == [Domain.INDIRECTNESS]


def test_at_most_two_levels_in_all_and_never_below_very_low():
    worst = {"types": frozenset(), "sample_size": None, "origin": Origin.REVIEW_2008}
    rated = rate_record(record(**worst))
    assert len(rated.downgrades) == 3
    assert rated.level == Level(START[Design.RCT] - MAX_DOWNGRADE) == Level.LOW
    assert rate_record(record(design=Design.COHORT, **worst)).level == Level.VERY_LOW
    assert rate_record(record(design=Design.ANECDOTE, **worst)).level == Level.VERY_LOW


def test_the_review_evidence_is_rated_down_for_publication_bias_and_sources_read_directly_not():
    assert rate_record(record(origin=Origin.REVIEW_2008)).level == Level.MODERATE
    assert rate_record(record(origin=Origin.SOURCE_ITSELF)).level == Level.HIGH


# --- Combining records --------------------------------------------------------------


def test_a_condition_takes_the_highest_level_any_counting_record_reaches():
    trial = record(sample_size=50)  # moderate
    cohort = record(design=Design.COHORT)  # low
    rating = rate_condition([cohort, trial], AA, "alcohol")
    assert rating.level == Level.MODERATE
    assert [r.facts for r in rating.headline] == [trial]
    assert [r.facts for r in rating.supporting] == [cohort]


def test_its_direction_comes_from_the_records_at_that_level_and_is_mixed_if_they_disagree():
    good = record()
    bad = record(direction=Direction.NEGATIVE)
    below = record(design=Design.COHORT, direction=Direction.NEGATIVE)
    assert rate_condition([good, below], AA, "alcohol").direction == "positive"
    rating = rate_condition([good, bad, below], AA, "alcohol")
    assert rating.direction == "mixed"
    assert {r.facts.pk for r in rating.headline} == {good.pk, bad.pk}
    assert [r.facts for r in rating.conflicting] == [below]


def test_records_below_are_supporting_or_conflicting():
    top = record()
    agrees = record(design=Design.COHORT)
    disagrees = record(design=Design.ANECDOTE, direction=Direction.NO_EFFECT)
    rating = rate_condition([disagrees, agrees, top], AA, "alcohol")
    assert [r.facts for r in rating.supporting] == [agrees]
    assert [r.facts for r in rating.conflicting] == [disagrees]


def test_warnings_come_only_from_records_that_count():
    harmful = record(direction=Direction.NEGATIVE, studied=Studied.NOT_MUTUAL_AID)
    opinion = record(kind=Kind.OPINION, direction="")
    assert rate_condition([harmful, opinion], AA, "alcohol").warnings == ()
    counted = record(direction=Direction.MIXED)
    assert [r.facts for r in rate_condition([counted], AA, "alcohol").warnings] == [counted]


def test_nothing_counts_is_none_with_no_direction():
    rating = rate_condition([record(studied=Studied.NOT_MUTUAL_AID)], AA, "alcohol")
    assert (rating.level, rating.direction, rating.is_thin) == (Level.NONE, "", True)
    assert combine("alcohol", []).level == Level.NONE


@pytest.mark.parametrize(
    ("level", "thin"),
    [
        (Level.HIGH, False),
        (Level.MODERATE, False),
        (Level.LOW, True),
        (Level.VERY_LOW, True),
        (Level.NONE, True),
    ],
)
def test_thin_is_low_very_low_or_none(level, thin):
    assert (
        combine("alcohol", []).__class__(condition="x", level=level, direction="").is_thin is thin
    )


def test_a_group_is_rated_on_at_most_three_conditions_named_ones_first():
    group = GroupFacts(
        "peer_support", ("general_wellbeing", "alcohol", "drugs", "gambling", "anxiety")
    )
    assert [r.condition for r in rate_group([], group)] == ["alcohol", "drugs", "gambling"]
    general = GroupFacts("peer_support", ("general_wellbeing", "alcohol"))
    assert general.rated_conditions == ("alcohol", "general_wellbeing")


# --- Ratings set by hand ------------------------------------------------------------


def hand(level: Level, records: frozenset[int] = frozenset(), direction: str = "") -> HandSet:
    return HandSet(level, direction, "A reason.", "2026-12-01", records)


def test_a_hand_set_rating_may_only_be_lower_than_computed_or_cite_its_records():
    assert hand_set_allowed(hand(Level.LOW), Level.MODERATE)
    assert not hand_set_allowed(hand(Level.MODERATE), Level.MODERATE)
    assert not hand_set_allowed(hand(Level.HIGH), Level.MODERATE)
    assert hand_set_allowed(hand(Level.HIGH, frozenset({1})), Level.MODERATE)


def test_a_hand_set_rating_replaces_the_level_keeps_the_records_and_says_what_was_computed():
    computed = rate_condition([record(sample_size=50)], AA, "alcohol")
    rating = apply_hand_set(computed, hand(Level.LOW))
    assert (rating.level, rating.computed_level, rating.direction) == (
        Level.LOW,
        Level.MODERATE,
        "positive",
    )
    assert rating.headline == computed.headline and rating.hand_set is not None
    assert apply_hand_set(computed, hand(Level.NONE, direction="positive")).direction == ""
    assert apply_hand_set(computed, hand(Level.LOW, direction="mixed")).direction == "mixed"


def test_rate_group_uses_the_hand_set_rating_for_its_condition_and_type_only():
    group = GroupFacts("twelve_step", ("alcohol", "drugs"))
    records = [record(), record(conditions=frozenset({"drugs"}))]
    ratings = rate_group(records, group, {("alcohol", "twelve_step"): hand(Level.LOW)})
    assert [r.level for r in ratings] == [Level.LOW, Level.HIGH]
    other = rate_group(records, group, {("alcohol", "peer_support"): hand(Level.LOW)})
    assert [r.level for r in other] == [Level.HIGH, Level.HIGH]


# --- Words --------------------------------------------------------------------------


def test_the_words_are_hedged_as_grade_hedges_them():
    assert statement(Level.HIGH, "positive") == "Groups like this help"
    assert "probably help" in statement(Level.MODERATE, "positive")
    assert "may help" in statement(Level.LOW, "positive")
    very_low = statement(Level.VERY_LOW, "positive")
    assert "possibly" in very_low and "very uncertain" in very_low
    assert "may be associated with worse outcomes" in statement(Level.LOW, "negative")
    assert "possibly associated with worse outcomes" in statement(Level.VERY_LOW, "negative")
    assert "could not tell" in statement(Level.LOW, "inconclusive")
    assert "different ways" in statement(Level.HIGH, "mixed")
    assert statement(Level.NONE, "") == ""
    for level in (Level.HIGH, Level.MODERATE, Level.LOW, Level.VERY_LOW):
        for direction in ("positive", "negative", "no_effect", "mixed", "inconclusive"):
            words = statement(level, direction).lower()
            for strong in ("recommend", "should", "proven", "effective"):
                assert strong not in words
