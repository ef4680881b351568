"""Conditions, group types and audiences, held in each process for a short while.

They change a few times a year through the admin, yet every search checked its
parameters against them and every results page listed them: three or four queries a
request. Each process keeps them for MEMO_SECONDS and forgets them at once
when one is saved or deleted in that process; other app servers see a change within
that time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Value
from django.db.models.signals import post_delete, post_save

from directory.memo import Memo

from .models import Audience, Condition, Group, GroupType, Term

ATTACH_BATCH = 5_000


@dataclass(frozen=True)
class Terms[T: Term]:
    """One taxonomy in its display order, with lookups by slug and by id."""

    all: tuple[T, ...]
    by_slug: dict[str, T]
    by_id: dict[int, T]


def _load[T: Term](model: type[T]) -> Terms[T]:
    rows = tuple(model.objects.all())
    return Terms(rows, {t.slug: t for t in rows}, {t.pk: t for t in rows})


def _memo(model: type[Term]) -> Memo:
    memo = Memo(lambda: _load(model), lambda: settings.MEMO_SECONDS)
    uid = f"taxonomy-{model.__name__}"
    forget = memo.forget_on_change
    post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
    return memo


_conditions, _group_types, _audiences = _memo(Condition), _memo(GroupType), _memo(Audience)


def conditions() -> Terms[Condition]:
    return _conditions.get()


def group_types() -> Terms[GroupType]:
    return _group_types.get()


def audiences() -> Terms[Audience]:
    return _audiences.get()


def attach_terms(groups: Sequence[Group]) -> None:
    """Sets condition_terms and audience_terms on each group from one query of ids
    (one per 5,000 groups)."""
    rows = []
    # In batches: an export passes every group, and SQLite takes 32,766 parameters at most.
    for start in range(0, len(groups), ATTACH_BATCH):
        ids = [group.pk for group in groups[start : start + ATTACH_BATCH]]
        conditions_of = Group.conditions.through.objects.filter(group_id__in=ids)
        audiences_of = Group.audiences.through.objects.filter(group_id__in=ids)
        rows += conditions_of.values_list("group_id", "condition_id", Value(True)).union(
            audiences_of.values_list("group_id", "audience_id", Value(False)), all=True
        )
    found: dict[tuple[int, bool], list[Term]] = {}
    for attempt in (1, 2):
        known_conditions, known_audiences = conditions().by_id, audiences().by_id
        try:
            for group_id, term_id, is_condition in rows:
                term = (known_conditions if is_condition else known_audiences)[term_id]
                found.setdefault((group_id, bool(is_condition)), []).append(term)
            break
        except KeyError:
            # A term added in another process since this one read the taxonomies.
            if attempt == 2:
                raise
            found.clear()
            _conditions.forget()
            _audiences.forget()
    order = lambda term: (term.position, term.name)  # noqa: E731  (the models' ordering)
    for group in groups:
        group.condition_terms = tuple(sorted(found.get((group.pk, True), ()), key=order))
        group.audience_terms = tuple(sorted(found.get((group.pk, False), ()), key=order))
