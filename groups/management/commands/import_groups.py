from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groups.importing import import_groups
from groups.progress import Progress


class Command(BaseCommand):
    help = (
        "Imports groups from a UTF-8 CSV file, all or nothing. New groups wait for review "
        "(pending) unless --publish is given. Rows whose external_id exists update that group. "
        "Shows progress: a bar on a terminal, plain lines otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="Publish the groups.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--quiet", action="store_true", help="Show no progress.")

    def handle(
        self, *args, file: Path, publish: bool, dry_run: bool, quiet: bool, verbosity: int, **opts
    ):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        progress = Progress(self.stdout, quiet=quiet or verbosity == 0)
        result = import_groups(
            data, publish=publish, dry_run=dry_run, track=progress.tracker("rows")
        )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{len(result.problems)} problem(s) found; nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb} {result.created} new and {result.updated} updated group(s).")
