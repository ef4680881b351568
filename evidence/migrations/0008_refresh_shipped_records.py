"""The shipped records again, for installs that loaded them with 0004: main outcomes for
the certainty lines, the review's hedges kept in Bentall et al. (2002)'s finding, NICE
named as an author. Safe to run again."""

import datetime as dt

from django.db import migrations

from evidence import shipped

REVIEWED_ON = dt.date(2026, 12, 7)


def load(apps, schema_editor):
    shipped.load(apps, reviewed_on=REVIEWED_ON)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0007_editors_ratings_and_reports")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
