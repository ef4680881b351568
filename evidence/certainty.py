"""How certain the evidence is that groups like one help, per condition (issue 12, point 2).

The rules, which the "How we rate evidence" page states in words:

- What counts: outcome studies and systematic reviews of mutual aid, of its facilitation,
  of mixed groups or of groups the source does not describe, whose condition matches. A
  record with no group type counts for every type; carers' studies count only for groups
  whose audience is carers. Records about groups that are not mutual aid never count.
- Where a record starts: randomised trials and systematic reviews or meta-analyses high;
  non-randomised, before-and-after, cohort and cross-sectional studies low; case reports,
  anecdotes and studies whose design is not reported very low.
- Rating down, one level for each of indirectness, imprecision and publication bias, at
  most two levels in all, never below very low.
- A condition's rating is the highest level any counting record reaches; its direction
  comes from the records at that level ("mixed" if they disagree); the records below are
  listed as supporting or conflicting.

Pure functions over small frozen value objects, so that the group page, the API, the
search results' badge and the gap map all use exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .models import COUNTING_SUBJECTS, GENERAL_CONDITION, OUTCOME_KINDS, Design, Origin, Studied

CARERS = "carers_family"
SMALL_SAMPLE = 100
MAX_DOWNGRADE = 2


class Level(IntEnum):
    NONE = 0
    VERY_LOW = 1
    LOW = 2
    MODERATE = 3
    HIGH = 4

    @property
    def label(self) -> str:
        return {0: "none", 1: "very low", 2: "low", 3: "moderate", 4: "high"}[self.value]

    @property
    def slug(self) -> str:
        return self.label.replace(" ", "_")

    @classmethod
    def from_slug(cls, slug: str) -> Level:
        return next(level for level in cls if level.slug == slug)


THIN_LEVELS = frozenset({Level.NONE, Level.VERY_LOW, Level.LOW})

START: dict[str, Level] = {
    Design.RCT: Level.HIGH,
    Design.META_ANALYSIS: Level.HIGH,
    Design.SYSTEMATIC_REVIEW: Level.HIGH,
    Design.NON_RANDOMISED_CONTROLLED: Level.LOW,
    Design.BEFORE_AFTER: Level.LOW,
    Design.COHORT: Level.LOW,
    Design.CROSS_SECTIONAL_SURVEY: Level.LOW,
    Design.CASE_STUDY: Level.VERY_LOW,
    Design.ANECDOTE: Level.VERY_LOW,
    Design.OTHER: Level.VERY_LOW,
}


class Domain:
    INDIRECTNESS = "indirectness"
    IMPRECISION = "imprecision"
    PUBLICATION_BIAS = "publication bias"


@dataclass(frozen=True)
class Downgrade:
    domain: str
    reason: str

    @property
    def text(self) -> str:
        return f"{self.domain}: {self.reason}"


@dataclass(frozen=True)
class RecordFacts:
    """What the rules read of a record (built from a record with its tags prefetched)."""

    pk: int
    kind: str
    studied: str
    design: str
    direction: str
    sample_size: int | None
    origin: str
    conditions: frozenset[str]
    types: frozenset[str]
    audiences: frozenset[str] = frozenset()
    groups: frozenset[int] = frozenset()

    @classmethod
    def of(cls, record: Any) -> RecordFacts:
        return cls(
            pk=record.pk,
            kind=record.kind,
            studied=record.studied,
            design=record.design,
            direction=record.outcome_direction,
            sample_size=record.sample_size,
            origin=record.origin,
            conditions=frozenset(c.slug for c in record.conditions.all()),
            types=frozenset(t.slug for t in record.group_types.all()),
            audiences=frozenset(a.slug for a in record.audiences.all()),
            groups=frozenset(g.pk for g in record.groups.all()),
        )


@dataclass(frozen=True)
class GroupFacts:
    """What the rules read of a group: its type, conditions (in order) and audiences."""

    group_type: str | None
    conditions: tuple[str, ...]
    audiences: frozenset[str] = frozenset()
    pk: int | None = None

    @classmethod
    def of(cls, group: Any) -> GroupFacts:
        return cls(
            group_type=group.group_type.slug,
            conditions=tuple(c.slug for c in group.condition_terms),
            audiences=frozenset(a.slug for a in group.audience_terms),
            pk=group.pk,
        )

    @property
    def rated_conditions(self) -> tuple[str, ...]:
        """At most three lines: named conditions first, general wellbeing last."""
        named = [c for c in self.conditions if c != GENERAL_CONDITION]
        general = [c for c in self.conditions if c == GENERAL_CONDITION]
        return tuple(named + general)[:3]


@dataclass(frozen=True)
class RatedRecord:
    """A record's level: where it started, and every reason to rate it down (of which at
    most two were applied, and never below very low)."""

    facts: RecordFacts
    start: Level
    level: Level
    downgrades: tuple[Downgrade, ...]

    @property
    def levels_down(self) -> int:
        return self.start - self.level


@dataclass(frozen=True)
class HandSet:
    """A rating the directory's editors set for a condition and group type."""

    level: Level
    direction: str
    reason: str
    set_on: Any
    records: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ConditionRating:
    condition: str
    level: Level
    direction: str
    headline: tuple[RatedRecord, ...] = ()
    supporting: tuple[RatedRecord, ...] = ()
    conflicting: tuple[RatedRecord, ...] = ()
    computed_level: Level = Level.NONE
    hand_set: HandSet | None = None
    warnings: tuple[RatedRecord, ...] = field(default=())

    @property
    def is_thin(self) -> bool:
        return self.level in THIN_LEVELS

    @property
    def counted(self) -> tuple[RatedRecord, ...]:
        return self.headline + self.supporting + self.conflicting


