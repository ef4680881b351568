"""What the evidence says about a group: the matching records, one plain-text paragraph
about them, and the cautions a clinician should read first.

The group page, the JSON API and the search results all use this module, so they never
disagree. Its wording describes the evidence and never recommends: a clinician decides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest

from directory.memo import Memo
from groups.models import Group

from .models import (
    DESIGN_ORDER,
    GENERAL_CONDITION,
    THIN_DESIGNS,
    Design,
    Direction,
    Evidence,
)

REVIEW_SHORT = "Baldacchino, Caan & Munn-Giddings (2008)"
REVIEW_CITATION = (
    "Baldacchino, A., Caan, W., & Munn-Giddings, C. (2008) Mutual aid groups in psychiatry "
    "and substance misuse. Mental Health and Substance Use: dual diagnosis, 1(2), 104\u2013117."
)
# The review's Discussion, word for word: the caution is in its own terms.
BOUNDARY_WORDS = (
    "boundary issues need to be resolved appropriately, before the clinician can legally "
    "and ethically delegate to these groups any clinical responsibility for the care of a "
    "patient"
)
HARM_REDUCTION = "harm_reduction"

DESIGN_NOUNS: dict[str, tuple[str, str]] = {
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
    Design.SYSTEMATIC_REVIEW: ("systematic review", "systematic reviews"),
    Design.OTHER: (
        "report whose design the review does not give",
        "reports whose design the review does not give",
    ),
}
DIRECTION_ORDER = [
    Direction.POSITIVE,
    Direction.MIXED,
    Direction.NEGATIVE,
    Direction.INCONCLUSIVE,
    Direction.NO_EFFECT,
    "",
]
DIRECTION_VERBS: dict[str, tuple[str, str]] = {
    Direction.POSITIVE: ("reports positive outcomes", "report positive outcomes"),
    Direction.MIXED: ("reports mixed outcomes", "report mixed outcomes"),
    Direction.NEGATIVE: ("reports negative outcomes", "report negative outcomes"),
    Direction.INCONCLUSIVE: ("is inconclusive", "are inconclusive"),
    Direction.NO_EFFECT: ("found no effect", "found no effect"),
    "": ("is not an outcome study", "are not outcome studies"),
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
class GroupEvidence:
    """The evidence for one group. records are in rank order, each annotated by
    Evidence.objects.for_group() with is_direct, condition_specific and type_specific."""

    group: Group
    records: list[Evidence]
    text: str = ""
    cautions: list[Caution] = field(default_factory=list)

    @property
    def direct(self) -> list[Evidence]:
        return [r for r in self.records if r.is_direct]

    @property
    def specific(self) -> list[Evidence]:
        return [r for r in self.records if not r.is_direct and r.condition_specific]

    @property
    def general(self) -> list[Evidence]:
        return [r for r in self.records if not r.is_direct and not r.condition_specific]

    @property
    def cautionary(self) -> list[Caution]:
        """Cautions for negative or mixed evidence, the ones that mark search results."""
        return [c for c in self.cautions if c.kind in CAUTIONARY_KINDS]

    @property
    def has_negative(self) -> bool:
        return any(c.kind == CautionKind.NEGATIVE for c in self.cautions)

    @property
    def condition_names(self) -> str:
        return _conditions_text(self.group)


def summarise(group: Group) -> GroupEvidence:
    """The matching records (one query, using the group's prefetched conditions when it has
    them), the summary paragraph and the cautions."""
    records = list(Evidence.objects.published().for_group(group))
    evidence = GroupEvidence(group=group, records=records)
    evidence.text = summary_text(evidence)
    evidence.cautions = cautions(evidence)
    return evidence


def evidence_json(group: Group, request: HttpRequest) -> dict[str, Any]:
    """The fields GET /api/groups/<id>/ gains: evidence, evidence_summary and cautions."""
    evidence = summarise(group)
    return {
        "evidence": [record_json(r, request) for r in evidence.records],
        "evidence_summary": evidence.text,
        "cautions": [c.as_json() for c in evidence.cautions],
    }


def record_json(record: Evidence, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": record.pk,
        "citation": record.citation,
        "year": record.year,
        "design": record.design,
        "sample_size": record.sample_size,
        "country": record.country or None,
        "outcome_direction": record.outcome_direction,
        "finding": record.finding,
        "url": request.build_absolute_uri(record.get_absolute_url()),
        "source_url": record.source_url or None,
    }


@dataclass(frozen=True)
class _Caution:
    """What one negative or mixed record speaks to, for the search results' marker."""

    group_ids: frozenset[int]
    type_ids: frozenset[int]
    condition_ids: frozenset[int]
    general: bool

    def matches(self, group: Group) -> bool:
        # EvidenceQuerySet.for_group()'s rule (models._match_q), for groups already in
        # memory; tests/test_evidence_matching.py checks that the two agree.
        if group.pk in self.group_ids:
            return True
        type_fits = not self.type_ids or group.group_type_id in self.type_ids
        condition_fits = (
            self.general
            or not self.condition_ids
            or any(c.pk in self.condition_ids for c in group.condition_terms)
        )
        return type_fits and condition_fits


