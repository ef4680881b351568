"""Keeps listings true; run it daily from cron (see README and organisers.staleness).

It runs beside the web server and the email worker, on PostgreSQL or on the SQLite file
(WAL mode and a busy timeout, in settings): each group is reviewed in its own short
transaction, so it never holds the database for long, and one group a later rule refuses
does not stop the rest. `--today` tries another date and is a dry run unless `--apply`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from groups.models import Group
from organisers.models import ReminderKind
from organisers.staleness import Outcome, due_for_review, review_group

SAID = {
    ReminderKind.DUE: "Asked to confirm",
    ReminderKind.BEFORE_STALE: "Asked again before it shows as out of date",
    ReminderKind.BEFORE_ARCHIVE: "Warned before it leaves search",
    ReminderKind.ARCHIVED: "Archived",
    ReminderKind.NEEDS_CHECKING: "Sent to the moderators to check (nobody organises it)",
}


class Command(BaseCommand):
    help = (
        "Reminds organisers to confirm their listings (11 months, and two weeks before 12 "
        "and 18), takes listings not confirmed for 18 months out of search, and sends "
        "groups nobody organises to the moderators. Run daily."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today", help="Act as if today were this date (YYYY-MM-DD); a dry run unless --apply."
        )
        parser.add_argument("--apply", action="store_true", help="With --today: really act.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen.")

    def handle(
        self, *args, today: str | None = None, apply: bool = False, dry_run: bool = False, **options
    ) -> None:
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today must be a date like 2026-01-31, not {today!r}") from None
        acting = not dry_run and (apply or not today)
        counts: dict[str, int] = dict.fromkeys(SAID, 0)
        refused: list[str] = []
        for pk in due_for_review(day):
            group = Group.objects.filter(pk=pk).first()
            if group is None:
                continue
            try:
                outcome = review_group(group, day, apply=acting)
            except ValidationError as exc:
                # A row that a later rule refuses must not stop the groups after it.
                refused.append(f"group {pk}: {'; '.join(exc.messages)}")
                continue
            if outcome is not None:
                counts[outcome.kind] += 1
                self.stdout.write(self.describe(outcome))
        self.summarise(counts, acting)
        if refused:
            # A failing exit, so that cron's mail or the scheduler's alert says so.
            raise CommandError(
                f"{len(refused)} group(s) could not be taken out of search; a moderator must "
                "correct them in the admin:\n" + "\n".join(refused)
            )

    def describe(self, outcome: Outcome) -> str:
        return f"{SAID[outcome.kind]} ({outcome.months} months): {outcome.group.name}"

    def summarise(self, counts: dict[str, int], acting: bool) -> None:
        reminded = sum(
            counts[k]
            for k in (ReminderKind.DUE, ReminderKind.BEFORE_STALE, ReminderKind.BEFORE_ARCHIVE)
        )
        prefix = "" if acting else "Would have: "
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{reminded} reminded, {counts[ReminderKind.ARCHIVED]} taken out of "
                f"search, {counts[ReminderKind.NEEDS_CHECKING]} sent to the moderators to check."
            )
        )
        if not acting:
            self.stdout.write("Nothing was changed or sent (a dry run).")
