"""Writing a sync's plan: every group through groups.services.save_group(), in batches
of transactions, each change recorded in the group's history as the source's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groups import taxonomy
from groups.duplicates import Candidate, duplicate_reason, possible_duplicates
from groups.models import ConfirmedBy, Format, Group, Status, confirmed_values
from groups.progress import Track
from groups.services import GroupValues, MeetingSpec, NewGroup, create_groups, save_group
from organisers.notify import tell_organisers_of_changes
from organisers.proposals import Proposal

from .intermediate import FeedGroup, ParsedFeed, RowProblem
from .mapping import (
    CONTACT_FIELDS,
    SOURCE_FIELDS,
    Listing,
    Locator,
    keep_own_values,
    meeting_from_json,
    meeting_json,
    to_listing,
)
from .models import (
    ChangeKind,
    ChangeStatus,
    CodeMapping,
    Source,
    SourceChange,
    SourceListing,
    SyncRun,
)

BATCH = 200
# Groups a source's changes still reach: not those a moderator turned down or archived.
LIVE_STATUSES = (Status.DRAFT, Status.PENDING, Status.PUBLISHED)


@dataclass
class Context:
    source: Source
    run: SyncRun
    now: dt.datetime
    problems: list[RowProblem] = field(default_factory=list)
    # New listings' rows, written together at the end of their batch's transaction.
    listings: list[SourceListing] = field(default_factory=list)

    @cached_property
    def conditions(self) -> list[Any]:
        """The source's default conditions, read once a sync rather than once a group."""
        return list(self.source.conditions.all())

    @cached_property
    def audiences(self) -> list[Any]:
        return list(self.source.audiences.all())

    @property
    def reason(self) -> str:
        return f"From the {self.source.name} meeting list"

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class Known:
    """A listing the source gave before, as a sync needs it to tell what changed."""

    pk: int
    fingerprint: str
    gone: bool


def sync_listings(
    source: Source, feed: ParsedFeed, *, run: SyncRun, now: dt.datetime, track: Track
) -> list[RowProblem]:
    """Takes the feed's groups one at a time: each is new, changed or unchanged, and new
    and changed ones are written in batches. What the source listed before and lists no
    more is gone. Counts go on the run; a dry run counts and writes nothing."""
    ctx = Context(source, run, now)
    if not run.dry_run:
        run.save()
    rows = SourceListing.objects.filter(source=source)
    known = {key: Known(pk, fp, gone is not None) for key, pk, fp, gone in rows.values_list(
        "external_id", "pk", "fingerprint", "gone_since")}  # fmt: skip
    excluded = set(source.exclusions.values_list("external_id", flat=True))
    mappings, locate = CodeMapping.objects.for_source(source), Locator()
    seen: set[str] = set()
    batch: list[tuple[Known | None, Listing]] = []
    for group in track(feed.spool.groups(), total=feed.group_count, desc=f"Syncing {source.name}"):
        if group.key in excluded:
            continue
        seen.add(group.key)
        listing = _listing(ctx, group, mappings, locate)
        if listing is not None and _differs(ctx, known.get(group.key), listing):
            batch.append((known.get(group.key), listing))
        if len(batch) >= BATCH:
            _flush(ctx, batch)
    _flush(ctx, batch)
    gone = [row.pk for key, row in known.items() if key not in seen | excluded and not row.gone]
    run.gone = len(gone)
    if not run.dry_run:
        _close(ctx, gone)
    return ctx.problems


def _listing(ctx: Context, group: FeedGroup, mappings: Any, locate: Locator) -> Listing | None:
    try:
        return to_listing(group, mappings, locate)
    except ValueError as exc:
        ctx.problems.append(RowProblem(0, group.name, f"left out: {exc}"))
        return None


