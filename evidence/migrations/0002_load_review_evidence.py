"""Loaded the review's first 57 records, before they were checked against the review.

Superseded by 0004_correct_review_records, which loads the corrected records (and two
newer sources) from evidence/data/evidence_from_review.json. Installs that ran this step
keep its records until 0004 corrects them; a fresh install skips it, since the data file
now holds fields this step's schema does not have.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("groups", "0002_seed_taxonomies"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
