from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from directory.access import APPROVE
from groups.importing import import_groups
from groups.progress import Progress


def may_publish(email: str | None) -> bool:
    """Whether the person running the import (--by) may publish: a moderator, with the
    approve permission, as on the staff upload."""
    if not email:
        return False
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_perm(APPROVE):
        raise CommandError(
            f"{email} is not an active account with the moderators' approve permission "
            f"({APPROVE}), which publishing needs."
        )
    return True


def run_import(
    file: Path,
    *,
    publish: bool,
    may_publish: bool,
    dry_run: bool,
    quiet: bool,
    stdout: OutputWrapper,
    stderr: OutputWrapper,
) -> None:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise CommandError(f"{file}: {exc.strerror}") from None
    progress = Progress(stdout, quiet=quiet)
    result = import_groups(
        data,
        publish=publish,
        may_publish=may_publish,
        dry_run=dry_run,
        track=progress.tracker("rows"),
    )
    if not result.ok:
        for problem in result.problems:
            stderr.write(f"{file}: {problem}")
        raise CommandError(f"{len(result.problems)} problem(s) found; nothing was imported.")
    verb = "Would import" if dry_run else "Imported"
    unchanged = f"; {result.unchanged} unchanged" if result.unchanged else ""
    stdout.write(f"{verb} {result.created} new and {result.updated} updated group(s){unchanged}.")


class Command(BaseCommand):
    help = (
        "Imports groups from a UTF-8 CSV file, all or nothing. New groups wait for review "
        "(pending) unless --publish is given. Rows whose external_id exists update that group. "
        "Publishing (--publish, or a status column saying published) needs --by, a moderator's "
        "email. Shows progress: a bar on a terminal, plain lines otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="Publish the groups.")
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            help="The moderator publishing (an account with the approve permission).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--quiet", action="store_true", help="Show no progress.")

    def handle(
        self,
        *args,
        file: Path,
        publish: bool,
        by: str | None,
        dry_run: bool,
        quiet: bool,
        verbosity: int,
        **opts,
    ):
        allowed = may_publish(by)
        if publish and not allowed:
            raise CommandError(
                "--publish needs --by EMAIL: a moderator's account, with the approve permission."
            )
        run_import(
            file,
            publish=publish,
            may_publish=allowed,
            dry_run=dry_run,
            quiet=quiet or verbosity == 0,
            stdout=self.stdout,
            stderr=self.stderr,
        )
