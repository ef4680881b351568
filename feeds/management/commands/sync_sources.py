from django.core.management.base import BaseCommand, CommandError

from feeds.models import Source
from feeds.sync import sync_source
from groups.progress import Progress


class Command(BaseCommand):
    help = (
        "Syncs the sources that are due (or one, by name, due or not): fetches each, and "
        "reports what it added, changed, left unchanged and found gone. A failing source "
        "changes nothing and its admins are told. Run it hourly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", help="Sync this source now, due or not.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
        parser.add_argument("--quiet", action="store_true", help="Show no progress.")

    def handle(self, *args, source: str | None, dry_run: bool, quiet: bool, verbosity: int, **o):
        if source:
            found = Source.objects.filter(name=source).first()
            if found is None:
                names = ", ".join(Source.objects.values_list("name", flat=True)) or "none yet"
                raise CommandError(f"No source named {source!r} (sources: {names}).")
            todo = [found]
        else:
            todo = Source.objects.due()
        progress = Progress(self.stdout, quiet=quiet or verbosity == 0)
        failed = 0
        for item in todo:
            report = sync_source(item, dry_run=dry_run, track=progress.tracker("groups"))
            prefix = "Dry run: " if dry_run else ""
            (self.stdout if report.ok else self.stderr).write(prefix + report.summary())
            for problem in report.problems[:20] if verbosity > 1 else []:
                self.stdout.write(f"  {problem}")
            failed += not report.ok
        if not todo:
            self.stdout.write("No source is due.")
        if failed:
            raise CommandError(f"{failed} source(s) failed; nothing from them changed.")
