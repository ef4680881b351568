"""What the evidence says about a group: a certainty line per condition first, the cautions
that follow from the records that count, the records themselves, and the rest as
background.

The group page, the JSON API and the search results' badge all use this module and the
rules in evidence.certainty, so they never disagree. Its wording describes the evidence
and never recommends: a clinician decides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest

from directory.memo import Memo
from groups.models import Condition, Group, GroupType

__all__ = ["REVIEW_CITATION", "GroupEvidence", "evidence_json", "groups_with_cautions", "summarise"]

from . import certainty
from .certainty import ConditionRating, GroupFacts, HandSet, Level, RatedRecord, RecordFacts
from .models import Design, EditorsRating, Evidence, Origin, Studied
from .review_words import (
    BOUNDARIES,
    CAVEATS_SENTENCE,
    HARM_REDUCTION,
    REVIEW_AGE,
    REVIEW_CITATION,
    REVIEW_SHORT,
)

HARM_REDUCTION_TYPE = "harm_reduction"

# How a condition reads in running text where its name alone would not.
CONDITION_PHRASES = {
    "alcohol": "alcohol problems",
    "drugs": "drug problems",
    "gambling": "gambling problems",
    "general_wellbeing": "mental health and wellbeing in general",
    "chronic_fatigue_syndrome": "ME/CFS (chronic fatigue syndrome)",
}

DESIGN_NOUNS: dict[str, tuple[str, str]] = {
    Design.SYSTEMATIC_REVIEW: ("systematic review", "systematic reviews"),
    Design.META_ANALYSIS: ("meta-analysis", "meta-analyses"),
    Design.REVIEW: ("review", "reviews"),
    Design.RCT: ("randomised controlled trial", "randomised controlled trials"),
    Design.NON_RANDOMISED_CONTROLLED: (
        "non-randomised controlled study",
        "non-randomised controlled studies",
    ),
    Design.COHORT: ("cohort study", "cohort studies"),
    Design.BEFORE_AFTER: ("before-and-after study", "before-and-after studies"),
    Design.CROSS_SECTIONAL_SURVEY: ("cross-sectional survey", "cross-sectional surveys"),
    Design.QUALITATIVE: ("qualitative study", "qualitative studies"),
    Design.CASE_STUDY: ("case study", "case studies"),
    Design.ACTION_RESEARCH: ("action research study", "action research studies"),
    Design.ANECDOTE: ("anecdotal report", "anecdotal reports"),
    Design.GUIDELINE: ("guideline", "guidelines"),
    Design.OTHER: ("study whose design is not reported", "studies whose design is not reported"),
}
# Why a record about a group's condition does not count, for the "none" wording.
NOT_COUNTED_BECAUSE = {
    "not_mutual_aid": (
        "studied groups that were not mutual aid",
        "studied groups that were not mutual aid",
    ),
    "carers": ("is about carers' groups", "are about carers' groups"),
    "kind": ("is not an outcome study", "are not outcome studies"),
}


TAG_CLASSES = {
    Level.HIGH: "nhsuk-tag--green",
    Level.MODERATE: "nhsuk-tag--blue",
    Level.LOW: "nhsuk-tag--yellow",
    Level.VERY_LOW: "nhsuk-tag--orange",
    Level.NONE: "nhsuk-tag--grey",
}


class CautionKind:
    NEGATIVE = "negative"
    MIXED = "mixed"
    THIN = "thin"
    HARM_REDUCTION = "harm_reduction"
    BOUNDARIES = "boundaries"


CAUTIONARY_KINDS = frozenset({CautionKind.NEGATIVE, CautionKind.MIXED})
CAUTION_HEADINGS = {
    CautionKind.NEGATIVE: "Negative evidence",
    CautionKind.MIXED: "Mixed evidence",
    CautionKind.THIN: "The evidence is thin",
    CautionKind.HARM_REDUCTION: "Members may still be using drugs",
    CautionKind.BOUNDARIES: "Boundaries between mutual aid and clinical care",
}


@dataclass(frozen=True)
class Caution:
    kind: str
    text: str
    records: tuple[Evidence, ...] = ()

    @property
    def heading(self) -> str:
        return CAUTION_HEADINGS[self.kind]

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "evidence": [r.pk for r in self.records]}


@dataclass
class Counted:
    """A record that counts for a line, with how it was rated and how it relates."""

    record: Evidence
    rated: RatedRecord
    role: str  # "headline", "supporting" or "conflicting"

    @property
    def level(self) -> str:
        return self.rated.level.label

    @property
    def reasons(self) -> list[str]:
        return [d.text for d in self.rated.downgrades]


@dataclass
class Line:
    """One condition's certainty line."""

    condition: Condition
    rating: ConditionRating
    counted: list[Counted]
    about_condition: list[Evidence]
    library_has_condition: bool
    group_type: GroupType

    @property
    def phrase(self) -> str:
        return condition_phrase(self.condition)

    @property
    def level(self) -> str:
        return self.rating.level.label

    @property
    def tag_class(self) -> str:
        """An NHS.UK tag colour; the level is always in words beside it."""
        return TAG_CLASSES[self.rating.level]

    @property
    def headline(self) -> list[Counted]:
        return [c for c in self.counted if c.role == "headline"]

    @property
    def statement(self) -> str:
        """'Groups like this probably help (continuous abstinence).', or the none wording."""
        if self.rating.level == Level.NONE:
            return self.none_text
        words = certainty.statement(self.rating.level, self.rating.direction)
        outcomes = "; ".join(
            _unique(c.record.main_outcome for c in self.headline if c.record.main_outcome)
        )
        measured = f" (what was measured: {outcomes})" if outcomes else ""
        return f"{words}{measured}."

    @property
    def rests_on(self) -> str:
        """What the rating rests on, with the reasons it was rated down."""
        if not self.headline:
            return ""
        parts = [_rests_on_one(c) for c in self.headline]
        text = "It rests on " + "; and ".join(parts) + "."
        others = [c for c in self.counted if c.role != "headline"]
        if others:
            same = sum(c.role == "supporting" for c in others)
            differ = len(others) - same
            bits = []
            if same:
                bits.append(
                    f"{_count(same, 'study', 'studies')} of lower certainty point the same way"
                )
            if differ:
                bits.append(
                    f"{_count(differ, 'study', 'studies')} of lower certainty point another way"
                )
            text += " " + _join(bits, "and").capitalize() + "."
        return text

    @property
    def none_text(self) -> str:
        if not self.library_has_condition:
            return (
                f"The review contains no evidence about groups for {self.phrase}, and the "
                "library holds no newer source about them."
            )
        text = f"No outcome study of groups like this for {self.phrase} counts towards a rating."
        if not self.about_condition:
            return (
                text + f" The library's records about {self.phrase} are about other types of group."
            )
        reasons = Counter(_why_not_counted(r) for r in self.about_condition)
        bits = [
            f"{_count(n, 'record', 'records')} {NOT_COUNTED_BECAUSE[why][0 if n == 1 else 1]}"
            for why, n in reasons.items()
        ]
        listed = "it is" if len(self.about_condition) == 1 else "they are"
        return (
            f"{text} Of the library's records about {self.phrase} that match this kind of "
            f"group, {_join(bits, 'and')}; {listed} listed below."
        )

    @property
    def set_by_editors(self) -> str:
        hand_set = self.rating.hand_set
        if hand_set is None:
            return ""
        return f"Set by the directory's editors on {hand_set.set_on:%-d %B %Y}: {hand_set.reason}"

    def as_json(self, request: HttpRequest) -> dict[str, Any]:
        hand_set = self.rating.hand_set
        return {
            "condition": self.condition.slug,
            "level": self.rating.level.slug,
            "direction": self.rating.direction or None,
            "statement": self.statement,
            "reasons": _unique(r for c in self.headline for r in c.reasons),
            "sources": [
                {
                    "id": c.record.pk,
                    "citation": c.record.citation,
                    "year": c.record.year,
                    "level": c.rated.level.slug,
                    "role": c.role,
                    "url": request.build_absolute_uri(c.record.get_absolute_url()),
                }
                for c in self.counted
            ],
            "set_by_editors": (
                {"date": hand_set.set_on.isoformat(), "reason": hand_set.reason}
                if hand_set
                else None
            ),
        }