def _differs(ctx: Context, row: Known | None, listing: Listing) -> bool:
    """Counts the listing as added, changed or unchanged; True if it needs writing."""
    if row is None:
        ctx.run.added += 1
    elif row.fingerprint == listing.fingerprint and not row.gone:
        ctx.run.unchanged += 1
        return False
    else:
        ctx.run.changed += 1
    return True


def _flush(ctx: Context, batch: list[tuple[Known | None, Listing]]) -> None:
    if batch and not ctx.run.dry_run:
        _write_batch(ctx, batch)
    batch.clear()


def _close(ctx: Context, gone: list[int]) -> None:
    """Marks what has gone, and confirms everything the source still lists."""
    with transaction.atomic():
        for row in SourceListing.objects.filter(pk__in=gone):
            _gone(ctx, row)
        seen = SourceListing.objects.filter(source=ctx.source, gone_since__isnull=True)
        seen.update(last_seen_at=ctx.now)
        confirm(ctx.source, Group.objects.filter(source_listings__in=seen), ctx.now)


def confirm(source: Source, groups: Any, now: dt.datetime) -> int:
    """A listing its source carries in a healthy sync counts as confirmed today, by the
    source ("From the … meeting list, checked …")."""
    today = timezone.localdate(now)
    stale = groups.filter(status=Status.PUBLISHED).exclude(last_verified__gte=today)
    confirmed = confirmed_values(ConfirmedBy.FEED, today, source.name)
    return Group.objects.filter(pk__in=stale.values("pk")).update(**confirmed)


def _write_batch(ctx: Context, batch: list[tuple[Known | None, Listing]]) -> None:
    rows = SourceListing.objects.in_bulk([row.pk for row, _ in batch if row is not None])
    with transaction.atomic():
        add(ctx, [listing for row, listing in batch if row is None])
        for row, listing in batch:
            if row is None:
                continue
            try:  # save_group is atomic: a listing it refuses leaves nothing behind
                change(ctx, rows[row.pk], listing)
            except ValidationError as exc:
                _failed(ctx, row, listing, exc)
        SourceListing.objects.bulk_create(ctx.listings)
    ctx.listings.clear()


def _failed(ctx: Context, row: Known | None, listing: Listing, exc: ValidationError) -> None:
    """Our rules refused the listing: it is left out, reported, and not counted."""
    if row is None:
        ctx.run.added -= 1
    else:
        ctx.run.changed -= 1
    ctx.problems.append(RowProblem(0, listing.values["name"], _messages(exc)))


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


# --- New listings --------------------------------------------------------------------


def add(ctx: Context, listings: list[Listing]) -> None:
    """New listings, created together by groups.services.create_groups() (a first sync
    adds thousands). If the database refuses the batch, each is saved alone, so only the
    one it refuses is left out."""
    if not listings:
        return
    earlier: list[Candidate] = []  # the batch's listings, which the database cannot show yet
    new = [_new_group(ctx, listing, earlier) for listing in listings]
    results: list[Group | ValidationError]
    try:
        results = create_groups(new, reason=ctx.reason)
    except ValidationError:
        results = [_add_alone(ctx, group) for group in new]
    for listing, result in zip(listings, results, strict=True):
        if isinstance(result, ValidationError):
            _failed(ctx, None, listing, result)
            continue
        ctx.listings.append(
            SourceListing(
                source=ctx.source,
                group=result,
                external_id=listing.key,
                fingerprint=listing.fingerprint,
                data=listing.to_json(),
                first_run=ctx.run,
                last_seen_at=ctx.now,
            )
        )


