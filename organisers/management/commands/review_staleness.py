"""Keeps listings true; run it daily (see README). Ages count in calendar months from
last_verified: at 11 months the organisers are asked to confirm; from 12 months the
listing shows "may be out of date" (computed, nothing is stored); at 18 months it is
taken out of search (archived as stale, never deleted) until an organiser confirms it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.email import send_templated_email
from groups.models import ArchivedReason, Group, Status, months_between
from groups.services import GroupValues, save_group
from organisers.models import ReminderKind, StalenessReminder
from organisers.services import organiser_emails

REMIND_AT_MONTHS = 11
STALE_AT_MONTHS = 12
ARCHIVE_AT_MONTHS = 18


def verified_on(group: Group) -> dt.date:
    return group.last_verified or timezone.localdate(group.created_at)


class Command(BaseCommand):
    help = (
        "Emails organisers of groups last confirmed 11 months ago and takes groups not "
        "confirmed for 18 months out of search. Run daily."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen.")

    def handle(self, *args, today: str | None = None, dry_run: bool = False, **options) -> None:
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today must be a date like 2026-01-31, not {today!r}") from None
        # Anything confirmed within the last 300 days is under 11 months old.
        candidates = (
            Group.objects.published()
            .filter(
                Q(last_verified__isnull=True) | Q(last_verified__lte=day - dt.timedelta(days=300))
            )
            .order_by("id")
        )
        reminded = archived = 0
        refused: list[str] = []
        for group in candidates.iterator():
            months = months_between(verified_on(group), day)
            if months >= ARCHIVE_AT_MONTHS:
                if not dry_run:
                    try:
                        self.archive(group, months)
                    except ValidationError as exc:
                        # A row that a later rule refuses must not stop the groups after it.
                        refused.append(f"group {group.pk}: {'; '.join(exc.messages)}")
                        continue
                archived += 1
                self.stdout.write(f"Archived (not confirmed for {months} months): {group.name}")
            elif months >= REMIND_AT_MONTHS and self.remind(group, months, dry_run=dry_run):
                reminded += 1
                self.stdout.write(f"Asked to confirm ({months} months): {group.name}")
        prefix = "Would have: " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}{reminded} reminded, {archived} taken out of search.")
        )
        if refused:
            # A failing exit, so that cron's mail or the scheduler's alert says so.
            raise CommandError(
                f"{len(refused)} group(s) could not be taken out of search; a moderator must "
                "correct them in the admin:\n" + "\n".join(refused)
            )

    @transaction.atomic
    def remind(self, group: Group, months: int, *, dry_run: bool) -> bool:
        """Asks the organisers to confirm, once for each date it was last confirmed."""
        key = {"group": group, "kind": ReminderKind.DUE, "last_verified": verified_on(group)}
        if StalenessReminder.objects.filter(**key).exists():
            return False
        if not dry_run:
            StalenessReminder.objects.create(**key)
            self.email(group, "staleness_reminder", months)
        return True

    @transaction.atomic
    def archive(self, group: Group, months: int) -> None:
        last = verified_on(group)
        save_group(
            group=group,
            values=GroupValues(status=Status.ARCHIVED, archived_reason=ArchivedReason.STALE),
            reason=f"Not confirmed for {months} months",
        )
        StalenessReminder.objects.get_or_create(
            group=group, kind=ReminderKind.ARCHIVED, last_verified=last
        )
        self.email(group, "staleness_archived", months)

    def email(self, group: Group, template: str, months: int) -> None:
        send_templated_email(
            template,
            organiser_emails(group),
            {
                "group": group,
                "months": months,
                "group_path": reverse("organisers:group", kwargs={"pk": group.pk}),
                "stale_at_months": STALE_AT_MONTHS,
                "archive_at_months": ARCHIVE_AT_MONTHS,
            },
        )
