from pathlib import Path

from django.core.management.base import BaseCommand

from exchange.tabular import write_package


class Command(BaseCommand):
    help = (
        "Writes the published groups as an Open Referral HSDS 3.0 tabular data package: "
        "one CSV file per object and datapackage.json, in DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="The site's address, for the links in the data (default %(default)s).",
        )

    def handle(self, *args, directory: Path, base_url: str, **options):
        base = base_url.rstrip("/")
        counts = write_package(directory, lambda path: base + path)
        self.stdout.write(
            f"Wrote {counts['services']} service(s) in {len(counts)} tables to {directory}."
        )