@dataclass
class GroupEvidence:
    """The evidence for one group. records are every published record that speaks to it
    (Evidence.objects.for_group()); lines say how certain the evidence is per condition."""

    group: Group
    records: list[Evidence]
    lines: list[Line] = field(default_factory=list)
    cautions: list[Caution] = field(default_factory=list)

    @property
    def counted_ids(self) -> set[int]:
        return {c.record.pk for line in self.lines for c in line.counted}

    @property
    def background(self) -> list[Evidence]:
        """Everything that speaks to the group but counts for none of its lines."""
        counted = self.counted_ids
        rest = [r for r in self.records if r.pk not in counted]
        return sorted(rest, key=lambda r: r.studied != Studied.NOT_MUTUAL_AID)

    @property
    def not_mutual_aid(self) -> list[Evidence]:
        return [r for r in self.background if r.studied == Studied.NOT_MUTUAL_AID]

    @property
    def other_background(self) -> list[Evidence]:
        return [r for r in self.background if r.studied != Studied.NOT_MUTUAL_AID]

    @property
    def cautionary(self) -> list[Caution]:
        """Cautions for negative or mixed evidence, the ones that mark search results."""
        return [c for c in self.cautions if c.kind in CAUTIONARY_KINDS]

    @property
    def has_negative(self) -> bool:
        return any(c.kind == CautionKind.NEGATIVE for c in self.cautions)

    @property
    def sources(self) -> str:
        """Where what the page shows comes from, and how old it is."""
        shown = self.records
        parts = []
        if any(r.origin == Origin.REVIEW_2008 for r in shown):
            parts.append(REVIEW_AGE)
        for record in shown:
            if record.origin == Origin.SOURCE_ITSELF:
                noun = DESIGN_NOUNS[record.design][0]
                # Where it was published says what kind of source it is (a Cochrane
                # review, a NICE guideline) better than its design alone.
                where = record.venue.split(",")[0].strip()
                published = f" ({where})" if where else ""
                parts.append(f"{record.short_citation}, {_article(noun)} {noun}{published}")
        if not parts:
            return ""
        return "This comes from " + _join(_unique(parts), "and") + "."

    @property
    def caveats(self) -> str:
        return CAVEATS_SENTENCE

    @property
    def text(self) -> str:
        """The certainty lines as one paragraph (the API's evidence_summary)."""
        return " ".join(
            f"{line.condition.name}: {line.level} certainty. {line.statement}"
            for line in self.lines
        )