# --- What counts --------------------------------------------------------------------


def may_count(facts: RecordFacts) -> bool:
    """An outcome study or systematic review of something that may be mutual aid."""
    return facts.kind in OUTCOME_KINDS and facts.studied in COUNTING_SUBJECTS


def counts_for(facts: RecordFacts, group: GroupFacts, condition: str) -> bool:
    """Whether a record counts towards a group's rating for one of its conditions."""
    if not may_count(facts) or condition not in facts.conditions:
        return False
    if CARERS in facts.audiences and CARERS not in group.audiences:
        return False
    direct = group.pk is not None and group.pk in facts.groups
    return direct or not facts.types or group.group_type in facts.types


# --- Rating one record --------------------------------------------------------------


def downgrades(facts: RecordFacts, group: GroupFacts | None = None) -> tuple[Downgrade, ...]:
    """Every reason to rate the record down, at most one per domain."""
    found = []
    indirect = _indirectness(facts, group)
    if indirect:
        found.append(Downgrade(Domain.INDIRECTNESS, indirect))
    if facts.sample_size is None:
        found.append(Downgrade(Domain.IMPRECISION, "its sample size is not reported"))
    elif facts.sample_size < SMALL_SAMPLE:
        found.append(Downgrade(Domain.IMPRECISION, f"fewer than {SMALL_SAMPLE} people took part"))
    if facts.origin == Origin.REVIEW_2008:
        found.append(
            Downgrade(Domain.PUBLICATION_BIAS, "the 2008 review warns of publication bias")
        )
    return tuple(found)


def _indirectness(facts: RecordFacts, group: GroupFacts | None) -> str:
    if facts.studied == Studied.FACILITATION:
        return "it studied professional facilitation of attendance, not the groups themselves"
    if facts.studied == Studied.MIXED:
        return "the groups were started or supported by professionals"
    direct = group is not None and group.pk is not None and group.pk in facts.groups
    if not facts.types and not direct:
        return "it is not about one type of group"
    return ""


def rate_record(facts: RecordFacts, group: GroupFacts | None = None) -> RatedRecord:
    start = START.get(facts.design, Level.VERY_LOW)  # any other design: very low
    found = downgrades(facts, group)
    level = Level(max(Level.VERY_LOW, start - min(len(found), MAX_DOWNGRADE)))
    return RatedRecord(facts, start, level, found)


