"""The moderators' daily digest. Run it from cron at 08:00 UK time (see README); running it
again the same day sends nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from moderation.digest import build_digest, send_digest, today_in_uk


class Command(BaseCommand):
    help = "Emails each moderator the day's digest of what waits for them; once a day."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the digest; send and record nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        day = today_in_uk()
        if dry_run:
            for section in build_digest():
                self.stdout.write(f"{section.title}: {len(section.lines)}")
                for line in section.lines:
                    self.stdout.write(f"  {line.text} ({line.url})")
            return
        run = send_digest(day)
        if run is None:
            self.stdout.write(f"The digest for {day:%-d %B %Y} was already sent.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Digest for {day:%-d %B %Y}: {run.waiting} waiting, "
                    f"sent to {run.recipients} moderator(s)."
                )
            )
