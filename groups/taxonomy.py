"""Conditions, group types and audiences, held in each process for a short while.

They change a few times a year through the admin, yet every search checked its
parameters against them and every results page listed them: three or four queries a
request. Each process keeps them for MEMO_SECONDS and forgets them at once
when one is saved or deleted in that process; other app servers see a change within
that time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from directory.memo import Memo

from .models import Audience, Condition, GroupType, Term


@dataclass(frozen=True)
class Terms[T: Term]:
    """One taxonomy in its display order, with lookups by slug and by id."""

    all: tuple[T, ...]
    by_slug: dict[str, T]
    by_id: dict[int, T]


def _load[T: Term](model: type[T]) -> Terms[T]:
    rows = tuple(model._default_manager.all())
    return Terms(rows, {t.slug: t for t in rows}, {t.pk: t for t in rows})


def _memo(model: type[Term]) -> Memo:
    memo = Memo(lambda: _load(model), lambda: settings.MEMO_SECONDS)
    uid = f"taxonomy-{model.__name__}"
    forget = memo.forget_on_change
    post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
    return memo


_conditions, _group_types, _audiences = _memo(Condition), _memo(GroupType), _memo(Audience)


def conditions(covering: Iterable[int] = ()) -> Terms[Condition]:
    """The conditions; read afresh if any id in covering is not among them."""
    return _covering(_conditions, covering)


def group_types() -> Terms[GroupType]:
    return _group_types.get()


def audiences(covering: Iterable[int] = ()) -> Terms[Audience]:
    """The audiences; read afresh if any id in covering is not among them."""
    return _covering(_audiences, covering)


def _covering(memo: Memo, ids: Iterable[int]) -> Terms:
    terms = memo.get()
    if not terms.by_id.keys() >= set(ids):
        memo.forget()  # added by another process since this one read them
        terms = memo.get()
    return terms


def tag_ids(
    through: type[Model], owner: str, tag: str, owners: Iterable[int]
) -> dict[int, list[int]]:
    """{owner's id: its tags' ids, in id order} from a tag table (a many-to-many's through
    model), read as ids: the terms themselves are the ones held here."""
    found: dict[int, list[int]] = {}
    # By the id column itself: an __in of a relation would check each value as a model.
    pairs = through._default_manager.filter(**{f"{owner}_id__in": list(owners)})
    for owner_id, tag_id in pairs.order_by(f"{tag}_id").values_list(f"{owner}_id", f"{tag}_id"):
        found.setdefault(owner_id, []).append(tag_id)
    return found
