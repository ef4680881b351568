from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_GROUPS = Path(__file__).resolve().parents[2] / "data" / "demo_groups.csv"


class Command(BaseCommand):
    help = (
        "Loads the shipped places, UK towns and the sample groups (published, and labelled "
        "as sample data on every page). Safe to run again: it updates what is there."
    )

    def handle(self, *args, **options):
        call_command("load_places", "--shipped", "--towns", stdout=self.stdout)
        call_command("import_groups", str(DEMO_GROUPS), "--publish", stdout=self.stdout)