# --- Combining ----------------------------------------------------------------------


def combine(condition: str, rated: Sequence[RatedRecord]) -> ConditionRating:
    """The highest level any record reaches, the direction of the records at that level
    (mixed if they disagree), and the rest as supporting or conflicting."""
    if not rated:
        return ConditionRating(condition, Level.NONE, "")
    ordered = sorted(rated, key=lambda r: (-r.level, -r.start, r.facts.pk))
    top = ordered[0].level
    headline = tuple(r for r in ordered if r.level == top)
    directions = {r.facts.direction for r in headline}
    direction = directions.pop() if len(directions) == 1 else "mixed"
    below = [r for r in ordered if r.level < top]
    return ConditionRating(
        condition,
        top,
        direction,
        headline=headline,
        supporting=tuple(r for r in below if r.facts.direction == direction),
        conflicting=tuple(r for r in below if r.facts.direction != direction),
        computed_level=top,
        warnings=tuple(r for r in ordered if r.facts.direction in ("negative", "mixed")),
    )


def rate_condition(
    records: Iterable[RecordFacts],
    group: GroupFacts,
    condition: str,
    hand_set: HandSet | None = None,
) -> ConditionRating:
    rated = [rate_record(r, group) for r in records if counts_for(r, group, condition)]
    computed = combine(condition, rated)
    return apply_hand_set(computed, hand_set) if hand_set else computed


def apply_hand_set(computed: ConditionRating, hand_set: HandSet) -> ConditionRating:
    """The editors' level; their direction, or the computed one if they gave none."""
    direction = "" if hand_set.level == Level.NONE else hand_set.direction or computed.direction
    return ConditionRating(
        computed.condition,
        hand_set.level,
        direction,
        headline=computed.headline,
        supporting=computed.supporting,
        conflicting=computed.conflicting,
        computed_level=computed.level,
        hand_set=hand_set,
        warnings=computed.warnings,
    )


def rate_group(
    records: Iterable[RecordFacts],
    group: GroupFacts,
    hand_set: dict[tuple[str, str | None], HandSet] | None = None,
) -> list[ConditionRating]:
    """One rating per condition, at most three."""
    records = list(records)
    chosen = hand_set or {}
    return [
        rate_condition(records, group, condition, chosen.get((condition, group.group_type)))
        for condition in group.rated_conditions
    ]


def hand_set_allowed(hand_set: HandSet, computed: Level) -> bool:
    """An editors' rating may only be lower than the computed one, or cite its records."""
    return hand_set.level < computed or bool(hand_set.records)


# --- Words --------------------------------------------------------------------------

STATEMENTS: dict[str, dict[Level, str]] = {
    "positive": {
        Level.HIGH: "Groups like this help",
        Level.MODERATE: "Groups like this probably help",
        Level.LOW: "Groups like this may help",
        Level.VERY_LOW: "Groups like this possibly help, but the evidence is very uncertain",
    },
    "negative": {
        Level.HIGH: "Membership of groups like this is associated with worse outcomes",
        Level.MODERATE: "Membership of groups like this is probably associated with worse outcomes",
        Level.LOW: "Membership of groups like this may be associated with worse outcomes",
        Level.VERY_LOW: (
            "Membership of groups like this is possibly associated with worse outcomes, but "
            "the evidence is very uncertain"
        ),
    },
    "no_effect": {
        Level.HIGH: "Groups like this make little or no difference",
        Level.MODERATE: "Groups like this probably make little or no difference",
        Level.LOW: "Groups like this may make little or no difference",
        Level.VERY_LOW: (
            "Groups like this possibly make little or no difference, but the evidence is very "
            "uncertain"
        ),
    },
}


def statement(level: Level, direction: str) -> str:
    """Which way the evidence points, in GRADE's hedged words."""
    if level == Level.NONE:
        return ""
    if direction == "mixed":
        return "Studies of groups like this point different ways"
    if direction == "inconclusive":
        return (
            "Groups like this have been studied, but the studies could not tell whether they help"
        )
    return STATEMENTS[direction][level]
