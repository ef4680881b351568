"""Open meeting lists we read (sources), how their codes map to our taxonomy, which of
their listings we hold, and what each sync did."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone

from groups.models import Audience, Condition, Group, GroupType, Orientation, web_url

MIN_CHECK_HOURS = 1
# Cron starts the hourly run a few seconds late or early, and a sync's own time counts from
# when it started: without slack a source checked at 10:00:05 is not due at 11:00:03, and an
# hourly source would be checked every two hours.
SCHEDULE_SLACK = dt.timedelta(minutes=10)
# A sync that has held its source this long has died (a killed process, a lost machine):
# the next run may take it over. The largest feeds sync in about a minute.
CLAIM_EXPIRES = dt.timedelta(hours=2)


class FeedFormat(models.TextChoices):
    MEETING_GUIDE = "meeting-guide", "Meeting Guide JSON feed"
    BMLT = "bmlt", "BMLT semantic API (GetSearchResults JSON)"
    HSDS = "hsds", "Open Referral UK / HSDS 3.0 API (/services)"


def validate_email_lines(value: str) -> None:
    bad = [line for line in email_lines(value) if not _is_email(line)]
    if bad:
        raise ValidationError(f"Not an email address: {', '.join(bad[:3])}")


def email_lines(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


class SourceQuerySet(models.QuerySet["Source"]):
    def due(self, now: dt.datetime | None = None) -> list[Source]:
        """Active sources whose interval has passed since they were last checked."""
        now = now or timezone.now()
        return [s for s in self.filter(active=True).order_by("name") if s.is_due(now)]

    def claim(self, source: Source, now: dt.datetime) -> bool:
        """Marks the source as being synced, unless another sync holds it: cron's hourly
        run, an admin's "Sync now" in the worker and a second machine's cron may start at
        once, and two syncs of one source would add its new listings twice. One UPDATE,
        so exactly one of them wins on either database."""
        free = Q(syncing_since__isnull=True) | Q(syncing_since__lt=now - CLAIM_EXPIRES)
        return self.filter(free, pk=source.pk).update(syncing_since=now) == 1

    def release(self, source: Source) -> None:
        self.filter(pk=source.pk).update(syncing_since=None)


class Source(models.Model):
    """An open meeting list that fills part of the directory and keeps it current."""

    name = models.CharField(
        max_length=100,
        unique=True,
        help_text='Listings say "From the NAME meeting list", e.g. "Leeds NA area".',
    )
    url = models.URLField("address", max_length=1000, validators=[web_url])
    format = models.CharField(max_length=20, choices=FeedFormat.choices)
    active = models.BooleanField(default=True, help_text="Inactive sources are never synced.")

    group_type = models.ForeignKey(
        GroupType, on_delete=models.PROTECT, related_name="+", help_text="For its new listings."
    )
    conditions = models.ManyToManyField(Condition, related_name="+")
    orientation = models.CharField(
        max_length=10, choices=Orientation.choices, default=Orientation.INWARD
    )
    audiences = models.ManyToManyField(Audience, related_name="+", blank=True)

    check_every_hours = models.PositiveIntegerField(
        default=24,
        validators=[MinValueValidator(MIN_CHECK_HOURS, "Check it at most once an hour.")],
        help_text="How often to check it, in hours: at most once an hour.",
    )
    trusted = models.BooleanField(
        default=False,
        help_text="Trusted sources publish new listings and changed links at once; "
        "others wait for a moderator.",
    )
    notify = models.TextField(
        "who to tell when it fails",
        blank=True,
        validators=[validate_email_lines],
        help_text="Email addresses, one a line. Moderators also see failures in their digest.",
    )
    licence = models.CharField(
        max_length=300,
        help_text="Its licence, or the permission we were given (who, when).",
    )
    attribution = models.CharField(
        max_length=300,
        blank=True,
        help_text="What its listings must show, if its licence asks for credit.",
    )

    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_ok_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    meeting_count = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="Meetings in its last healthy sync."
    )
    first_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    syncing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set while a sync runs."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_every_hours__gte=MIN_CHECK_HOURS),
                name="source_checked_at_most_hourly",
            ),
            models.CheckConstraint(
                condition=Q(format__in=FeedFormat.values), name="source_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_due(self, now: dt.datetime) -> bool:
        if self.last_checked_at is None:
            return True
        interval = dt.timedelta(hours=self.check_every_hours)
        return now - self.last_checked_at >= interval - SCHEDULE_SLACK

    @property
    def notify_emails(self) -> list[str]:
        return email_lines(self.notify)

    @property
    def failing(self) -> bool:
        return bool(self.last_error)


class Effect(models.TextChoices):
    AUDIENCE = "audience", "Who it is for"
    CONDITION = "condition", "Condition"
    LANGUAGE = "language", "Language"
    STEP_FREE = "step_free", "Step-free access"
    IN_PERSON = "in_person", "Meets in person"
    ONLINE = "online", "Meets online"
    HYBRID = "hybrid", "Meets in person and online"
    TEMPORARILY_CLOSED = "temporarily_closed", "Temporarily closed"
    IGNORE = "ignore", "Nothing (ignored)"


class CodeMappingQuerySet(models.QuerySet["CodeMapping"]):
    def for_source(self, source: Source) -> dict[str, list[CodeMapping]]:
        """Each code's meaning for this source: its own rows, else its format's."""
        rows = self.filter(format=source.format).filter(Q(source=None) | Q(source=source))
        general: dict[str, list[CodeMapping]] = {}
        own: dict[str, list[CodeMapping]] = {}
        for row in rows.select_related("audience", "condition"):
            (own if row.source_id else general).setdefault(row.code, []).append(row)
        return {**general, **own}


class CodeMapping(models.Model):
    """What a source's type or format code means in our taxonomy, e.g. Meeting Guide's
    `W` is a meeting for women. Rows without a source hold for every source of the
    format; a source's own rows replace them for that code."""

    format = models.CharField(max_length=20, choices=FeedFormat.choices)
    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mappings",
        help_text="Blank: every source of this format.",
    )
    code = models.CharField(max_length=30, help_text="As the feed writes it (case matters).")
    effect = models.CharField(max_length=20, choices=Effect.choices)
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, null=True, blank=True)
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, null=True, blank=True)
    language = models.CharField(max_length=3, blank=True, help_text="ISO 639 code: en, cy, bfi.")

    objects = CodeMappingQuerySet.as_manager()

    class Meta:
        ordering = ["format", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["format", "code", "effect"],
                condition=Q(source=None),
                name="code_mapping_unique_per_format",
            ),
            models.UniqueConstraint(
                fields=["source", "code", "effect"],
                condition=Q(source__isnull=False),
                name="code_mapping_unique_per_source",
            ),
            models.CheckConstraint(
                condition=(Q(effect="audience") & Q(audience__isnull=False))
                | (~Q(effect="audience") & Q(audience__isnull=True)),
                name="code_mapping_audience_with_effect",
            ),
            models.CheckConstraint(
                condition=(Q(effect="condition") & Q(condition__isnull=False))
                | (~Q(effect="condition") & Q(condition__isnull=True)),
                name="code_mapping_condition_with_effect",
            ),
            models.CheckConstraint(
                condition=(Q(effect="language") & ~Q(language=""))
                | (~Q(effect="language") & Q(language="")),
                name="code_mapping_language_with_effect",
            ),
        ]

    def __str__(self) -> str:
        target = self.audience or self.condition or self.language or self.get_effect_display()
        return f"{self.code} → {target}"

    def clean(self) -> None:
        needs: dict[str, tuple[str, object]] = {
            Effect.AUDIENCE: ("audience", self.audience_id),
            Effect.CONDITION: ("condition", self.condition_id),
            Effect.LANGUAGE: ("language", self.language),
        }
        if self.effect in needs and not needs[self.effect][1]:
            name = needs[self.effect][0]
            raise ValidationError({name: f"Choose the {name} this code means."})
        extra = {name: "Only for that kind of code." for e, (name, v) in needs.items() if v}
        extra.pop(needs.get(self.effect, ("",))[0], None)
        if extra:
            raise ValidationError(extra)
        if self.source is not None and self.source.format != self.format:
            raise ValidationError({"format": "The source reads another format."})