# --- Building it --------------------------------------------------------------------


def summarise(group: Group) -> GroupEvidence:
    """The matching records (with their tags, in a fixed number of queries), the lines,
    and the cautions."""
    records = list(
        Evidence.objects.published()
        .for_group(group)
        .prefetch_related(
            "conditions",
            "group_types",
            "audiences",
            Prefetch("groups", queryset=Group.objects.only("pk")),
        )
    )
    facts = {r.pk: RecordFacts.of(r) for r in records}
    group_facts = GroupFacts.of(group)
    hand_set = _hand_set_for(group, group_facts)
    index = _library.get()
    conditions = {c.slug: c for c in group.condition_terms}
    lines = []
    for rating in certainty.rate_group(facts.values(), group_facts, hand_set):
        lines.append(_line(rating, conditions[rating.condition], records, facts, group, index))
    evidence = GroupEvidence(group=group, records=records, lines=lines)
    evidence.cautions = cautions(evidence)
    return evidence


def _line(
    rating: ConditionRating,
    condition: Condition,
    records: list[Evidence],
    facts: dict[int, RecordFacts],
    group: Group,
    index: LibraryIndex,
) -> Line:
    by_pk = {r.pk: r for r in records}
    counted = [
        Counted(by_pk[rated.facts.pk], rated, role)
        for role, group_of in (
            ("headline", rating.headline),
            ("supporting", rating.supporting),
            ("conflicting", rating.conflicting),
        )
        for rated in group_of
    ]
    counted_ids = {c.record.pk for c in counted}
    about = [
        r for r in records if condition.slug in facts[r.pk].conditions and r.pk not in counted_ids
    ]
    return Line(
        condition=condition,
        rating=rating,
        counted=counted,
        about_condition=about,
        library_has_condition=condition.slug in index.conditions,
        group_type=group.listed_type(),
    )


def _hand_set_for(group: Group, facts: GroupFacts) -> dict[tuple[str, str | None], HandSet]:
    ratings = (
        EditorsRating.objects.filter(
            group_type=group.group_type_id, condition__slug__in=facts.rated_conditions
        )
        .select_related("condition")
        .prefetch_related("records")
    )
    return {(r.condition.slug, facts.group_type): hand_set_of(r) for r in ratings}