def _load_cautions() -> tuple[_Caution, ...]:
    records = (
        Evidence.objects.published()
        .cautionary()
        .prefetch_related("groups", "group_types", "conditions")
    )
    return tuple(
        _Caution(
            group_ids=frozenset(g.pk for g in record.groups.all()),
            type_ids=frozenset(t.pk for t in record.group_types.all()),
            condition_ids=frozenset(c.pk for c in record.conditions.all()),
            general=any(c.slug == GENERAL_CONDITION for c in record.conditions.all()),
        )
        for record in records
    )


# The library changes when an admin curates it: each process reads the few negative or
# mixed records afresh after any change it makes, and at least every MEMO_SECONDS.
_cautions = Memo(_load_cautions, lambda: settings.MEMO_SECONDS)
for _sender in (Evidence, *(f.remote_field.through for f in Evidence._meta.many_to_many)):
    for _signal in (post_save, post_delete, m2m_changed):
        _signal.connect(_cautions.forget_on_change, sender=_sender, weak=False)


def forget_cautions() -> None:
    """After a change that sends no signal (QuerySet.update())."""
    _cautions.forget_on_change()


def groups_with_cautions(groups: Iterable[Group]) -> set[int]:
    """The ids of those groups that negative or mixed evidence matches (the search results'
    marker). Reads the groups' type and condition_terms; no query once the cautionary
    records are in memory."""
    cautions = _cautions.get()
    return {group.pk for group in groups if any(c.matches(group) for c in cautions)}


# --- The paragraph --------------------------------------------------------------------


def summary_text(evidence: GroupEvidence) -> str:
    records = evidence.records
    group = evidence.group
    conditions = _conditions_text(group)
    if not records:
        return (
            "No study or report in the evidence library matches this kind of group "
            f"({lower_first(group.group_type.name)}) for {conditions}: the library holds "
            "no evidence about groups like it, for or against."
        )
    n = len(records)
    sentences = [
        f"{_count(n, 'study or report', 'studies and reports')} in the evidence library "
        f"{'matches' if n == 1 else 'match'} this group."
    ]
    direct, specific, general = evidence.direct, evidence.specific, evidence.general
    if direct:
        sentences.append(f"{_is_are(len(direct))} about this group itself: {_describe(direct)}.")
    if specific:
        sentences.append(
            f"{_is_are(len(specific))} about {conditions}{_of_this_type(specific)}: "
            f"{_describe(specific)}."
        )
    if general:
        broadly = f"about mutual aid or mental health groups broadly{_of_this_type(general)}"
        if not _named_conditions(group):
            lead = (
                f"As this group is not for one condition, {_all_or_it(len(general), n)} "
                f"general, {broadly}"
            )
        elif not (direct or specific):
            lead = (
                f"None is specific to {conditions}. {_all_or_it(len(general), n).capitalize()} "
                f"general, {broadly}"
            )
        else:
            lead = (
                f"{_is_are(len(general))} general, {broadly}, not about {conditions} in particular"
            )
        sentences.append(f"{lead}: {_describe(general)}.")
    sentences.append(_where(records))
    return " ".join(sentences)


def _of_this_type(records: Sequence[Evidence]) -> str:
    typed = sum(1 for r in records if r.type_specific)
    if not typed:
        return ""
    if len(records) == 1:
        return " and this type of group"
    return f" ({typed} of them about this type of group in particular)"


def _describe(records: Sequence[Evidence]) -> str:
    """'1 randomised controlled trial and 2 cohort studies; all 3 report positive outcomes',
    designs strongest first."""
    if len(records) == 1:
        record = records[0]
        singular = DESIGN_NOUNS[record.design][0]
        return (
            f"{_article(singular)} {singular}, which {DIRECTION_VERBS[record.outcome_direction][0]}"
        )
    designs = Counter(r.design for r in records)
    design_text = _join(
        [_count(designs[d], *DESIGN_NOUNS[d]) for d in DESIGN_ORDER if designs[d]], "and"
    )
    directions = Counter(r.outcome_direction for r in records)
    if len(directions) == 1:
        (direction,) = directions
        every = "both" if len(records) == 2 else f"all {len(records)}"
        direction_text = f"{every} {DIRECTION_VERBS[direction][1]}"
    else:
        direction_text = _join(
            [
                f"{directions[d]} {DIRECTION_VERBS[d][0 if directions[d] == 1 else 1]}"
                for d in DIRECTION_ORDER
                if directions[d]
            ],
            "and",
        )
    return f"{design_text}; {direction_text}"


