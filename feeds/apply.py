"""Writing a sync's plan: every group through groups.services.save_group(), in batches
of transactions, each change recorded in the group's history as the source's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import batched
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groups import taxonomy
from groups.models import ConfirmedBy, Format, Group, Status, confirmed_values
from groups.progress import Track
from groups.services import GroupValues, save_group

from .intermediate import RowProblem
from .mapping import CONTACT_FIELDS, SOURCE_FIELDS, Listing, meeting_from_json, meeting_json
from .models import ChangeKind, ChangeStatus, Source, SourceChange, SourceListing, SyncRun

if TYPE_CHECKING:
    from .sync import Plan

BATCH = 200
# Groups a source's changes still reach: not those a moderator turned down or archived.
LIVE_STATUSES = (Status.DRAFT, Status.PENDING, Status.PUBLISHED)


@dataclass
class Context:
    source: Source
    run: SyncRun
    now: dt.datetime
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return f"From the {self.source.name} meeting list"

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


def apply_plan(
    source: Source, plan: Plan, *, run: SyncRun, now: dt.datetime, track: Track
) -> list[RowProblem]:
    """Writes the plan. A listing our rules refuse is left out and reported (the plan's
    counts drop it); the rest go ahead."""
    ctx = Context(source, run, now)
    run.save()
    work: list[tuple[SourceListing | None, Listing]] = [(None, x) for x in plan.added]
    work += plan.changed
    failed: set[str] = set()
    items = track(work, total=len(work), desc=f"Syncing {source.name}")
    for batch in batched(items, BATCH):
        _write_batch(ctx, batch, failed)
    plan.added = [x for x in plan.added if x.key not in failed]
    plan.changed = [(r, x) for r, x in plan.changed if x.key not in failed]
    with transaction.atomic():
        for row in plan.gone:
            _gone(ctx, row)
        seen = SourceListing.objects.filter(source=source, gone_since__isnull=True)
        seen.update(last_seen_at=now)
        confirm(source, Group.objects.filter(source_listings__in=seen), now)
    return ctx.problems


def confirm(source: Source, groups: Any, now: dt.datetime) -> int:
    """A listing its source carries in a healthy sync counts as confirmed today, by the
    source ("From the … meeting list, checked …")."""
    today = timezone.localdate(now)
    stale = groups.filter(status=Status.PUBLISHED).exclude(last_verified__gte=today)
    confirmed = confirmed_values(ConfirmedBy.FEED, today, source.name)
    return Group.objects.filter(pk__in=stale.values("pk")).update(**confirmed)


def _write_batch(
    ctx: Context, batch: Iterable[tuple[SourceListing | None, Listing]], failed: set[str]
) -> None:
    batch = list(batch)
    data = _data_of([row.pk for row, _ in batch if row is not None])
    with transaction.atomic():
        for row, listing in batch:
            try:
                with transaction.atomic():
                    if row is None:
                        add(ctx, listing)
                    else:
                        change(ctx, row, listing, data[row.pk])
            except ValidationError as exc:
                failed.add(listing.key)
                ctx.problems.append(RowProblem(0, listing.values["name"], _messages(exc)))


def _data_of(pks: list[int]) -> dict[int, dict[str, Any]]:
    return dict(SourceListing.objects.filter(pk__in=pks).values_list("pk", "data"))


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


# --- New listings --------------------------------------------------------------------


def add(ctx: Context, listing: Listing) -> Group:
    source = ctx.source
    publish = source.trusted and _publishable(listing) and not _duplicates(listing)
    values = {
        **listing.values,
        "description": listing.description,
        "group_type": source.group_type,
        "orientation": source.orientation,
        "status": Status.PUBLISHED if publish else Status.PENDING,
        **(confirmed_values(ConfirmedBy.FEED, ctx.today, source.name) if publish else {}),
    }
    group = write(
        None,
        values,
        ctx.reason,
        conditions=_terms(taxonomy.conditions(), source.conditions.all(), listing.conditions),
        audiences=_terms(taxonomy.audiences(), source.audiences.all(), listing.audiences),
        meetings=list(listing.meetings),
    )
    SourceListing.objects.create(
        source=source,
        group=group,
        external_id=listing.key,
        fingerprint=listing.fingerprint(),
        data=listing.to_json(),
        first_run=ctx.run,
        last_seen_at=ctx.now,
    )
    return group


def _publishable(listing: Listing) -> bool:
    """A listing a trusted source may publish at once: one with a place on the map, unless
    it meets only online (the database refuses anything else)."""
    if listing.values["format"] == Format.ONLINE:
        return True
    return listing.values["latitude"] is not None and listing.located_by in {"feed", "postcode"}


def _duplicates(listing: Listing) -> bool:
    """Whether the listing looks like a group we hold already (groups/duplicates.py's
    rule): if so a moderator decides, trusted source or not."""
    try:
        from groups.duplicates import Candidate, possible_duplicates
    except ImportError:  # the rule lands in groups/duplicates.py
        return False
    return bool(possible_duplicates(Candidate.of_values(listing.values, listing.meetings)))


def _terms(terms: Any, defaults: Iterable[Any], slugs: Iterable[str]) -> list[Any]:
    found = {t.pk: t for t in defaults}
    for slug in slugs:
        term = terms.by_slug.get(slug)
        if term is not None:
            found[term.pk] = term
    return list(found.values())


def write(
    group: Group | None,
    values: dict[str, Any],
    reason: str,
    *,
    actor: Any = None,
    conditions: list[Any] | None = None,
    audiences: list[Any] | None = None,
    meetings: list[Any] | None = None,
) -> Group:
    """The one place feeds call save_group()."""
    return save_group(
        group=group,
        values=GroupValues(**values),
        conditions=conditions,
        audiences=audiences,
        meetings=meetings,
        actor=actor,
        reason=reason,
    )


# --- Changed listings ----------------------------------------------------------------


def change(ctx: Context, row: SourceListing, listing: Listing, previous: dict[str, Any]) -> None:
    new = listing.to_json()
    group = Group.objects.select_for_update().get(pk=row.group_id)
    if group.status in LIVE_STATUSES:
        _apply_changes(ctx, group, new, previous)
    if row.gone_since is not None:
        row.gone_since = None
        _settle(ctx.source, group, ChangeKind.GONE, ChangeStatus.SUPERSEDED)
    row.fingerprint, row.data, row.last_seen_at = listing.fingerprint(), new, ctx.now
    row.save(update_fields=["fingerprint", "data", "last_seen_at", "gone_since"])


def current_json(group: Group) -> dict[str, Any]:
    """The group's own values in a listing's JSON form, to compare with the source's."""
    return {
        **{name: getattr(group, name) for name in SOURCE_FIELDS},
        "meetings": sorted(
            (meeting_json(m) for m in group.meetings.all()), key=lambda m: sorted(m.items())
        ),
    }


