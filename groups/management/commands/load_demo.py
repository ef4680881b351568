from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from .import_groups import run_import

DEMO_GROUPS = Path(__file__).resolve().parents[2] / "data" / "demo_groups.csv"


class Command(BaseCommand):
    help = (
        "Loads the shipped places, UK towns and the sample groups (published, and labelled "
        "as sample data on every page). Safe to run again: it updates what is there."
    )

    def handle(self, *args, **options):
        call_command("load_places", "--shipped", "--towns", stdout=self.stdout)
        # The shipped sample groups are ours, not a submission: nothing to moderate.
        run_import(
            DEMO_GROUPS,
            publish=True,
            may_publish=True,
            dry_run=False,
            quiet=options["verbosity"] == 0,
            stdout=self.stdout,
            stderr=self.stderr,
        )