def hand_set_of(rating: EditorsRating) -> HandSet:
    return HandSet(
        level=Level.from_slug(rating.level),
        direction=rating.direction,
        reason=rating.reason,
        set_on=rating.set_on,
        records=frozenset(r.pk for r in rating.records.all()),
    )


def _why_not_counted(record: Evidence) -> str:
    if record.studied == Studied.NOT_MUTUAL_AID:
        return "not_mutual_aid"
    if record.may_count:
        return "carers"
    return "kind"


def evidence_json(group: Group, request: HttpRequest) -> dict[str, Any]:
    """The fields GET /api/groups/<id>/ gains: certainty, evidence, evidence_summary and
    cautions."""
    evidence = summarise(group)
    counted = evidence.counted_ids
    return {
        "certainty": [line.as_json(request) for line in evidence.lines],
        "evidence": [record_json(r, request, r.pk in counted) for r in evidence.records],
        "evidence_summary": evidence.text,
        "cautions": [c.as_json() for c in evidence.cautions],
    }


def record_json(record: Evidence, request: HttpRequest, counts: bool) -> dict[str, Any]:
    return {
        "id": record.pk,
        "citation": record.citation,
        "year": record.year,
        "kind": record.kind,
        "studied": record.studied,
        "design": record.design,
        "sample_size": record.sample_size,
        "country": record.country or None,
        "outcome_direction": record.outcome_direction or None,
        "counts": counts,
        "finding": record.finding,
        "url": request.build_absolute_uri(record.get_absolute_url()),
        "source_url": record.source_url or None,
    }


# --- The library in memory: for the search results' badge and the "none" wording ----


@dataclass(frozen=True)
class LibraryIndex:
    counting: tuple[RecordFacts, ...]
    conditions: frozenset[str]


def _load_library() -> LibraryIndex:
    published = Evidence.objects.published()
    counting = published.counting().prefetch_related(
        "conditions",
        "group_types",
        "audiences",
        Prefetch("groups", queryset=Group.objects.only("pk")),
    )
    conditions = Condition.objects.filter(evidence__in=published).values_list("slug", flat=True)
    return LibraryIndex(
        counting=tuple(RecordFacts.of(r) for r in counting),
        conditions=frozenset(conditions),
    )


# The library changes when an admin curates it: each process reads it afresh after any
# change it makes, and at least every MEMO_SECONDS.
_library = Memo(_load_library, lambda: settings.MEMO_SECONDS)
for _sender in (Evidence, *(f.remote_field.through for f in Evidence._meta.many_to_many)):
    for _signal in (post_save, post_delete, m2m_changed):
        _signal.connect(_library.forget_on_change, sender=_sender, weak=False)


def forget_cautions() -> None:
    """After a change that sends no signal (QuerySet.update())."""
    _library.forget_on_change()


def groups_with_cautions(groups: Iterable[Group]) -> set[int]:
    """The ids of those groups with a negative or mixed warning, by the same rules as their
    pages (the search results' badge). Reads the groups' type, condition_terms and
    audience_terms; no query once the library is in memory."""
    counting = _library.get().counting
    marked = set()
    for group in groups:
        ratings = certainty.rate_group(counting, GroupFacts.of(group))
        if any(_cautionary(rating) for rating in ratings):
            marked.add(group.pk)
    return marked


def _cautionary(rating: ConditionRating) -> bool:
    return bool(rating.warnings) or rating.direction == "mixed"


# --- The cautions -------------------------------------------------------------------