def _where(records: Sequence[Evidence]) -> str:
    """Where the evidence comes from, saying so when none of it is from the UK."""
    n = len(records)
    tally: Counter[str] = Counter()
    unknown = 0
    several = False
    for record in records:
        countries = record.countries
        if not countries:
            unknown += 1
        several = several or len(countries) > 1
        tally.update(countries)
    if not tally:
        if n == 1:
            return "It does not say where it was done, so it is not known to be from the UK."
        return "None says where it was done, so none is known to be from the UK."
    by_country = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    text = "By country: " + _join(
        [f"{count} from {_country_name(name)}" for name, count in by_country], "and"
    )
    if several:
        text += " (a study can cover more than one country)"
    if unknown:
        text += f"; {unknown} {'does' if unknown == 1 else 'do'} not say where"
    text += "."
    if "UK" not in tally:
        text += " It is not from the UK." if n == 1 else " None is from the UK."
    return text


# --- The cautions ---------------------------------------------------------------------


def cautions(evidence: GroupEvidence) -> list[Caution]:
    """Negative, then mixed evidence, each with its citation; thin evidence; harm reduction;
    the review's boundary point. Only the first two put a marker in search results."""
    records = evidence.records
    found: list[Caution] = []
    for direction, kind in [
        (Direction.NEGATIVE, CautionKind.NEGATIVE),
        (Direction.MIXED, CautionKind.MIXED),
    ]:
        for record in records:
            if record.may_count and record.outcome_direction == direction:
                found.append(Caution(kind, _cautionary_text(record), (record,)))
    if not records or all(r.design in THIN_DESIGNS for r in records):
        found.append(Caution(CautionKind.THIN, _thin_text(evidence), tuple(records)))
    if evidence.group.group_type.slug == HARM_REDUCTION:
        about_type = tuple(r for r in records if r.type_specific)
        text = (
            "Members of a harm reduction group may still be using drugs or alcohol: the "
            "group aims to reduce the harm that comes from using, not necessarily to stop it."
        )
        if about_type:
            text += (
                " Evidence in the library about groups of this kind: "
                + "; ".join(r.short_citation for r in about_type)
                + "."
            )
        else:
            text += " The library holds no study specific to harm reduction groups."
        found.append(Caution(CautionKind.HARM_REDUCTION, text, about_type))
    found.append(
        Caution(
            CautionKind.BOUNDARIES,
            f"The review this library draws on, {REVIEW_SHORT}, says that “{BOUNDARY_WORDS}”.",
        )
    )
    return found


def _cautionary_text(record: Evidence) -> str:
    singular = DESIGN_NOUNS[record.design][0]
    described = f"{_article(singular)} {singular}"
    if record.countries:
        described += " from " + _join([_country_name(c) for c in record.countries], "and")
    if record.sample_size:
        described += f" with {record.sample_text}"
    verb = DIRECTION_VERBS[record.outcome_direction][0]
    return f"{record.short_citation}, {described}, {verb}. {record.finding}"


def _thin_text(evidence: GroupEvidence) -> str:
    records = evidence.records
    if not records:
        return (
            "The evidence is thin: no study or report in the evidence library matches this "
            f"kind of group for {_conditions_text(evidence.group)}."
        )
    citations = "; ".join(r.short_citation for r in records)
    if len(records) == 1:
        singular = DESIGN_NOUNS[records[0].design][0]
        return (
            "The evidence is thin: the only study or report that matches is "
            f"{_article(singular)} {singular} ({citations})."
        )
    designs = Counter(r.design for r in records)
    design_text = _join(
        [_count(designs[d], *DESIGN_NOUNS[d]) for d in DESIGN_ORDER if designs[d]], "and"
    )
    return (
        f"The evidence is thin: the {len(records)} studies and reports that match are "
        f"{design_text}, with no trial, controlled, cohort or survey design ({citations})."
    )


# --- Words ----------------------------------------------------------------------------


def _named_conditions(group: Group) -> list[str]:
    return [lower_first(c.name) for c in group.condition_terms if c.slug != GENERAL_CONDITION]


def _conditions_text(group: Group) -> str:
    named = _named_conditions(group)
    if named:
        return _join(named, "or")
    if any(c.slug == GENERAL_CONDITION for c in group.condition_terms):
        return "mental health and wellbeing in general"
    return "its conditions"


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


def _is_are(n: int) -> str:
    return f"{n} {'is' if n == 1 else 'are'}"


def _all_or_it(k: int, n: int) -> str:
    if n == 1:
        return "it is"
    return f"all {k} are" if k == n else f"{k} are"


def _join(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