class Exclusion(models.Model):
    """A listing a source carries that we leave out (the group asked not to be listed),
    by its id in the source, so later syncs leave it out too."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="exclusions")
    external_id = models.CharField(
        "id in the source", max_length=300, help_text="As the source listing's page shows it."
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="exclusion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.external_id}"


class Outcome(models.TextChoices):
    OK = "ok", "Synced"
    NOT_MODIFIED = "not_modified", "Unchanged since the last check"
    FAILED = "failed", "Failed: nothing changed"


class SyncRun(models.Model):
    """One sync of one source: what it found and what it did."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    meetings = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Rows the feed got wrong.")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"], name="syncrun_latest_idx")]

    def __str__(self) -> str:
        return f"{self.source} at {self.started_at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"


class SourceListingQuerySet(models.QuerySet["SourceListing"]):
    def current(self) -> SourceListingQuerySet:
        return self.filter(gone_since__isnull=True)


class SourceListing(models.Model):
    """One of our groups as a source lists it. A group merged from several sources keeps a
    row for each."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="listings")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="source_listings")
    external_id = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, help_text="Of what the source last said.")
    data = models.JSONField(help_text="What the source last said, as our fields.")
    first_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_seen_at = models.DateTimeField()
    gone_since = models.DateTimeField(null=True, blank=True)

    objects = SourceListingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="source_listing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.external_id}"


class ChangeKind(models.TextChoices):
    CONTACT = "contact", "Changed link, phone or email (for a moderator)"
    ORGANISER = "organiser", "Changed a field the organiser edited (for the organiser)"
    GONE = "gone", "No longer in the meeting list (for a moderator)"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    SUPERSEDED = "superseded", "Replaced by a later sync"


class SourceChangeQuerySet(models.QuerySet["SourceChange"]):
    def pending(self) -> SourceChangeQuerySet:
        return self.filter(status=ChangeStatus.PENDING)

    def for_moderators(self) -> SourceChangeQuerySet:
        return self.pending().filter(kind__in=[ChangeKind.CONTACT, ChangeKind.GONE])

    def for_organisers(self) -> SourceChangeQuerySet:
        return self.pending().filter(kind=ChangeKind.ORGANISER)


class SourceChange(models.Model):
    """A source's change that a person decides on before it applies: a new link from an
    untrusted source, a change to a field a group's organiser edited, or a listing that
    has left the meeting list. `values` holds the proposed fields, `previous` the
    group's at the time."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="changes")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="source_changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    values = models.JSONField(default=dict, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SourceChangeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "group", "kind"],
                condition=Q(status="pending"),
                name="source_change_one_pending_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="source_change_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ChangeStatus.values), name="source_change_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="source_change_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.group}"