def cautions(evidence: GroupEvidence) -> list[Caution]:
    """Negative, then mixed evidence from the records that count; thin evidence; harm
    reduction; the review's boundary point. Only the first two mark search results."""
    found: list[Caution] = []
    warned: set[int] = set()
    for kind in (CautionKind.NEGATIVE, CautionKind.MIXED):
        for line in evidence.lines:
            for counted in line.counted:
                record = counted.record
                if record.outcome_direction == kind and record.pk not in warned:
                    warned.add(record.pk)
                    found.append(Caution(kind, _cautionary_text(counted), (record,)))
    for line in evidence.lines:
        if line.rating.direction == "mixed" and not any(
            c.record.pk in warned for c in line.headline
        ):
            found.append(
                Caution(
                    CautionKind.MIXED,
                    f"For {line.phrase}, the studies of {line.level} certainty point different "
                    "ways.",
                    tuple(c.record for c in line.headline),
                )
            )
    thin = [line for line in evidence.lines if line.rating.is_thin]
    if thin or not evidence.lines:
        found.append(Caution(CautionKind.THIN, _thin_text(thin, evidence), ()))
    if evidence.group.type_slug == HARM_REDUCTION_TYPE:
        found.append(_harm_reduction(evidence))
    found.append(
        Caution(
            CautionKind.BOUNDARIES,
            f"The review this library draws on, {REVIEW_SHORT}, says that "
            f"\u201c{BOUNDARIES}\u201d.",
        )
    )
    return found


def _cautionary_text(counted: Counted) -> str:
    record = counted.record
    noun = DESIGN_NOUNS[record.design][0]
    described = f"{_article(noun)} {noun}"
    if record.countries:
        described += " from " + _join([_country_name(c) for c in record.countries], "and")
    if record.sample_size:
        described += f" with {record.sample_text}"
    measured = f" What was measured: {record.main_outcome}." if record.main_outcome else ""
    return (
        f"{record.short_citation}, {described}. {record.finding}{measured} "
        f"Certainty: {counted.level}."
    )


def _thin_text(thin: Sequence[Line], evidence: GroupEvidence) -> str:
    if not evidence.lines:
        return "The evidence is thin: this group lists no condition the library can rate."
    parts = [
        f"for {line.phrase} there is none"
        if line.rating.level == Level.NONE
        else f"for {line.phrase} its certainty is {line.level}"
        for line in thin
    ]
    return f"The evidence is thin: {_join(parts, 'and')}."


def _harm_reduction(evidence: GroupEvidence) -> Caution:
    about_type = tuple(r for r in evidence.records if r.type_specific)
    text = (
        "Members of a harm reduction group may still be using drugs or alcohol: the group "
        "aims to reduce the harm that comes from using, not necessarily to stop it. What the "
        "review says about such groups is anecdotal and unevaluated: \u201c"
        f"{HARM_REDUCTION}\u201d."
    )
    return Caution(CautionKind.HARM_REDUCTION, text, about_type)


# --- Words --------------------------------------------------------------------------


def condition_phrase(condition: Condition) -> str:
    return CONDITION_PHRASES.get(condition.slug) or lower_first(condition.name)


def _rests_on_one(counted: Counted) -> str:
    record = counted.record
    noun = DESIGN_NOUNS[record.design][0]
    text = f"{record.short_citation}, {_article(noun)} {noun}"
    if record.sample_size:
        text += f" with {record.sample_text}"
    rated = counted.rated
    reasons = "; ".join(d.text for d in rated.downgrades)
    if not reasons:
        return text
    if rated.level == Level.VERY_LOW and len(rated.downgrades) > rated.levels_down:
        return f"{text}, {_down_to_very_low(rated)} ({reasons})"
    if len(rated.downgrades) > rated.levels_down:
        return (
            f"{text}, rated down {_levels(rated.levels_down)}, the most the rules allow ({reasons})"
        )
    return f"{text}, rated down {_levels(rated.levels_down)} ({reasons})"


def _down_to_very_low(rated: RatedRecord) -> str:
    if rated.levels_down == 0:
        return "which starts at very low, the lowest level"
    return "rated down to very low, the lowest level"


def _levels(n: int) -> str:
    return "one level" if n == 1 else f"{n} levels".replace("2 levels", "two levels")


def lower_first(name: str) -> str:
    """'Alcohol' to 'alcohol', but 'HIV and hepatitis' stays as it is."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _country_name(name: str) -> str:
    return f"the {name}" if name in {"UK", "US", "USA", "Netherlands"} else name


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _join(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def computed_for_pair(condition: Condition, group_type: GroupType) -> ConditionRating:
    """The rating the rules give groups of one type for one condition (for a group with no
    particular audience), which an editors' rating may only go below without citing
    records."""
    facts = GroupFacts(group_type=group_type.slug, conditions=(condition.slug,))
    return certainty.rate_condition(_library.get().counting, facts, condition.slug)
