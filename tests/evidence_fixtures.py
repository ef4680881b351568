"""Fixtures for the evidence tests: the review's records, an empty library for exact
mixes of evidence, and a factory for records. Loaded with pytest_plugins."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence.models import Evidence
from groups.models import Audience, Condition, Group, GroupType


@pytest.fixture(autouse=True)
def review_evidence(db) -> None:
    """The review's records: migration 0002 loads them into the test database, and they
    are put back after a transactional test empties it (tests/support/database.py)."""


@pytest.fixture
def empty_library(review_evidence) -> None:
    """For tests that need an exact mix of evidence (rolled back afterwards)."""
    Evidence.objects.all().delete()


@pytest.fixture
def make_evidence(db) -> Callable[..., Evidence]:
    def make(
        authors: str = "Smith, A., & Jones, B.",
        year: int | None = 2001,
        *,
        design: str = "cohort",
        direction: str = "positive",
        kind: str = "",
        studied: str = "not_stated",
        origin: str = "source_itself",
        conditions: tuple[str, ...] = (),
        group_types: tuple[str, ...] = (),
        audiences: tuple[str, ...] = (),
        groups: tuple[Group, ...] = (),
        published: bool = True,
        **values,
    ) -> Evidence:
        fields = {
            "title": "A study",
            "venue": "Journal of Studies, 1, 1-10",
            "finding": "Members did better.",
            "country": "UK",
        }
        fields.update(values)
        record = Evidence.objects.create(
            authors=authors,
            year=year,
            design=design,
            kind=kind or ("outcome_study" if direction else "descriptive"),
            studied=studied,
            origin=origin,
            outcome_direction=direction,
            is_published=published,
            **fields,
        )
        record.conditions.set(Condition.objects.filter(slug__in=conditions))
        record.group_types.set(GroupType.objects.filter(slug__in=group_types))
        record.audiences.set(Audience.objects.filter(slug__in=audiences))
        record.groups.set(groups)
        return record

    return make
