"""The evidence library's introduction, written from the records themselves, so that it
stays true as editors curate them (issue 12, point 9)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .models import OUTCOME_KINDS, Design, Evidence, Kind, Origin, Studied
from .review_words import REVIEW_AGE

KIND_NOUNS = {
    Kind.OUTCOME_STUDY: ("outcome study", "outcome studies"),
    Kind.SYSTEMATIC_REVIEW: ("systematic review", "systematic reviews"),
    Kind.DESCRIPTIVE: ("descriptive or qualitative account", "descriptive or qualitative accounts"),
    Kind.OPINION: ("opinion or claim", "opinions or claims"),
    Kind.OWN_FIGURES: (
        "organisation's own figures or claims",
        "organisations' own figures or claims",
    ),
    Kind.BACKGROUND: (
        "background, policy or guidance record",
        "background, policy or guidance records",
    ),
}


def _count(n: int, nouns: tuple[str, str]) -> str:
    return f"{n} {nouns[0] if n == 1 else nouns[1]}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def library_intro(records: Iterable[Evidence]) -> list[str]:
    """Sentences about the published records: how many of each kind, how many count,
    where they come from and from when."""
    records = list(records)
    if not records:
        return ["The library holds no published records yet."]
    kinds = Counter(r.kind for r in records)
    parts = [_count(kinds[k], KIND_NOUNS[k]) for k in Kind if kinds[k]]
    sentences = [
        f"The library holds {_count(len(records), ('record', 'records'))}: {_join(parts)}."
    ]
    outcomes = [r for r in records if r.kind in OUTCOME_KINDS]
    not_mutual_aid = sum(r.studied == Studied.NOT_MUTUAL_AID for r in outcomes)
    if outcomes:
        sentences.append(
            f"Only the {len(outcomes)} outcome studies and systematic reviews can count towards "
            f"a group's certainty rating, and {not_mutual_aid} of them studied groups that were "
            "not mutual aid, so never count."
        )
    sentences.append(_where(records, outcomes))
    undesigned = sum(r.design == Design.OTHER for r in records)
    sentences.append(f"{_count(undesigned, ('record does', 'records do'))} not report a design.")
    from_review = sum(r.origin == Origin.REVIEW_2008 for r in records)
    newer = len(records) - from_review
    sentences.append(
        f"{from_review} come from {REVIEW_AGE}; {newer} "
        f"{'was' if newer == 1 else 'were'} read from newer sources."
    )
    return sentences


def _where(records: list[Evidence], outcomes: list[Evidence]) -> str:
    countries = Counter(c for r in records for c in r.countries)
    unknown = sum(not r.countries for r in records)
    uk_outcomes = sum("UK" in r.countries for r in outcomes)
    return (
        f"By country, {countries['UK']} are from the UK and {countries['US']} from the US "
        f"(some cover several countries), and {unknown} do not say where. Only {uk_outcomes} of "
        "the outcome studies are from the UK."
    )
