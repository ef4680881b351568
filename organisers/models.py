"""Who looks after which group, the edits they propose, and their invitations."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from groups.models import Group

INVITATION_DAYS = 14


class GroupOwner(models.Model):
    """An organiser of a group: they may see and change it. A group can have several."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="owners")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_ownerships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="group_owner_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} organises {self.group}"


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_REVISION_STATUSES = [RevisionStatus.DRAFT, RevisionStatus.PENDING]


class RevisionQuerySet(models.QuerySet["GroupRevision"]):
    def open(self) -> RevisionQuerySet:
        return self.filter(status__in=OPEN_REVISION_STATUSES)

    def pending(self) -> RevisionQuerySet:
        return self.filter(status=RevisionStatus.PENDING)


class GroupRevision(models.Model):
    """Changes an organiser proposes to a group that has been published. The published
    version stays as it is, and visible, until a moderator approves the changes.

    `data` holds the whole proposed listing (see organisers.proposals.Proposal), so a
    moderator sees it against what is published, and approving applies it at once."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="revisions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_revisions",
    )
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True, help_text="Why it was not approved.")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(status__in=["draft", "pending"]),
                name="revision_one_open_per_group",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RevisionStatus.values), name="revision_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="revision_rejected_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="revision_queue_idx")]

    def __str__(self) -> str:
        return f"Changes to {self.group} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVISION_STATUSES


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation, sent by email, to help organise a group. Only a hash of the link's
    token is kept, and the invitation works for the invited address only."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.email} for {self.group}"

    @property
    def expires_at(self) -> dt.datetime:
        return self.created_at + dt.timedelta(days=INVITATION_DAYS)

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and timezone.now() < self.expires_at
        )


class ReminderKind(models.TextChoices):
    DUE = "due", "Please confirm (11 months)"
    BEFORE_STALE = "before_stale", "Please confirm: two weeks before “may be out of date”"
    BEFORE_ARCHIVE = "before_archive", "Please confirm: two weeks before leaving search"
    ARCHIVED = "archived", "Taken out of search (18 months)"
    NEEDS_CHECKING = "needs_checking", "Sent to the moderators: nobody organises it"


class StalenessReminder(models.Model):
    """A staleness email sent for a group; one of each kind per last_verified date, so the
    daily command never sends the same one twice."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    last_verified = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "kind", "last_verified"], name="reminder_once_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.group}"


class InvitationSend(models.Model):
    """One email of an invitation (the first or a resend), counted against the sender's
    daily limit."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="sends")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["sent_by", "sent_at"], name="invitation_send_by_day_idx")]

    def __str__(self) -> str:
        return f"{self.invitation} sent {self.sent_at:%Y-%m-%d %H:%M}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a moderator"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ClaimAnswer(models.TextChoices):
    """What the group (its listed address, or an organiser) said when asked."""

    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Said they do not know them"


class Claim(models.Model):
    """Someone with a verified account asks to organise a listed group. The group's listed
    address and its organisers are asked to confirm; a moderator decides, seeing whether
    they did."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_claims"
    )
    reason = models.TextField(help_text="Why they ask, in their words.")
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(max_length=10, choices=ClaimAnswer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.EmailField(blank=True, help_text="The address the answer came from.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_group_and_user",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(answer="") | Q(answer__in=ClaimAnswer.values),
                name="claim_answer_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="claim_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="claim_queue_idx"),
            models.Index(fields=["user", "created_at"], name="claim_by_user_idx"),
        ]

    def __str__(self) -> str:
        return f"Claim of {self.group} by {self.user}"
