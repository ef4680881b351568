"""Reports from the public, and the record of every moderation decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from groups.models import Group


class Problem(models.TextChoices):
    NO_LONGER_MEETS = "no_longer_meets", "The group no longer meets"
    DETAILS_WRONG = "details_wrong", "Some details are wrong"
    OTHER = "other", "Something else"
    DANGER = "danger", "Someone could be at risk of harm (a safeguarding concern)"
    ORGANISER_LEFT = "organiser_left", "Its only organiser deleted their account"
    NO_ORGANISER = "no_organiser", "Its last organiser left it"
    NEEDS_CHECKING = "needs_checking", "Nobody organises it, and it is due to be confirmed"


# Problems the site itself reports, which the public report form does not offer: a group
# that needs checking by the moderators because nobody organises it.
INTERNAL_PROBLEMS = frozenset(
    {Problem.ORGANISER_LEFT, Problem.NO_ORGANISER, Problem.NEEDS_CHECKING}
)
PUBLIC_PROBLEM_CHOICES = [(v, label) for v, label in Problem.choices if v not in INTERNAL_PROBLEMS]


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Dealt with"


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> ReportQuerySet:
        return self.filter(status=ReportStatus.OPEN)


class Report(models.Model):
    """Someone (not signed in, not identified) says a listing is wrong. Nothing about the
    sender is kept: no address, no name."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="reports")
    problem = models.CharField(max_length=20, choices=Problem.choices)
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    resolution = models.TextField(blank=True)
    organisers_told_at = models.DateTimeField(
        null=True, blank=True, help_text="When the group's organisers were emailed about it."
    )
    asked_at = models.DateTimeField(
        null=True, blank=True, help_text="When a moderator asked the organisers to check."
    )
    answer_by = models.DateField(null=True, blank=True, help_text="The date they were given.")
    ask_note = models.TextField(blank=True, help_text="What the moderator asked.")
    organiser_reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(problem__in=Problem.values), name="report_problem_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_problem_display()}: {self.group}"


class Action(models.TextChoices):
    APPROVED = "approved", "Approved the listing"
    REJECTED = "rejected", "Did not approve the listing"
    APPROVED_CHANGES = "approved_changes", "Approved changes"
    REJECTED_CHANGES = "rejected_changes", "Did not approve changes"
    RESOLVED_REPORT = "resolved_report", "Dealt with a report"
    ARCHIVED = "archived", "Took the group out of the directory"
    RESTORED = "restored", "Restored an earlier version"
    ASKED_ORGANISERS = "asked_organisers", "Asked the organisers to check the listing"


class Decision(models.Model):
    """One thing a moderator did, with their reason: the moderation log."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.TextField(blank=True)
    revision = models.ForeignKey(
        "organisers.GroupRevision", on_delete=models.PROTECT, null=True, blank=True
    )
    report = models.ForeignKey(Report, on_delete=models.PROTECT, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # An organiser's answer to a takedown, from their group's page.
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reply_read_at = models.DateTimeField(
        null=True, blank=True, help_text="When a moderator marked the reply as read."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            (
                "approve_listings",
                "Can moderate listings: approve, turn down, take down; gets the daily digest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.group}"


class DigestKind(models.TextChoices):
    """What other parts of the site add to the moderators' daily digest (the moderation
    queue's own items are read from the queue)."""

    FEED_PROBLEM = "feed_problem", "Feed problems"
    EVIDENCE = "evidence", "Evidence library"
    OTHER = "other", "Other"


class DigestItem(models.Model):
    """One line for the next daily digest. The summary is the site's own words, never text
    someone outside typed."""

    kind = models.CharField(max_length=20, choices=DigestKind.choices)
    summary = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True, help_text="A path on this site.")
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateField(null=True, blank=True, help_text="The digest that carried it.")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DigestKind.values), name="digest_item_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["sent_on", "created_at"], name="digest_item_unsent_idx")]

    def __str__(self) -> str:
        return self.summary


class DigestRun(models.Model):
    """A day's digest was sent: one per (UK) day, however often the command runs."""

    day = models.DateField(unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Digest of {self.day}"


class RateCount(models.Model):
    """One client's use of one rate-limited action in its current window
    (moderation.ratelimit). The key holds a keyed hash of the client's address, never the
    address. Expired rows are deleted hourly by purge_expired_cache."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField()
    # When the window ends, in Unix seconds: a plain number compares the same way in
    # PostgreSQL and SQLite inside the one upsert that counts a request.
    expires = models.BigIntegerField()

    def __str__(self) -> str:
        return self.key