def _new_group(ctx: Context, listing: Listing, earlier: list[Candidate]) -> NewGroup:
    source = ctx.source
    publish = False
    if source.trusted:
        candidate = Candidate.of_values(listing.values, listing.meetings)
        publish = _publishable(listing) and not _duplicates(candidate, earlier)
        earlier.append(candidate)
    values = {
        **listing.values,
        "description": listing.description,
        "group_type": source.group_type,
        "orientation": source.orientation,
        "status": Status.PUBLISHED if publish else Status.PENDING,
        # Every meeting marked temporarily closed: paused, with no date to come back.
        "paused": listing.paused,
        **(confirmed_values(ConfirmedBy.FEED, ctx.today, source.name) if publish else {}),
    }
    return NewGroup(
        values=GroupValues(**values),
        conditions=_terms(taxonomy.conditions(), ctx.conditions, listing.conditions),
        audiences=_terms(taxonomy.audiences(), ctx.audiences, listing.audiences),
        meetings=listing.meetings,
    )


def _add_alone(ctx: Context, new: NewGroup) -> Group | ValidationError:
    try:
        return save_group(
            values=new.values,
            conditions=new.conditions,
            audiences=new.audiences,
            meetings=new.meetings,
            reason=ctx.reason,
        )
    except ValidationError as exc:
        return exc


def _publishable(listing: Listing) -> bool:
    """A listing a trusted source may publish at once: one with a place on the map, unless
    it meets only online (the database refuses anything else)."""
    if listing.values["format"] == Format.ONLINE:
        return True
    return listing.values["latitude"] is not None and listing.located_by in {"feed", "postcode"}


def _duplicates(candidate: Candidate, earlier: list[Candidate]) -> bool:
    """Whether a listing looks like a group we hold already, or one before it in its
    batch (groups/duplicates.py's rule): if so a moderator decides, trusted source or not."""
    alike = any(duplicate_reason(candidate, other) for other in earlier)
    return alike or bool(possible_duplicates(candidate))


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


def change(ctx: Context, row: SourceListing, listing: Listing) -> None:
    new, previous = listing.to_json(), row.data
    group = Group.objects.select_for_update().get(pk=row.group_id)
    if group.status in LIVE_STATUSES:
        _apply_changes(ctx, group, new, previous)
    if row.gone_since is not None:
        row.gone_since = None
        _settle(ctx.source, group, ChangeKind.GONE, ChangeStatus.SUPERSEDED)
    row.fingerprint, row.data, row.last_seen_at = listing.fingerprint, new, ctx.now
    row.save(update_fields=["fingerprint", "data", "last_seen_at", "gone_since"])


def current_json(group: Group) -> dict[str, Any]:
    """The group's own values in a listing's JSON form, to compare with the source's."""
    return {
        **{name: getattr(group, name) for name in SOURCE_FIELDS},
        "paused": group.paused,
        "meetings": sorted(
            (meeting_json(MeetingSpec.of(m)) for m in group.meetings.all()),
            key=lambda m: sorted(m.items()),
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
    for name in (*SOURCE_FIELDS, "paused", "meetings"):
        if _same(new.get(name), previous.get(name)) or _same(new.get(name), current[name]):
            continue
        if claimed and not _same(current[name], previous.get(name)):
            held[ChangeKind.ORGANISER][name] = new[name]
        elif name in CONTACT_FIELDS and not ctx.source.trusted and group.status == Status.PUBLISHED:
            held[ChangeKind.CONTACT][name] = new[name]
        else:
            direct[name] = new[name]
    if direct:
        # Organisers hear what the source changed without them (issue 12 point 4).
        before = Proposal.from_group(group) if claimed else None
        apply_values(group, direct, ctx.reason)
        if before is not None:
            tell_organisers_of_changes(
                group=group, before=before, by=f"the {ctx.source.name} meeting list"
            )
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
    """Source values (in a listing's JSON form) onto a group. Its meetings keep the
    per-meeting values people gave them (mapping.keep_own_values)."""
    fields = {k: v for k, v in values.items() if k != "meetings"}
    meetings = None
    if "meetings" in values:
        current = [MeetingSpec.of(m) for m in group.meetings.prefetch_related("audiences")]
        meetings = keep_own_values([meeting_from_json(m) for m in values["meetings"]], current)
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