def _apply_changes(
    ctx: Context, group: Group, new: dict[str, Any], previous: dict[str, Any]
) -> None:
    """Each field the source changed goes where the rules say."""
    current = current_json(group)
    claimed = group.owners.exists()
    direct: dict[str, Any] = {}
    held: dict[str, dict[str, Any]] = {ChangeKind.CONTACT: {}, ChangeKind.ORGANISER: {}}
    for name in (*SOURCE_FIELDS, "meetings"):
        if _same(new.get(name), previous.get(name)) or _same(new.get(name), current[name]):
            continue
        if claimed and not _same(current[name], previous.get(name)):
            held[ChangeKind.ORGANISER][name] = new[name]
        elif name in CONTACT_FIELDS and not ctx.source.trusted and group.status == Status.PUBLISHED:
            held[ChangeKind.CONTACT][name] = new[name]
        else:
            direct[name] = new[name]
    if direct:
        apply_values(group, direct, ctx.reason)
    for kind, values in held.items():
        if values:
            propose(ctx.source, group, kind, values, current)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and a and isinstance(a[0], dict):
        a = sorted(a, key=lambda m: sorted(m.items()))
    if isinstance(b, list) and b and isinstance(b[0], dict):
        b = sorted(b, key=lambda m: sorted(m.items()))
    return a == b


def apply_values(group: Group, values: dict[str, Any], reason: str, *, actor: Any = None) -> Group:
    """Source values (in a listing's JSON form) onto a group."""
    fields = {k: v for k, v in values.items() if k != "meetings"}
    meetings = [meeting_from_json(m) for m in values["meetings"]] if "meetings" in values else None
    return write(group, fields, reason, actor=actor, meetings=meetings)


def propose(
    source: Source, group: Group, kind: str, values: dict[str, Any], current: dict[str, Any]
) -> SourceChange:
    """A change that waits for a person; a later change of the same kind joins it."""
    pending = SourceChange.objects.filter(
        source=source, group=group, kind=kind, status=ChangeStatus.PENDING
    ).first()
    if pending is None:
        pending = SourceChange(source=source, group=group, kind=kind)
    pending.values = {**pending.values, **values}
    pending.previous = {name: current.get(name) for name in pending.values}
    pending.save()
    return pending


def _settle(source: Source, group: Group, kind: str, status: str) -> None:
    SourceChange.objects.filter(
        source=source, group=group, kind=kind, status=ChangeStatus.PENDING
    ).update(status=status, decided_at=timezone.now())


def _gone(ctx: Context, row: SourceListing) -> None:
    row.gone_since = ctx.now
    row.save(update_fields=["gone_since"])
    group = Group.objects.get(pk=row.group_id)
    if group.status in LIVE_STATUSES:
        propose(ctx.source, group, ChangeKind.GONE, {}, {})
